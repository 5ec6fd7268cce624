import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import {
  importLabelFile,
  LABEL_FILE_FORMATS,
  type LabelFileFormat,
  type LabelImportProgress,
  seedShippedLists,
} from "@chainwatch/screening";
import type { EnvSource } from "@chainwatch/service-kit";
import {
  createLabelRepository,
  type LabelRepository,
  LIST_ID_PATTERN,
  LIST_KINDS,
  type ListKind,
} from "@chainwatch/store";
import { UsageError } from "../cli-usage.ts";
import { loadLabelsCliEnv, openLabelsDatabase } from "./labels-database.ts";

export const LABELS_HELP = `Usage: chainwatch labels import --list <id> --file <path> [options]
       chainwatch labels seed [--actor <who>]

import  Imports a label file into one list (created when --kind is given and the list is new).
        CSV with a header row: address,category[,note,confidence,expires_at,chain_id,source], or one of the
        shipped Forta layouts; or JSON Lines ({"address","category",...}); .gz is decompressed on the fly.
        Invalid rows are counted and the first ones reported; repeated addresses are collapsed.
seed    Creates the shipped deny lists (forta-phishing-scams, forta-etherscan-malicious,
        forta-malicious-contracts) and makes them hold exactly the shipped files (checksums verified).

Both are idempotent: running them again changes nothing (counted as unchanged; the revision stays).

Options:
  --list <id>           list id (a slug: a-z, 0-9, '.', '_', '-')
  --file <path>         the label file
  --kind <kind>         deny, allow or watch: required to create a list; changes an existing list's kind
  --name <text>         the list's name (default: its id when created)
  --description <text>  the list's description
  --format <format>     csv or jsonl (default: from the file name)
  --replace             also delete the list's labels that are not in the file
  --actor <who>         recorded as created_by/updated_by (default: cli:<user>)
  --pglite-dir <dir>    the embedded database's directory, over $PGLITE_DATA_DIR and $DATABASE_URL
  --help

Database: $DATABASE_URL (and $DATABASE_SCHEMA) → that PostgreSQL; otherwise the embedded PGlite in
$PGLITE_DATA_DIR (default .chainwatch/data in the working directory, as for the gateway; npm start's is
apps/api-gateway/.chainwatch/data). Stop a gateway using that directory first.
Progress goes to stderr; a JSON summary goes to stdout (read, invalid, duplicates, inserted, updated,
unchanged, deleted, revision, elapsedMs). Exit codes: 0 done (invalid rows are counted, not fatal),
1 failed (database, unreadable file, unknown header, checksum mismatch), 2 bad usage.
`;

const usage = (message: string) => new UsageError(message, LABELS_HELP);

function parseLabelsArgs(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      list: { type: "string" },
      file: { type: "string" },
      kind: { type: "string" },
      name: { type: "string" },
      description: { type: "string" },
      format: { type: "string" },
      replace: { type: "boolean", default: false },
      actor: { type: "string" },
      "pglite-dir": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
}
type LabelsArgs = ReturnType<typeof parseLabelsArgs>["values"];

/** One progress line a second on stderr (rewritten in place on a terminal), and the last one at the end. */
function progressPrinter(prefix: () => string) {
  const isTty = process.stderr.isTTY === true;
  let lastPrintedAt = Number.NEGATIVE_INFINITY;
  let last: LabelImportProgress | null = null;
  const print = (progress: LabelImportProgress, isFinal: boolean) => {
    const what =
      progress.phase === "read"
        ? `${progress.read} rows read, ${progress.invalid} invalid`
        : `${progress.written}/${progress.total} labels written`;
    const line = `${prefix()}: ${what}, ${(progress.elapsedMs / 1000).toFixed(1)} s`;
    process.stderr.write(isTty ? `\r${line}\u001b[K${isFinal ? "\n" : ""}` : `${line}\n`);
  };
  return {
    update(progress: LabelImportProgress) {
      last = progress;
      if (progress.elapsedMs - lastPrintedAt < 1_000) return;
      lastPrintedAt = progress.elapsedMs;
      print(progress, false);
    },
    finish() {
      if (last) print(last, true);
      last = null;
      lastPrintedAt = Number.NEGATIVE_INFINITY;
    },
  };
}

function reportErrors(summary: { invalid: number; errors: { line: number; message: string }[] }): void {
  for (const error of summary.errors) process.stderr.write(`  line ${error.line}: ${error.message}\n`);
  if (summary.invalid > summary.errors.length)
    process.stderr.write(`  ... and ${summary.invalid - summary.errors.length} more invalid rows\n`);
}

/** Creates the list, or changes its kind/name/description when the flags say so; refuses a new list without --kind. */
async function ensureList(repo: LabelRepository, listId: string, values: LabelsArgs, actor: string) {
  const kind = values.kind as ListKind | undefined;
  const existing = await repo.getList(listId);
  if (existing === null && kind === undefined)
    throw usage(`list "${listId}" does not exist: pass --kind (deny, allow or watch) to create it`);
  const wanted = {
    id: listId,
    name: values.name ?? existing?.name ?? listId,
    kind: kind ?? existing?.kind ?? "deny",
    ...(values.description !== undefined ? { description: values.description } : {}),
    actor,
  };
  const { list, created, updated } = await repo.upsertList(wanted);
  if (created) process.stderr.write(`labels: created ${list.kind} list "${list.id}"\n`);
  else if (existing && existing.kind !== list.kind)
    process.stderr.write(`labels: list "${list.id}" changed from ${existing.kind} to ${list.kind}\n`);
  return { id: list.id, kind: list.kind, created, updated };
}

async function runImport(repo: LabelRepository, values: LabelsArgs, actor: string) {
  const listId = values.list as string;
  const list = await ensureList(repo, listId, values, actor);
  const progress = progressPrinter(() => `labels ${listId}`);
  const summary = await importLabelFile(repo, {
    listId,
    file: values.file as string,
    ...(values.format ? { format: values.format as LabelFileFormat } : {}),
    actor,
    mode: values.replace ? "replace" : "merge",
    onProgress: (value) => progress.update(value),
  });
  progress.finish();
  if (summary.ignoredColumns.length > 0)
    process.stderr.write(`  ignored columns: ${summary.ignoredColumns.join(", ")}\n`);
  reportErrors(summary);
  return { command: "labels import", list, ...summary };
}

async function runSeed(repo: LabelRepository, actor: string) {
  let current = "";
  const progress = progressPrinter(() => `labels ${current}`);
  const seeded = await seedShippedLists(repo, {
    actor,
    onProgress: (listId, value) => {
      if (listId !== current) progress.finish();
      current = listId;
      progress.update(value);
    },
  });
  progress.finish();
  const totals = { read: 0, invalid: 0, duplicates: 0, inserted: 0, updated: 0, unchanged: 0, deleted: 0 };
  for (const list of seeded.lists) {
    process.stderr.write(
      `labels ${list.listId}: ${list.read} read, ${list.invalid} invalid, ${list.inserted} inserted, ${list.updated} updated, ${list.unchanged} unchanged, ${list.deleted} deleted\n`,
    );
    reportErrors(list);
    for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += list[key];
  }
  return {
    command: "labels seed",
    version: seeded.version,
    ...totals,
    revision: seeded.lists.at(-1)?.revision ?? (await repo.screeningRevision()),
    elapsedMs: seeded.elapsedMs,
    lists: seeded.lists.map(({ file: _file, ...list }) => list),
  };
}

/** Checks the flags of a subcommand before anything opens: a usage error never touches the database. */
function checkArgs(subcommand: string | undefined, values: LabelsArgs): void {
  if (subcommand !== "import" && subcommand !== "seed")
    throw usage(
      subcommand ? `unknown labels command "${subcommand}"` : "missing labels command (import or seed)",
    );
  if (subcommand === "seed") return;
  if (!values.list) throw usage("--list is required");
  if (!LIST_ID_PATTERN.test(values.list))
    throw usage(`--list must be a slug (a-z, 0-9, '.', '_', '-'), got "${values.list}"`);
  if (!values.file) throw usage("--file is required");
  if (values.kind !== undefined && !(LIST_KINDS as readonly string[]).includes(values.kind))
    throw usage(`--kind must be one of ${LIST_KINDS.join(", ")}`);
  if (values.format !== undefined && !(LABEL_FILE_FORMATS as readonly string[]).includes(values.format))
    throw usage(`--format must be one of ${LABEL_FILE_FORMATS.join(", ")}`);
}

/** `chainwatch labels …`: prints the JSON summary and returns the exit code; bad usage throws UsageError. */
export async function runLabelsCli(args: string[], source: EnvSource): Promise<number> {
  let parsed: ReturnType<typeof parseLabelsArgs>;
  try {
    parsed = parseLabelsArgs(args);
  } catch (error) {
    throw usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(LABELS_HELP);
    return 0;
  }
  const [subcommand, ...extra] = positionals;
  if (extra.length > 0) throw usage(`unexpected argument "${extra[0]}"`);
  checkArgs(subcommand, values);
  const env = loadLabelsCliEnv(source);
  const pgliteDir = values["pglite-dir"];
  if (!env.DATABASE_URL && pgliteDir === undefined && env.PGLITE_DATA_DIR === "memory")
    throw usage("PGLITE_DATA_DIR=memory: the labels would be lost when the command exits");
  const actor = values.actor ?? `cli:${userInfo().username}`;

  const { db, description } = await openLabelsDatabase(env, pgliteDir);
  try {
    const repo = createLabelRepository(db);
    const summary = subcommand === "seed" ? await runSeed(repo, actor) : await runImport(repo, values, actor);
    process.stdout.write(`${JSON.stringify({ ...summary, database: description })}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    process.stderr.write(`chainwatch labels failed: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await db.close();
  }
}
