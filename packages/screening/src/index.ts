export {
  type ImportLabelFileOptions,
  importLabelFile,
  type LabelImportProgress,
  type LabelImportSummary,
} from "./import-label-file.ts";
export { LabelFileError } from "./label-file-error.ts";
export {
  etherscanLabelCategory,
  GENERIC_COLUMNS,
  LABEL_FILE_LAYOUTS,
  type LabelFileLayout,
  tagCategory,
} from "./label-file-layouts.ts";
export {
  formatOfPath,
  LABEL_FILE_FORMATS,
  type LabelFileFormat,
  type LabelFileHeader,
  type LabelRow,
  readLabelFile,
} from "./read-label-file.ts";
export { type SeedIfOutdatedResult, seedShippedListsIfOutdated } from "./seed-if-outdated.ts";
export {
  readShippedManifest,
  type SeedShippedListsOptions,
  type SeedSummary,
  SHIPPED_DATA_DIR,
  SHIPPED_LISTS,
  type ShippedList,
  type ShippedManifest,
  seedShippedLists,
  shippedListSource,
  verifyShippedFiles,
} from "./shipped-lists.ts";
