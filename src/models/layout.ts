/**
 * Building a parameter layout block by block, and binding a flat vector's blocks to tape variables as views
 * (no copies: the tape reads the caller's vector).
 *
 * @module
 */
import { matrix } from '../core/matrix.js';
import type { Node, Tape } from '../autodiff/index.js';
import type { ParamBlock } from './model.js';

/** Appends blocks to a layout and remembers the running offset. */
export class LayoutBuilder {
  readonly blocks: ParamBlock[] = [];
  private offset = 0;

  /** Add a block of shape [rows, cols] and return its index. */
  add(name: string, rows: number, cols: number): number {
    this.blocks.push({ name, rows, cols, offset: this.offset });
    this.offset += rows * cols;
    return this.blocks.length - 1;
  }

  /** Total parameter count so far. */
  get size(): number {
    return this.offset;
  }
}

/** One variable node per block, each viewing its slice of `w`. */
export function bindParams(tape: Tape, layout: readonly ParamBlock[], w: Float64Array): Node[] {
  const total = layout.reduce((s, b) => s + b.rows * b.cols, 0);
  if (w.length !== total) throw new RangeError(`parameters: expected ${total} values, got ${w.length}`);
  return layout.map((b) => tape.variable(matrix(b.rows, b.cols, w.subarray(b.offset, b.offset + b.rows * b.cols)), b.name));
}

/** The layout as a readable table (name, shape, offset). */
export function describeLayout(layout: readonly ParamBlock[]): string {
  return layout.map((b) => `${b.name} [${b.rows}, ${b.cols}] at ${b.offset}`).join('\n');
}
