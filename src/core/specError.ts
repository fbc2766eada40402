/**
 * The error for bad input: it names the field (a dotted path such as `model.layers[2].width`) and what is
 * wrong with it, in one line.
 *
 * @module
 */

/** Bad input, with the path of the offending field. */
export class SpecError extends Error {
  override readonly name = 'SpecError';
  /** The field's path, for example `model.layers[2].width` (empty for the whole document). */
  readonly field: string;

  constructor(field: string, problem: string) {
    super(field ? `${field}: ${problem}` : problem);
    this.field = field;
  }
}

/** A path of keys and indices as `a.b[2].c`. */
export function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}
