/**
 * Generators of training problems for the flow: a smooth model, a loss that fits its output count, a small
 * training set with targets of the loss's kind, a few query points, initial parameters and a horizon T.
 *
 * @module
 */
import fc from 'fast-check';
import { matrix, rng, type Matrix } from '../../src/core/index.js';
import { binaryLogistic, huber, softmaxCrossEntropy, squared, type Loss } from '../../src/losses/index.js';
import { compileModel, type Model, type ModelSpecInput } from '../../src/models/index.js';
import type { TrainingProblem } from '../../src/kernels/index.js';
import { DEEP } from './config.js';
import { matrixArb, mlpSpecArb, type ArchitectureOptions } from './models.js';

/** A generated training problem with its initial parameters, queries and horizon. */
export interface FlowCase {
  readonly spec: ModelSpecInput;
  readonly model: Model;
  readonly lossName: string;
  readonly problem: TrainingProblem;
  readonly paramSeed: number;
  readonly w0: Float64Array;
  readonly queries: Matrix;
  readonly T: number;
}

/** Options of {@link flowCaseArb}. */
export interface FlowCaseOptions extends ArchitectureOptions {
  /** Largest training set (default 5, 8 in deep mode). */
  readonly maxTrain?: number;
  /** Largest query set (default 3). */
  readonly maxQueries?: number;
  /** Smallest training set (default 1). */
  readonly minTrain?: number;
  /** Smallest query set (default 1). */
  readonly minQueries?: number;
  /** Restrict the losses (default: all that fit the output count). */
  readonly losses?: readonly ('squared' | 'huber' | 'binaryLogistic' | 'softmaxCrossEntropy')[];
  /** Horizons to draw from (default 0.5, 1, 2). */
  readonly horizons?: readonly number[];
}

function lossFor(name: string, O: number): Loss | null {
  if (name === 'squared') return squared;
  if (name === 'huber') return huber(0.5);
  if (name === 'binaryLogistic') return O === 1 ? binaryLogistic : null;
  if (name === 'softmaxCrossEntropy') return O >= 2 ? softmaxCrossEntropy : null;
  return null;
}

function targets(name: string, O: number, m: number, seed: number): Matrix {
  const r = rng(seed).stream('data');
  if (name === 'binaryLogistic') return matrix(m, 1, Array.from({ length: m }, () => r.int(2)));
  if (name === 'softmaxCrossEntropy') return matrix(m, 1, Array.from({ length: m }, () => r.int(O)));
  return matrix(m, O, Array.from({ length: m * O }, () => r.uniformIn(-1, 1)));
}

/** Training problems on generated smooth MLPs (or the given specs) with every fitting loss. */
export function flowCaseArb(options: FlowCaseOptions = {}, specs: fc.Arbitrary<ModelSpecInput> = mlpSpecArb({ maxDepth: 2, maxWidth: 5, ...options })): fc.Arbitrary<FlowCase> {
  const lossNames = options.losses ?? ['squared', 'huber', 'binaryLogistic', 'softmaxCrossEntropy'];
  const maxTrain = options.maxTrain ?? (DEEP ? 8 : 5);
  return specs.chain((spec) => {
    const model = compileModel(spec);
    const fitting = lossNames.filter((n) => lossFor(n, model.outputDim) !== null);
    // A generator asked for losses that cannot fit its own specs is a mistake of the property, not a case.
    if (fitting.length === 0) throw new Error(`flowCaseArb: none of the losses ${lossNames.join(', ')} fits ${model.outputDim} output(s) of ${JSON.stringify(spec)}`);
    const maxQueries = options.maxQueries ?? 3;
    return fc
      .record({
        lossName: fc.constantFrom(...fitting),
        m: fc.integer({ min: Math.min(options.minTrain ?? 1, maxTrain), max: maxTrain }),
        n: fc.integer({ min: Math.min(options.minQueries ?? 1, maxQueries), max: maxQueries }),
        paramSeed: fc.nat({ max: 2 ** 31 - 1 }),
        dataSeed: fc.nat({ max: 2 ** 31 - 1 }),
        T: fc.constantFrom(...(options.horizons ?? [0.5, 1, 2])),
      })
      .chain(({ lossName, m, n, paramSeed, dataSeed, T }) =>
        fc.tuple(matrixArb(m, model.inputDim, 1.5), matrixArb(n, model.inputDim, 1.5)).map(([xTrain, queries]): FlowCase => readable({
          spec,
          model,
          lossName,
          problem: { model, loss: lossFor(lossName, model.outputDim)!, xTrain, yTrain: targets(lossName, model.outputDim, m, dataSeed) },
          paramSeed,
          w0: model.init(rng(paramSeed).stream('init')),
          queries,
          T,
        })),
      );
  });
}

/**
 * Counterexamples print as the case's description and data (fast-check's toStringMethod), not as the compiled
 * model with its closures' source.
 */
function readable(c: FlowCase): FlowCase {
  const rows = (x: Matrix) => `[${Array.from({ length: x.rows }, (_, i) => `[${Array.from(x.data.subarray(i * x.cols, (i + 1) * x.cols)).join(', ')}]`).join(', ')}]`;
  Object.defineProperty(c, fc.toStringMethod, { value: () => `FlowCase(${describeFlowCase(c)}, xTrain ${rows(c.problem.xTrain)}, yTrain ${rows(c.problem.yTrain)}, queries ${rows(c.queries)})`, enumerable: false });
  return c;
}

/** A one-line description of a flow case for failure messages. */
export function describeFlowCase(c: FlowCase): string {
  return `spec ${JSON.stringify(c.spec)}, loss ${c.lossName}, m ${c.problem.xTrain.rows}, queries ${c.queries.rows}, T ${c.T}, paramSeed ${c.paramSeed}`;
}
