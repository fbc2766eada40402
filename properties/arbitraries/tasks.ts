/**
 * Generated learning tasks for the statistical laws (SGD's noise, the regimes in width and output scale, the
 * data-dependence of the path kernel): a data set of src/data (teacher-student, sine, two blobs, two moons,
 * Iris), a loss that fits its targets, an activation, a depth of one or two hidden layers, a horizon and the
 * seeds of the data and of the initialisations. Everything is drawn constructively: every combination drawn is
 * a valid, non-degenerate task (the targets are never all equal, both classes appear in every classification
 * set, and the tangent kernel of an MLP with biases is positive on distinct inputs), so no case is filtered.
 *
 * A task is plain data ({@link TaskSpec}) until {@link buildTask} makes its matrices and loss, so that a case
 * prints, and replays, as its spec.
 *
 * @module
 */
import fc from 'fast-check';
import { rng, selectRows, type Matrix } from '../../src/core/index.js';
import { blobs, iris, moons, sine1d, teacher, type Dataset } from '../../src/data/index.js';
import { binaryLogistic, huber, softmaxCrossEntropy, squared, type Loss, type Reduction } from '../../src/losses/index.js';
import { compileModel } from '../../src/models/index.js';

/** The data sets drawn from. */
export const TASK_DATA = ['teacher', 'sine1d', 'blobs', 'moons', 'iris'] as const;
/** Smooth activations (the flow and the kernels need derivatives everywhere). */
export const TASK_ACTIVATIONS = ['tanh', 'sin', 'gelu', 'softplus'] as const;
/** The losses drawn from. */
export type TaskLoss = 'squared' | 'huber' | 'binaryLogistic' | 'softmaxCrossEntropy';

/** Which losses fit which data set: regression targets, 0/1 labels, or Iris's three classes (or two). */
const PAIRS: readonly (readonly [(typeof TASK_DATA)[number], TaskLoss])[] = [
  ['teacher', 'squared'],
  ['teacher', 'huber'],
  ['sine1d', 'squared'],
  ['sine1d', 'huber'],
  ['blobs', 'binaryLogistic'],
  ['blobs', 'squared'],
  ['moons', 'binaryLogistic'],
  ['moons', 'squared'],
  ['iris', 'softmaxCrossEntropy'],
  ['iris', 'binaryLogistic'],
];

/** A generated task, as data. */
export interface TaskSpec {
  readonly data: (typeof TASK_DATA)[number];
  readonly loss: TaskLoss;
  /** Training points. */
  readonly m: number;
  /** Query points held out of the same data set. */
  readonly queries: number;
  /** Input dimension of the teacher and blob sets (the others fix their own: sine 1, moons 2, Iris 4). */
  readonly inputDim: number;
  readonly activation: (typeof TASK_ACTIVATIONS)[number];
  /** Hidden layers of the trained MLP. */
  readonly depth: number;
  /** The horizon T of training. */
  readonly T: number;
  readonly reduction: Reduction;
  readonly dataSeed: number;
  /** The seed every initialisation (and batch order) of the case is derived from. */
  readonly seed: number;
}

/** A task ready to train on. */
export interface GeneratedTask {
  readonly spec: TaskSpec;
  readonly xTrain: Matrix;
  readonly yTrain: Matrix;
  readonly queries: Matrix;
  readonly loss: Loss;
  /** The model's output count: 3 for Iris with the softmax, else 1. */
  readonly outputDim: number;
  readonly reduction: Reduction;
}

/** Options of {@link taskSpecArb}. */
export interface TaskOptions {
  /** Training points, at least 4 (default 4..8). */
  readonly minTrain?: number;
  readonly maxTrain?: number;
  /** Query points (default 2). */
  readonly queries?: number;
  /** Depths to draw from (default 1 and 2). */
  readonly depths?: readonly number[];
  /** Horizons to draw from (default 1 and 2). */
  readonly horizons?: readonly number[];
  /** Default `sum`, the paper's convention. */
  readonly reduction?: Reduction;
}

/** Task specs: a data set and a loss that fits it, an activation, a depth, a horizon and seeds. */
export function taskSpecArb(options: TaskOptions = {}): fc.Arbitrary<TaskSpec> {
  const minTrain = Math.max(4, options.minTrain ?? 4);
  const maxTrain = Math.max(minTrain, options.maxTrain ?? 8);
  return fc
    .record({
      pair: fc.constantFrom(...PAIRS),
      m: fc.integer({ min: minTrain, max: maxTrain }),
      inputDim: fc.integer({ min: 1, max: 3 }),
      activation: fc.constantFrom(...TASK_ACTIVATIONS),
      depth: fc.constantFrom(...(options.depths ?? [1, 2])),
      T: fc.constantFrom(...(options.horizons ?? [1, 2])),
      dataSeed: fc.nat({ max: 2 ** 31 - 1 }),
      seed: fc.nat({ max: 2 ** 31 - 1 }),
    })
    .map(({ pair, ...rest }) => ({ ...rest, data: pair[0], loss: pair[1], queries: options.queries ?? 2, reduction: options.reduction ?? 'sum' }));
}

function lossOf(name: TaskLoss): Loss {
  if (name === 'squared') return squared;
  if (name === 'huber') return huber(0.5);
  if (name === 'binaryLogistic') return binaryLogistic;
  return softmaxCrossEntropy;
}

/** Iris rows: `count` of them, as even across the kept species as the count allows, drawn without replacement. */
function irisRows(ds: Dataset, count: number, seed: number): number[] {
  const r = rng(seed).stream('iris rows');
  const classes = ds.classes ?? 2;
  const byClass = Array.from({ length: classes }, (_, c) => {
    const rows = Array.from({ length: ds.y.rows }, (_, i) => i).filter((i) => ds.y.data[i] === c);
    return r.permutation(rows.length).map((k) => rows[k]!);
  });
  return Array.from({ length: count }, (_, k) => byClass[k % classes]![Math.floor(k / classes)]!);
}

/** The data set of a spec with m + queries points (the last `queries` rows are held out as queries). */
function drawData(spec: TaskSpec): Dataset {
  const n = spec.m + spec.queries;
  const stream = rng(spec.dataSeed).stream('data');
  switch (spec.data) {
    case 'teacher': {
      const net = compileModel({ kind: 'mlp', inputDim: spec.inputDim, layers: [{ width: 4, activation: 'sin' }] });
      const w = net.init(rng(spec.dataSeed).stream('teacher'));
      return teacher({ teacher: (X) => net.forward(w, X), m: n, d: spec.inputDim }, stream);
    }
    case 'sine1d':
      return sine1d({ m: n }, stream);
    case 'blobs':
      return blobs({ m: n, d: Math.max(2, spec.inputDim), separation: 2 }, stream);
    case 'moons':
      return moons({ m: n }, stream);
    case 'iris': {
      const ds = iris(spec.loss === 'softmaxCrossEntropy' ? {} : { classes: ['versicolor', 'virginica'] });
      const rows = irisRows(ds, n, spec.dataSeed);
      return { ...ds, x: selectRows(ds.x, rows), y: selectRows(ds.y, rows) };
    }
  }
}

/** Build a spec's matrices and loss: training rows first, then the held-out queries. */
export function buildTask(spec: TaskSpec): GeneratedTask {
  const ds = drawData(spec);
  const n = spec.m + spec.queries;
  // Every (queries + 1)-th row is a query, so that sorted (sine) and class-alternating (blobs, moons, Iris)
  // sets keep both their range and their class balance in the training rows.
  const stride = Math.max(2, Math.floor(n / Math.max(1, spec.queries)));
  const queryRows = Array.from({ length: spec.queries }, (_, q) => Math.min(n - 1, q * stride + stride - 1));
  const trainRows = Array.from({ length: n }, (_, i) => i).filter((i) => !queryRows.includes(i));
  const outputDim = spec.loss === 'softmaxCrossEntropy' ? 3 : 1;
  return {
    spec,
    xTrain: selectRows(ds.x, trainRows),
    yTrain: selectRows(ds.y, trainRows),
    queries: selectRows(ds.x, queryRows),
    loss: lossOf(spec.loss),
    outputDim,
    reduction: spec.reduction,
  };
}

/** Generated tasks, built. */
export function taskArb(options: TaskOptions = {}): fc.Arbitrary<GeneratedTask> {
  return taskSpecArb(options).map(buildTask);
}

/** A one-line description of a task for figures and failure messages. */
export function describeTask(spec: TaskSpec): string {
  const d = spec.data === 'teacher' ? spec.inputDim : spec.data === 'blobs' ? Math.max(2, spec.inputDim) : spec.data === 'sine1d' ? 1 : spec.data === 'moons' ? 2 : 4;
  return `${spec.data} (d ${d}, m ${spec.m}), ${spec.loss} (${spec.reduction}), ${spec.activation}, depth ${spec.depth}, T ${spec.T}, data seed ${spec.dataSeed}, seed ${spec.seed}`;
}
