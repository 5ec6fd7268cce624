import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LabelRepository, ListKind } from "@chainwatch/store";
import { z } from "zod";
import { importLabelFile, type LabelImportProgress, type LabelImportSummary } from "./import-label-file.ts";
import { LabelFileError } from "./label-file-error.ts";
import type { LabelFileLayout } from "./label-file-layouts.ts";

/*
 * The lists Chainwatch ships: Forta's public, MIT-licensed labelled datasets (labels/1/, Ethereum
 * mainnet), copied byte for byte into data/forta-labelled-datasets with their licence, provenance
 * (README.md) and a manifest of SHA-256 checksums. Seeding refuses files that differ from the manifest,
 * so a changed file is noticed (by the test, and at run time) instead of silently becoming the deny list.
 */

export const SHIPPED_DATA_DIR = fileURLToPath(new URL("../data/forta-labelled-datasets/", import.meta.url));

export interface ShippedList {
  id: string;
  name: string;
  kind: ListKind;
  file: string;
  layout: LabelFileLayout;
  description: string;
}

export const SHIPPED_LISTS: readonly ShippedList[] = [
  {
    id: "forta-phishing-scams",
    name: "Forta: phishing scams (Etherscan phish-hack)",
    kind: "deny",
    file: "phishing_scams.csv",
    layout: "forta-phishing-scams",
    description:
      "Ethereum addresses Etherscan labels phish-hack (EOAs and contracts), via Luabase's ethereum.tags. Category phishing.",
  },
  {
    id: "forta-etherscan-malicious",
    name: "Forta: Etherscan malicious labels",
    kind: "deny",
    file: "etherscan_malicious_labels.csv",
    layout: "forta-etherscan-malicious",
    description:
      "Ethereum addresses on Etherscan's phish-hack, exploit and heist lists. Category from the name tag (scam, exploit) or else the list (phish-hack → phishing; exploit, heist → exploit).",
  },
  {
    id: "forta-malicious-contracts",
    name: "Forta: malicious smart contracts",
    kind: "deny",
    file: "malicious_smart_contracts.csv",
    layout: "forta-malicious-contracts",
    description:
      "Contracts used in phishing, exploits and heists. Category from the creator's Etherscan label (phish-hack → phishing, else exploit); creators are not labelled, only named in the note.",
  },
];

const ShippedManifestSchema = z.object({
  version: z.string().min(1),
  upstream: z.object({
    repository: z.url(),
    commit: z.string().regex(/^[0-9a-f]{40}$/),
    committedAt: z.iso.date(),
    path: z.string(),
    license: z.string(),
  }),
  files: z.record(
    z.string(),
    z.object({
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      bytes: z.number().int().nonnegative(),
      rows: z.number().int().nonnegative().optional(),
    }),
  ),
});
export type ShippedManifest = z.infer<typeof ShippedManifestSchema>;

export async function readShippedManifest(dataDir = SHIPPED_DATA_DIR): Promise<ShippedManifest> {
  const text = await readFile(join(dataDir, "manifest.json"), "utf8");
  return ShippedManifestSchema.parse(JSON.parse(text));
}

/** Refuses (LabelFileError) when a file named by the manifest is missing or its SHA-256 differs. */
export async function verifyShippedFiles(dataDir = SHIPPED_DATA_DIR): Promise<ShippedManifest> {
  const manifest = await readShippedManifest(dataDir);
  for (const [file, expected] of Object.entries(manifest.files)) {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(dataDir, file));
    } catch {
      throw new LabelFileError(`shipped file ${file} is missing from ${dataDir}`, { file });
    }
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    if (sha256 !== expected.sha256)
      throw new LabelFileError(`shipped file ${file} does not match its manifest checksum`, {
        file,
        expected: expected.sha256,
        actual: sha256,
      });
  }
  return manifest;
}

/** The provenance recorded as each shipped list's `source`. */
export function shippedListSource(manifest: ShippedManifest, list: ShippedList): string {
  const { upstream } = manifest;
  return `${upstream.repository} ${upstream.path}${list.file} @ ${upstream.commit.slice(0, 12)} (${upstream.committedAt}, ${upstream.license}); Chainwatch ${manifest.version}`;
}

export interface SeedShippedListsOptions {
  actor: string;
  /** Called with the list being imported and its progress. */
  onProgress?: (listId: string, progress: LabelImportProgress) => void;
  /** Tests point this at a copy. */
  dataDir?: string;
}

export interface SeedSummary {
  version: string;
  lists: (LabelImportSummary & { listCreated: boolean; listUpdated: boolean })[];
  elapsedMs: number;
}

/**
 * Creates the shipped lists if missing and makes each hold exactly its file's labels (import mode
 * replace: a label an operator added to a shipped list by hand is removed; keep your own in your own
 * list). Idempotent: running it again changes nothing, not even the screening revision.
 */
export async function seedShippedLists(
  repo: Pick<LabelRepository, "upsertList" | "importLabels">,
  options: SeedShippedListsOptions,
): Promise<SeedSummary> {
  const startedAt = Date.now();
  const dataDir = options.dataDir ?? SHIPPED_DATA_DIR;
  const manifest = await verifyShippedFiles(dataDir);
  const lists: SeedSummary["lists"] = [];
  for (const list of SHIPPED_LISTS) {
    const upserted = await repo.upsertList({
      id: list.id,
      name: list.name,
      kind: list.kind,
      description: list.description,
      source: shippedListSource(manifest, list),
      actor: options.actor,
    });
    const summary = await importLabelFile(repo, {
      listId: list.id,
      file: join(dataDir, list.file),
      format: "csv",
      actor: options.actor,
      mode: "replace",
      onProgress: (progress) => options.onProgress?.(list.id, progress),
    });
    lists.push({ ...summary, listCreated: upserted.created, listUpdated: upserted.updated });
  }
  return { version: manifest.version, lists, elapsedMs: Date.now() - startedAt };
}
