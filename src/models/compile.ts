/**
 * From a JSON spec to a model: validate, then compile by kind.
 *
 * @module
 */
import { SpecError } from '../core/specError.js';
import { compileFeatures } from './features.js';
import { compileMlp } from './mlp.js';
import type { Model } from './model.js';
import { compileSine } from './sine.js';
import { parseModelSpec, type ModelSpec } from './spec.js';

/** Validate a spec (throws {@link SpecError} naming the field) and compile it. */
export function compileModel(input: unknown): Model {
  const spec: ModelSpec = parseModelSpec(input);
  switch (spec.kind) {
    case 'mlp':
      return compileMlp(spec);
    case 'features':
      return compileFeatures(spec);
    case 'sine':
      return compileSine(spec);
  }
}

/**
 * Check an explicit parameter vector against a model: its length must be the model's parameter count and
 * every value finite. Throws {@link SpecError} naming the field and the first bad index.
 */
export function checkParams(model: Model, values: ArrayLike<number>, field = 'model.params'): Float64Array {
  if (values.length !== model.paramCount) {
    throw new SpecError(field, `expected ${model.paramCount} values in the documented layout, got ${values.length}`);
  }
  const w = Float64Array.from(values);
  const bad = w.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new SpecError(`${field}[${bad}]`, `value ${w[bad]} is not finite`);
  return w;
}
