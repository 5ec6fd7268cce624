import { ChainwatchError } from "@chainwatch/service-kit";

/**
 * A label file refused whole: unreadable, a header that matches no layout, or (shipped lists) a checksum
 * that differs from the manifest. Rows that are merely invalid are counted instead, never thrown.
 */
export class LabelFileError extends ChainwatchError {
  constructor(message: string, details?: Record<string, unknown>) {
    super("LABEL_FILE_INVALID", message, { details });
  }
}
