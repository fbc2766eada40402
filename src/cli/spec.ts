/**
 * The run spec of `pathkernel run`: a model (architecture plus a seed or explicit parameters), data (a
 * registered data set or explicit rows), a loss, a training method and the options of the representation.
 * Plain JSON validated by zod schemas whose errors name the field (`data.trainX[3][1]: expected a finite
 * number, got "NaN"`), section by section so that each section's messages can say what it expects.
 *
 * Shapes that depend on the model and the loss (input width, target width, labels) are checked when the run
 * is assembled (problem.ts), with the same field names.
 *
 * @module
 */
import { z } from 'zod';
import { SpecError } from '../core/specError.js';
import { REDUCTIONS } from '../losses/index.js';
import { parseModelSpec, type ModelSpec } from '../models/index.js';
import { finiteNumber, integerAtLeast, parseOrThrow, positiveNumber, seedNumber, showValue } from './zodIssue.js';

const object = z.record(z.string(), z.unknown(), { error: (issue) => (issue.input === undefined ? 'required field is missing' : `expected an object, got ${showValue(issue.input)}`) });

const topLevel = z
  .object({
    model: object,
    data: object,
    loss: object,
    training: object,
    options: object.optional(),
  })
  .strict();

// ---------------------------------------------------------------------------------------------------- model

const modelExtras = z.object({ seed: seedNumber().optional(), params: z.array(finiteNumber()).optional() }).catchall(z.unknown());

/** The model part: a validated architecture and where its initial parameters come from. */
export interface RunModelSpec {
  readonly architecture: ModelSpec;
  /** w0 = model.init(rng(seed).stream('init')). */
  readonly seed?: number;
  /** w0 given explicitly, in the documented layout. */
  readonly params?: readonly number[];
}

/**
 * Validate a model part (an architecture plus `seed` or `params`); errors name fields under `field`. The
 * teacher data set's `teacher` option is a model part too.
 */
export function parseModelPart(input: unknown, field = 'model'): RunModelSpec {
  const { seed, params, ...architecture } = parseOrThrow(modelExtras, input, field);
  if ((seed === undefined) === (params === undefined)) {
    throw new SpecError(field, 'give exactly one of seed (to draw the initial parameters) and params (to give them)');
  }
  const parsed = parseModelSpec(architecture, field);
  return seed === undefined ? { architecture: parsed, params: params! } : { architecture: parsed, seed };
}

// ----------------------------------------------------------------------------------------------------- data

const numberRow = z.array(finiteNumber()).min(1, 'expected at least one number');
const rows = z
  .array(numberRow, { error: (issue) => (issue.input === undefined ? 'required field is missing' : `expected an array of rows, got ${showValue(issue.input)}`) })
  .min(1, 'expected at least one row')
  .superRefine((value, ctx) => {
    const width = value[0]!.length;
    value.forEach((r, i) => {
      if (r.length !== width) ctx.addIssue({ code: 'custom', path: [i], message: `expected ${width} numbers like row 0, got ${r.length}` });
    });
  });

const namedTest = z
  .object({
    name: z.string(),
    options: z.record(z.string(), z.unknown()).default({}),
    seed: seedNumber().optional(),
  })
  .strict();

const namedData = z
  .object({
    name: z.string(),
    options: z.record(z.string(), z.unknown()).default({}),
    seed: seedNumber().default(0),
    test: namedTest.optional(),
    testX: rows.optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.test && value.testX) ctx.addIssue({ code: 'custom', path: ['testX'], message: 'give test (a data set) or testX (rows), not both' });
  });

const explicitData = z.object({ trainX: rows, trainY: rows, testX: rows.optional() }).strict();

/** A registered data set, made from `rng(seed).stream('data')`, with optional test points. */
export type NamedDataSpec = z.output<typeof namedData>;
/** Training rows and targets given explicitly, with optional test points. */
export type ExplicitDataSpec = z.output<typeof explicitData>;
/** The data part. */
export type RunDataSpec = NamedDataSpec | ExplicitDataSpec;

function parseData(input: Record<string, unknown>): RunDataSpec {
  if ('name' in input) return parseOrThrow(namedData, input, 'data');
  if ('trainX' in input || 'trainY' in input) return parseOrThrow(explicitData, input, 'data');
  throw new SpecError('data', 'give either name (a registered data set) or trainX and trainY (explicit rows)');
}

// ----------------------------------------------------------------------------------------------------- loss

const lossSchema = z
  .object({
    name: z.string(),
    reduction: z.enum(REDUCTIONS, { error: (issue) => `expected one of ${REDUCTIONS.join(', ')}, got ${showValue(issue.input)}` }).default('sum'),
    delta: finiteNumber().optional(),
  })
  .strict();

/** The loss part: a registered name, the reduction over examples, and Huber's threshold. */
export type RunLossSpec = z.output<typeof lossSchema>;

// ------------------------------------------------------------------------------------------------- training

/** The training methods: the gradient flow, and the discrete optimisers. */
export const METHODS = ['flow', 'gd', 'sgd', 'momentum', 'adam', 'adamw'] as const;
/** One training method. */
export type Method = (typeof METHODS)[number];

const unit = (what: string) =>
  finiteNumber()
    .min(0, { error: (issue) => `${what} is in [0, 1), got ${showValue(issue.input)}` })
    .lt(1, { error: (issue) => `${what} is in [0, 1), got ${showValue(issue.input)}` });
const nonNegative = () => finiteNumber().min(0, { error: (issue) => `expected a number >= 0, got ${showValue(issue.input)}` });

const batchesSchema = z
  .object({
    size: integerAtLeast(1).optional(),
    seed: seedNumber().optional(),
    replacement: z.boolean().optional(),
    explicit: z.array(z.array(integerAtLeast(0)).min(1, 'empty batch')).min(1, 'expected at least one batch').optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.explicit) {
      for (const key of ['size', 'seed', 'replacement'] as const) {
        if (value[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'explicit batches take no size, seed or replacement' });
      }
      return;
    }
    if (value.size === undefined) ctx.addIssue({ code: 'custom', path: ['size'], message: 'required field is missing (or give explicit batches)' });
    else if (value.seed === undefined) ctx.addIssue({ code: 'custom', path: ['seed'], message: 'required field is missing: seeded batches need a seed' });
  });

/** Seeded mini-batches or explicit index lists. */
export type RunBatchesSpec = z.output<typeof batchesSchema>;

const discrete = {
  eps: positiveNumber(),
  steps: integerAtLeast(1).optional(),
  T: positiveNumber().optional(),
  weightDecay: nonNegative().default(0),
};
const adamFields = { beta1: unit('beta1').default(0.9), beta2: unit('beta2').default(0.999), epsilon: positiveNumber().default(1e-8) };

const trainingSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('flow'), T: positiveNumber(), weightDecay: nonNegative().default(0) }).strict(),
  z.object({ method: z.literal('gd'), ...discrete }).strict(),
  z.object({ method: z.literal('sgd'), ...discrete, batches: batchesSchema }).strict(),
  z.object({ method: z.literal('momentum'), ...discrete, batches: batchesSchema.optional(), beta: unit('beta').default(0.9), nesterov: z.boolean().default(false) }).strict(),
  z.object({ method: z.literal('adam'), ...discrete, batches: batchesSchema.optional(), ...adamFields }).strict(),
  // AdamW's weightDecay is decoupled (PyTorch's convention and default); every other method's is the coupled L2 term.
  z.object({ method: z.literal('adamw'), ...discrete, batches: batchesSchema.optional(), ...adamFields, weightDecay: nonNegative().default(0.01) }).strict(),
]);

/** The training part, by method. */
export type RunTrainingSpec = z.output<typeof trainingSchema>;
/** A discrete method's training part. */
export type DiscreteTrainingSpec = Exclude<RunTrainingSpec, { method: 'flow' }>;

function parseTraining(input: Record<string, unknown>): RunTrainingSpec {
  const method = input['method'];
  if (!(METHODS as readonly unknown[]).includes(method)) {
    const problem = method === undefined ? 'required field is missing' : `unknown method ${showValue(method)}`;
    throw new SpecError('training.method', `${problem}; known methods: ${METHODS.join(', ')}`);
  }
  const training = parseOrThrow(trainingSchema, input, 'training', ` for method ${String(method)}`);
  if (training.method !== 'flow') {
    if (training.steps !== undefined && training.T !== undefined) throw new SpecError('training.T', 'give steps or T (steps = round(T / eps)), not both');
    const explicit = 'batches' in training && training.batches?.explicit !== undefined;
    if (training.steps === undefined && training.T === undefined && !explicit) {
      throw new SpecError('training.steps', `required field is missing: method ${training.method} needs steps or T (steps = round(T / eps))`);
    }
  }
  return training;
}

// ---------------------------------------------------------------------------------------------------- options

const optionsSchema = z
  .object({
    rtol: positiveNumber().optional(),
    atol: positiveNumber().optional(),
    nodes: integerAtLeast(1).max(100, { error: (issue) => `expected at most 100 Gauss nodes, got ${showValue(issue.input)}` }).optional(),
    curvature: z.boolean().optional(),
    adaptive: z.object({ tol: positiveNumber(), maxDepth: integerAtLeast(1).max(30).optional() }).strict().optional(),
  })
  .strict();

/**
 * The representation's options: the flow's tolerances, or the discrete kernel's nodes, curvature term and
 * adaptive subdivision (for ReLU's kinks).
 */
export type RunOptionsSpec = z.output<typeof optionsSchema>;

function parseOptions(input: unknown, method: Method): RunOptionsSpec {
  const options = parseOrThrow(optionsSchema, input ?? {}, 'options');
  const flowOnly = ['rtol', 'atol'] as const;
  const discreteOnly = ['nodes', 'curvature', 'adaptive'] as const;
  for (const key of method === 'flow' ? discreteOnly : flowOnly) {
    if (options[key] !== undefined) {
      throw new SpecError(`options.${key}`, method === 'flow' ? 'applies to the discrete methods only, not to the flow' : `applies to the flow only, not to method ${method}`);
    }
  }
  return options;
}

// ------------------------------------------------------------------------------------------------------ spec

/** A validated run spec (defaults filled in). */
export interface RunSpec {
  readonly model: RunModelSpec;
  readonly data: RunDataSpec;
  readonly loss: RunLossSpec;
  readonly training: RunTrainingSpec;
  readonly options: RunOptionsSpec;
}

/**
 * Validate a run spec (parsed JSON). Throws {@link SpecError} naming the first offending field, for example
 * `training.eps: expected a positive number, got 0`. Sections are checked in the order model, data, loss,
 * training, options.
 */
export function parseRunSpec(input: unknown): RunSpec {
  const top = parseOrThrow(topLevel, input, '');
  const model = parseModelPart(top.model);
  const data = parseData(top.data);
  const loss = parseOrThrow(lossSchema, top.loss, 'loss');
  const training = parseTraining(top.training);
  return { model, data, loss, training, options: parseOptions(top.options, training.method) };
}

/** The spec as JSON with every default filled in: running it again gives the same result. */
export function specToJson(spec: RunSpec): Record<string, unknown> {
  const { architecture, seed, params } = spec.model;
  return {
    model: { ...architecture, ...(seed === undefined ? {} : { seed }), ...(params === undefined ? {} : { params: [...params] }) },
    data: spec.data,
    loss: spec.loss,
    training: spec.training,
    options: spec.options,
  };
}
