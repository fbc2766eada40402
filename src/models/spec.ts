/**
 * The architecture spec: plain JSON, validated by a zod schema whose errors name the field. One spec per model
 * kind: a multilayer perceptron, a model linear in fixed features, and the sine model a sin(bx + c).
 *
 * @module
 */
import { z } from 'zod';
import { ACTIVATIONS } from '../autodiff/index.js';
import { SpecError, formatPath } from '../core/specError.js';

const positiveInt = z.number().int().min(1);

/** How weights are scaled: in the initialisation (standard), in the forward pass (ntk), or per layer (mup). */
export const PARAMETRISATIONS = ['standard', 'ntk', 'mup'] as const;

/** Normalisation after a hidden layer's dense map, before its activation. */
export const NORMS = ['none', 'layer', 'batch'] as const;

/**
 * How batch normalisation is differentiated: `total` (default), through the batch mean and variance, the
 * true derivative; `per-example`, holding them fixed, the naive per-example derivative that ignores how one
 * example moves the others' statistics (caveat.batch-coupling). The forward value is the same.
 */
export const BATCH_NORM_GRADIENTS = ['total', 'per-example'] as const;

const hiddenLayer = z
  .object({
    width: positiveInt,
    activation: z.enum(ACTIVATIONS).default('tanh'),
    residual: z.boolean().default(false),
    norm: z.enum(NORMS).default('none'),
  })
  .strict();

const mlp = z
  .object({
    kind: z.literal('mlp'),
    inputDim: positiveInt,
    outputDim: positiveInt.default(1),
    layers: z.array(hiddenLayer),
    parametrisation: z.enum(PARAMETRISATIONS).default('standard'),
    bias: z.boolean().default(true),
    weightGain: z.number().positive().finite().default(1),
    biasStd: z.number().nonnegative().finite().default(0.1),
    normEps: z.number().positive().finite().default(1e-5),
    batchNormGradients: z.enum(BATCH_NORM_GRADIENTS).default('total'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    let width = spec.inputDim;
    spec.layers.forEach((layer, l) => {
      if (layer.norm === 'layer' && layer.width === 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['layers', l, 'norm'],
          message: 'layer normalisation over a width of 1 maps every input to 0 (the layer would output its shift alone); use a width of at least 2',
        });
      }
      if (layer.residual && layer.width !== width) {
        ctx.addIssue({
          code: 'custom',
          path: ['layers', l, 'residual'],
          message: `a residual connection needs equal widths, but the layer maps ${width} to ${layer.width}`,
        });
      }
      width = layer.width;
    });
  });

const featureMap = z.discriminatedUnion('type', [
  z.object({ type: z.literal('identity') }).strict(),
  z.object({ type: z.literal('polynomial'), degree: z.number().int().min(1).max(4) }).strict(),
  z
    .object({
      type: z.literal('random'),
      count: positiveInt,
      activation: z.enum(['cos', 'relu', 'tanh']).default('cos'),
      scale: z.number().positive().finite().default(1),
      seed: z.number().int().nonnegative().default(0),
    })
    .strict(),
]);

const features = z
  .object({
    kind: z.literal('features'),
    inputDim: positiveInt,
    outputDim: positiveInt.default(1),
    featureMap,
    bias: z.boolean().default(false),
  })
  .strict();

const sine = z.object({ kind: z.literal('sine') }).strict();

/** The schema of every model spec. */
export const modelSpecSchema = z.discriminatedUnion('kind', [mlp, features, sine]);

/** A validated model spec (defaults filled in). */
export type ModelSpec = z.output<typeof modelSpecSchema>;
/** A model spec as written (defaults optional). */
export type ModelSpecInput = z.input<typeof modelSpecSchema>;
/** An MLP spec. */
export type MlpSpec = Extract<ModelSpec, { kind: 'mlp' }>;
/** A linear-in-features spec. */
export type FeaturesSpec = Extract<ModelSpec, { kind: 'features' }>;
/** One hidden layer of an MLP spec. */
export type HiddenLayerSpec = MlpSpec['layers'][number];

/**
 * Validate a model spec; throws {@link SpecError} naming the first offending field, for example
 * `model.layers[1].width: Too small: expected number to be >=1`.
 */
export function parseModelSpec(input: unknown, field = 'model'): ModelSpec {
  const result = modelSpecSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
  const problem = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
  throw new SpecError(formatPath(field, path), problem);
}
