/**
 * Row-major Float64Array that doubles when full: 10M rows x 9 features is 720 MB of numbers and no
 * per-row objects, where an array of row objects would need several times that in V8 heap.
 */
export class GrowableMatrix {
  readonly cols: number;
  rows = 0;
  private buffer: Float64Array;

  constructor(cols: number, initialRows = 4096) {
    this.cols = cols;
    this.buffer = new Float64Array(cols * initialRows);
  }

  /** Offset where the caller writes the next row's `cols` values; commit with `commitRow`. */
  reserveRow(): { data: Float64Array; offset: number } {
    const needed = (this.rows + 1) * this.cols;
    if (needed > this.buffer.length) {
      const grown = new Float64Array(Math.max(needed, this.buffer.length * 2));
      grown.set(this.buffer);
      this.buffer = grown;
    }
    return { data: this.buffer, offset: this.rows * this.cols };
  }

  commitRow(): void {
    this.rows++;
  }

  /** A view of the filled rows (no copy). */
  view(): Float64Array {
    return this.buffer.subarray(0, this.rows * this.cols);
  }
}
