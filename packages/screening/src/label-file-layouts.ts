import type { LabelCategory } from "@chainwatch/store";

/*
 * The CSV layouts a label file may have, told apart by their header. The three Forta layouts are the
 * shipped lists (data/forta-labelled-datasets/README.md); `generic` is what operators write by hand.
 * Each maps one row (cells by column name) to a label, or says why it cannot.
 */

export const LABEL_FILE_LAYOUTS = [
  "forta-phishing-scams",
  "forta-etherscan-malicious",
  "forta-malicious-contracts",
  "generic",
  "jsonl",
] as const;
export type LabelFileLayout = (typeof LABEL_FILE_LAYOUTS)[number];

/** A row's label before validation (LabelInputSchema decides), or why the layout cannot map it. */
export type MappedRow = { ok: true; label: Record<string, unknown> } | { ok: false; message: string };

export interface CsvLayout {
  name: Exclude<LabelFileLayout, "jsonl">;
  /** Columns this layout reads; any other column of the header is ignored (and reported). */
  columns: readonly string[];
  map(row: Readonly<Record<string, string>>): MappedRow;
}

/** The generic layout: `address` and `category` required, the rest optional (empty cell → default). */
export const GENERIC_COLUMNS = [
  "address",
  "category",
  "note",
  "confidence",
  "expires_at",
  "chain_id",
  "source",
];

/** Etherscan's labels as Forta exported them (`phish-hack`, `exploit`, `heist`) → our categories. */
const ETHERSCAN_LABELS: Readonly<Record<string, LabelCategory>> = {
  "phish-hack": "phishing",
  exploit: "exploit",
  heist: "exploit",
};

/** Forta's `data_source` of etherscan_malicious_labels.csv → category, when the tag says nothing more. */
const ETHERSCAN_LISTS: Readonly<Record<string, LabelCategory>> = {
  "etherscan-phish-hack-list": "phishing",
  "etherscan-exploit-list": "exploit",
  "etherscan-heist-list": "exploit",
};

/**
 * What an Etherscan name tag says, when it says more than its list: "Spam Token", "Scam: RHOC Token",
 * "AnubisDAO Liquidity Rug 1", "Plus Token Ponzi 1" → scam; "Ian Balina Hacker 1", "KyberSwap Attacker",
 * "Multichain Exploiter 4" → exploit. Scam is checked first ("Honeypot Rug Pull" on the heist list is a scam).
 */
export function tagCategory(tag: string): LabelCategory | null {
  if (/\brug\b|scam|spam|ponzi/i.test(tag)) return "scam";
  if (/exploit|hacker|attacker/i.test(tag)) return "exploit";
  return null;
}

export function etherscanLabelCategory(label: string): LabelCategory | null {
  return ETHERSCAN_LABELS[label.trim().toLowerCase()] ?? null;
}

const cell = (row: Readonly<Record<string, string>>, column: string) => row[column]?.trim() ?? "";
const joinNote = (...parts: string[]) => parts.filter((part) => part !== "").join("; ") || null;

/** labels/1/phishing_scams.csv: every row is Etherscan `phish-hack` → phishing (the file's only label). */
const fortaPhishingScams: CsvLayout = {
  name: "forta-phishing-scams",
  columns: ["address", "etherscan_tag", "etherscan_labels", "is_contract"],
  map(row) {
    const label = cell(row, "etherscan_labels");
    const category = etherscanLabelCategory(label);
    if (category === null) return { ok: false, message: `etherscan_labels: unknown label "${label}"` };
    const isContract = cell(row, "is_contract").toLowerCase() === "true";
    return {
      ok: true,
      label: {
        address: cell(row, "address"),
        category,
        source: `etherscan:${label}`,
        note: joinNote(cell(row, "etherscan_tag"), isContract ? "contract" : ""),
      },
    };
  },
};

/** labels/1/etherscan_malicious_labels.csv: category from the tag (tagCategory), else from data_source. */
const fortaEtherscanMalicious: CsvLayout = {
  name: "forta-etherscan-malicious",
  columns: ["banned_address", "wallet_tag", "data_source"],
  map(row) {
    const tag = cell(row, "wallet_tag");
    const dataSource = cell(row, "data_source");
    const category = tagCategory(tag) ?? ETHERSCAN_LISTS[dataSource] ?? null;
    if (category === null) return { ok: false, message: `data_source: unknown list "${dataSource}"` };
    return {
      ok: true,
      label: { address: cell(row, "banned_address"), category, source: dataSource, note: joinNote(tag) },
    };
  },
};

/**
 * labels/1/malicious_smart_contracts.csv: the contract, categorised by its creator's Etherscan label
 * (phish-hack → phishing; exploit, heist → exploit). An empty label is exploit: the 44 such rows are all
 * exploit contracts (bZx, MultiSig, Multichain; DeFiHackLabs and evil-jar entries). The creator is not
 * labelled (docs/screening.md, "The creator question"); it is kept in the note with the creation tx.
 */
const fortaMaliciousContracts: CsvLayout = {
  name: "forta-malicious-contracts",
  columns: [
    "contract_address",
    "contract_tag",
    "contract_creator",
    "contract_creation_tx",
    "contract_creator_tag",
    "source",
    "notes",
    "contract_creator_etherscan_label",
  ],
  map(row) {
    const label = cell(row, "contract_creator_etherscan_label");
    const category = label === "" ? "exploit" : etherscanLabelCategory(label);
    if (category === null)
      return { ok: false, message: `contract_creator_etherscan_label: unknown label "${label}"` };
    const creator = cell(row, "contract_creator");
    const creatorTag = cell(row, "contract_creator_tag");
    const creationTx =
      cell(row, "contract_creation_tx") === "" ? "" : ` in ${cell(row, "contract_creation_tx")}`;
    return {
      ok: true,
      label: {
        address: cell(row, "contract_address"),
        category,
        source: cell(row, "source") || null,
        note: joinNote(
          cell(row, "contract_tag"),
          cell(row, "notes"),
          creator === ""
            ? ""
            : `created by ${creator}${creatorTag === "" ? "" : ` (${creatorTag})`}${creationTx}`,
        ),
      },
    };
  },
};

/** A number cell: empty → undefined (the default applies), otherwise a number or the text (zod refuses it). */
function numberCell(text: string): number | string | undefined {
  if (text === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : text;
}

const generic: CsvLayout = {
  name: "generic",
  columns: GENERIC_COLUMNS,
  map(row) {
    return {
      ok: true,
      label: {
        address: cell(row, "address"),
        category: cell(row, "category").toLowerCase(),
        note: cell(row, "note") || null,
        confidence: numberCell(cell(row, "confidence")),
        expiresAt: cell(row, "expires_at") || null,
        chainId: numberCell(cell(row, "chain_id")),
        source: cell(row, "source") || null,
      },
    };
  },
};

/** The layout of a header, or null when it is none of them (the message says what a file needs). */
export function detectCsvLayout(header: readonly string[]): CsvLayout | null {
  const has = (column: string) => header.includes(column);
  if (has("banned_address") && has("data_source")) return fortaEtherscanMalicious;
  if (has("contract_address") && has("contract_creator_etherscan_label")) return fortaMaliciousContracts;
  if (has("address") && has("etherscan_labels")) return fortaPhishingScams;
  if (has("address") && has("category")) return generic;
  return null;
}
