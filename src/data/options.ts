/**
 * Reading a generator's options: defaults filled in, each value checked, unknown keys rejected; errors are
 * {@link SpecError}s naming the generator and the option, for example `blobs.m: expected an integer >= 2, got 1`.
 *
 * @module
 */
import { SpecError } from '../core/specError.js';

/** Throw for any key of `options` that is not in `known`, naming it and listing the known ones. */
export function checkKeys(where: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new SpecError(`${where}.${key}`, `unknown option; known options: ${known.join(', ')}`);
  }
}

// Options may come from JSON, so a value can be a string where a number belongs; quote it then.
function show(v: unknown): string {
  return typeof v === 'number' ? String(v) : JSON.stringify(v);
}

/** An integer option at least `min`, or `fallback` when absent. */
export function intOption(where: string, key: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) throw new SpecError(`${where}.${key}`, `expected an integer >= ${min}, got ${show(v)}`);
  return v;
}

/** A finite non-negative number option (a scale: a noise level, a distance), or `fallback` when absent. */
export function scaleOption(where: string, key: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!(Number.isFinite(v) && v >= 0)) throw new SpecError(`${where}.${key}`, `expected a finite number >= 0, got ${show(v)}`);
  return v;
}
