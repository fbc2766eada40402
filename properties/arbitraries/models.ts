/**
 * Generators of architectures, parameters and inputs. Architectures are drawn constructively (a depth, then
 * that many layers; no filter throws generated cases away); numbers come from scaled integers or from the
 * seeded engine generator, never from raw fc.double (whose draws in [-1, 1] are mostly about 1e-150).
 *
 * @module
 */
import fc from 'fast-check';
import { matrix, rng, type Matrix } from '../../src/core/index.js';
import { compileModel, NORMS, PARAMETRISATIONS, type Model, type ModelSpecInput } from '../../src/models/index.js';
import { SIZES } from './config.js';

/** Smooth activations (finite differences and Taylor arguments hold everywhere). */
export const SMOOTH_ACTIVATIONS = ['identity', 'tanh', 'sigmoid', 'softplus', 'sin', 'gelu', 'square'] as const;

/** What to generate. */
export interface ArchitectureOptions {
  /** Include ReLU (default false: most identities are checked on smooth models). */
  readonly relu?: boolean;
  /** Include batch normalisation (default false: it couples the examples of a batch). */
  readonly batchNorm?: boolean;
  /** Largest number of hidden layers (default SIZES.maxDepth). */
  readonly maxDepth?: number;
  /** Largest hidden width (default SIZES.maxWidth). */
  readonly maxWidth?: number;
  /** Largest output count (default SIZES.maxOutputDim). */
  readonly maxOutputDim?: number;
  /**
   * Include layer normalisation (default true). Over a width of 2 it is a smoothed sign function with a
   * transition of width sqrt(1e-5), so convergence laws in eps are pre-asymptotic there.
   */
  readonly layerNorm?: boolean;
  /** Restrict the activations (default: every smooth one, plus ReLU when `relu`). */
  readonly activations?: readonly string[];
  /** Fewest hidden layers (default 0; 1 or more makes the model nonlinear in w, as the laws need). */
  readonly minDepth?: number;
  /**
   * Layer norm only over layers at least this wide (default 2: over one unit the spec refuses it). Over two
   * units it is a smoothed sign with a transition of width sqrt(1e-5): flows through it stiffen.
   */
  readonly minNormWidth?: number;
}

/**
 * MLP specs: depth, widths, activations, residual connections, normalisation, parametrisation, outputs. Built
 * constructively (the depth, then the layers), never by filtering.
 */
export function mlpSpecArb(options: ArchitectureOptions = {}): fc.Arbitrary<ModelSpecInput> {
  const activations: string[] = options.activations ? [...options.activations] : [...SMOOTH_ACTIVATIONS, ...(options.relu ? ['relu'] : [])];
  const norms = NORMS.filter((n) => (n !== 'batch' || options.batchNorm) && (n !== 'layer' || options.layerNorm !== false));
  const maxDepth = options.maxDepth ?? SIZES.maxDepth;
  const minDepth = Math.min(options.minDepth ?? 0, maxDepth);
  const minNormWidth = Math.max(options.minNormWidth ?? 2, 2);
  const layer = fc.record({
    width: fc.integer({ min: 1, max: options.maxWidth ?? SIZES.maxWidth }),
    activation: fc.constantFrom(...activations),
    residual: fc.boolean(),
    norm: fc.constantFrom(...norms),
  });
  // The depth first, then that many layers: constructive, so that no generated case is thrown away.
  const layers = fc.integer({ min: minDepth, max: maxDepth }).chain((depth) => fc.array(layer, { minLength: depth, maxLength: depth }));
  return fc
    .record({
      inputDim: fc.integer({ min: 1, max: SIZES.maxInputDim }),
      outputDim: fc.integer({ min: 1, max: options.maxOutputDim ?? SIZES.maxOutputDim }),
      layers,
      parametrisation: fc.constantFrom(...PARAMETRISATIONS),
      bias: fc.boolean(),
    })
    .map(({ inputDim, outputDim, layers: ls, parametrisation, bias }) => {
      // A residual connection needs equal widths: such a layer keeps the width it receives.
      let width = inputDim;
      const fixed = ls.map((l) => {
        const w = l.residual ? width : l.width;
        width = w;
        // Layer norm over one unit is refused by the spec (it outputs its shift alone); narrower than
        // minNormWidth it is left out.
        return { ...l, width: w, norm: l.norm === 'layer' && w < minNormWidth ? ('none' as const) : l.norm };
      });
      return { kind: 'mlp', inputDim, outputDim, layers: fixed, parametrisation, bias } as ModelSpecInput;
    });
}

/** Linear-in-features specs (identity, polynomial, random features), with or without a bias. */
export function featuresSpecArb(): fc.Arbitrary<ModelSpecInput> {
  const map = fc.oneof(
    fc.constant({ type: 'identity' as const }),
    fc.integer({ min: 1, max: 3 }).map((degree) => ({ type: 'polynomial' as const, degree })),
    fc.record({
      type: fc.constant('random' as const),
      count: fc.integer({ min: 1, max: 12 }),
      activation: fc.constantFrom('cos' as const, 'relu' as const, 'tanh' as const),
      seed: fc.nat({ max: 1000 }),
    }),
  );
  return fc
    .record({
      inputDim: fc.integer({ min: 1, max: SIZES.maxInputDim }),
      outputDim: fc.integer({ min: 1, max: SIZES.maxOutputDim }),
      featureMap: map,
      bias: fc.boolean(),
    })
    .map((r) => ({ kind: 'features', ...r }) as ModelSpecInput);
}

/** Any model spec of the zoo (MLPs most often). */
export function modelSpecArb(options: ArchitectureOptions = {}): fc.Arbitrary<ModelSpecInput> {
  return fc.oneof(
    { weight: 6, arbitrary: mlpSpecArb(options) },
    { weight: 2, arbitrary: featuresSpecArb() },
    { weight: 1, arbitrary: fc.constant({ kind: 'sine' } as ModelSpecInput) },
  );
}

/** A matrix of the given shape with entries k / scale for integers |k| <= bound * scale. */
export function matrixArb(rows: number, cols: number, bound = 2, scale = 1000): fc.Arbitrary<Matrix> {
  return fc
    .array(fc.integer({ min: -bound * scale, max: bound * scale }), { minLength: rows * cols, maxLength: rows * cols })
    .map((ks) => matrix(rows, cols, ks.map((k) => k / scale)));
}

/** A model with parameters and a batch of inputs. */
export interface ModelCase {
  readonly spec: ModelSpecInput;
  readonly model: Model;
  /** The seed the parameters were drawn from (the `init` stream of rng(paramSeed)). */
  readonly paramSeed: number;
  readonly w: Float64Array;
  readonly X: Matrix;
}

/** A model from `specs`, parameters from its initialiser under a generated seed, and N inputs in [-2, 2]. */
export function modelCaseArb(specs: fc.Arbitrary<ModelSpecInput>, minPoints = 1, maxPoints = SIZES.maxPoints): fc.Arbitrary<ModelCase> {
  return specs.chain((spec) => {
    const model = compileModel(spec);
    return fc
      .record({ paramSeed: fc.nat({ max: 2 ** 31 - 1 }), n: fc.integer({ min: minPoints, max: maxPoints }) })
      .chain(({ paramSeed, n }) =>
        matrixArb(n, model.inputDim).map((X) => ({ spec, model, paramSeed, w: model.init(rng(paramSeed).stream('init')), X })),
      );
  });
}

/** A readable one-line description of a case, for failure messages. */
export function describeCase(c: ModelCase): string {
  return `spec ${JSON.stringify(c.spec)}, paramSeed ${c.paramSeed}, ${c.X.rows} inputs`;
}
