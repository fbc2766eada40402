/**
 * From a validated run spec to what the run needs: the compiled model and its initial parameters, the loss,
 * the training and test inputs, and the seeds used. Every shape that depends on the model and the loss is
 * checked here, with the spec's field names: input widths against the model, target widths and labels
 * against the loss.
 *
 * @module
 */
import { fromRows, row, type Matrix } from '../core/matrix.js';
import { rng, STREAMS } from '../core/rng.js';
import { SpecError } from '../core/specError.js';
import { datasetByName, type Dataset } from '../data/index.js';
import { lossByName, type Loss } from '../losses/index.js';
import { checkParams, compileModel, type Model } from '../models/index.js';
import type { TrainingProblem } from '../train/index.js';
import { parseModelPart, type ExplicitDataSpec, type NamedDataSpec, type RunModelSpec, type RunSpec } from './spec.js';
import { problemOf } from './zodIssue.js';

/** The seeds a run used (absent where nothing random was drawn). */
export interface RunSeeds {
  /** w0 = model.init(rng(model).stream('init')). */
  readonly model?: number;
  /** The training data set: rng(data).stream('data'). */
  readonly data?: number;
  /** The test data set: rng(test).stream('data'). */
  readonly test?: number;
  /** Seeded mini-batches: rng(batches).stream('batches'). */
  readonly batches?: number;
}

/** Where the data came from, for the result. */
export interface DataSummary {
  readonly description: string;
  /** m, the number of training examples. */
  readonly train: number;
  /** n, the number of test points. */
  readonly test: number;
  /** `train` when no test points were given (the training inputs serve as test points). */
  readonly testSource: 'train' | 'testX' | 'test data set';
}

/** Everything a run needs, assembled and checked. */
export interface PreparedRun {
  readonly spec: RunSpec;
  readonly model: Model;
  readonly loss: Loss;
  readonly w0: Float64Array;
  /** The training problem; its weightDecay is the coupled L2 term (AdamW's decoupled decay is the optimiser's). */
  readonly problem: TrainingProblem;
  /** Test inputs x, n x inputDim. */
  readonly xTest: Matrix;
  readonly seeds: RunSeeds;
  readonly data: DataSummary;
}

function initialParams(model: Model, spec: RunModelSpec, field = 'model.params'): Float64Array {
  if (spec.params !== undefined) return checkParams(model, spec.params, field);
  return model.init(rng(spec.seed!).stream(STREAMS.init));
}

function checkModel(model: Model, spec: RunModelSpec): void {
  const arch = spec.architecture;
  if (model.batchCoupled && arch.kind === 'mlp') {
    const l = arch.layers.findIndex((layer) => layer.norm === 'batch');
    throw new SpecError(`model.layers[${l}].norm`, 'batch normalisation couples the examples of a batch, so the model has no output at a test point on its own; use layer or none');
  }
}

// The teacher data set labels its inputs with a function; from JSON the function is a model part (an
// architecture with a seed or params), like the spec's own model field.
function datasetOptions(name: string, options: Record<string, unknown>, field: string): object {
  if (name !== 'teacher' || options['teacher'] === undefined) return options;
  const teacherSpec = parseModelPart(options['teacher'], `${field}.teacher`);
  const teacherModel = compileModel(teacherSpec.architecture);
  const w = initialParams(teacherModel, teacherSpec, `${field}.teacher.params`);
  return { ...options, teacher: (X: Matrix) => teacherModel.forward(w, X) };
}

// The registry names its errors data.name, data.options and <generator>.<option>; under the spec they are
// <field>.name and <field>.options.<option> (field is data or data.test).
function renameDataField(error: SpecError, name: string, field: string): SpecError {
  const f = error.field;
  let renamed = f;
  if (f === 'data.name') renamed = `${field}.name`;
  else if (f.startsWith('data.options')) renamed = `${field}.options${f.slice('data.options'.length)}`;
  else if (f.startsWith(`${name}.`) || f.startsWith(`${name}[`)) renamed = `${field}.options${f.slice(name.length)}`;
  return new SpecError(renamed, problemOf(error));
}

function namedDataset(name: string, options: Record<string, unknown>, seed: number, field: string): Dataset {
  try {
    return datasetByName(name, datasetOptions(name, options, `${field}.options`), rng(seed).stream(STREAMS.data));
  } catch (error) {
    throw error instanceof SpecError ? renameDataField(error, name, field) : error;
  }
}

function checkInputWidth(x: Matrix, model: Model, field: string): void {
  if (x.cols !== model.inputDim) throw new SpecError(field, `expected ${model.inputDim} number(s) per row (the model's input width), got ${x.cols}`);
}

/** Where a target row's error is reported: explicit rows name their index, a named data set its row. */
type TargetField = { readonly rows: string } | { readonly dataset: string };

// Every target is checked by the loss itself at a harmless output (0.5 is a valid logit, probability and
// regression value), so that a bad label is reported with its row before training starts.
function checkTargets(loss: Loss, y: Matrix, outputDim: number, where: TargetField): void {
  const report = (i: number, problem: string): never => {
    if ('rows' in where) throw new SpecError(`${where.rows}[${i}]`, problem);
    throw new SpecError(where.dataset, `row ${i}: ${problem}`);
  };
  const width = loss.targetDim(outputDim);
  if (y.cols !== width) {
    const field = 'rows' in where ? `${where.rows}[0]` : where.dataset;
    throw new SpecError(field, `${loss.name} with ${outputDim} output(s) takes ${width} target number(s) per example, got ${y.cols}`);
  }
  const probe = new Float64Array(outputDim).fill(0.5);
  for (let i = 0; i < y.rows; i++) {
    try {
      loss.derivative(probe, row(y, i));
    } catch (error) {
      if (error instanceof RangeError) report(i, error.message);
      throw error;
    }
  }
}

/** The data part, made and checked. */
interface MadeData {
  readonly xTrain: Matrix;
  readonly yTrain: Matrix;
  readonly xTest: Matrix;
  readonly seeds: RunSeeds;
  readonly data: DataSummary;
}

function namedData(spec: NamedDataSpec, model: Model, loss: Loss): MadeData {
  const train = namedDataset(spec.name, spec.options, spec.seed, 'data');
  if (train.x.cols !== model.inputDim) {
    throw new SpecError('data.name', `${spec.name} has ${train.x.cols} input column(s), but the model takes ${model.inputDim}`);
  }
  checkTargets(loss, train.y, model.outputDim, { dataset: 'data.name' });
  let xTest = train.x;
  let testSource: DataSummary['testSource'] = 'train';
  let testSeed: number | undefined;
  let description = train.description;
  if (spec.testX) {
    xTest = fromRows(spec.testX);
    checkInputWidth(xTest, model, 'data.testX[0]');
    testSource = 'testX';
  } else if (spec.test) {
    testSeed = spec.test.seed ?? spec.seed + 1;
    const test = namedDataset(spec.test.name, spec.test.options, testSeed, 'data.test');
    if (test.x.cols !== model.inputDim) {
      throw new SpecError('data.test.name', `${spec.test.name} has ${test.x.cols} input column(s), but the model takes ${model.inputDim}`);
    }
    xTest = test.x;
    testSource = 'test data set';
    description += `; test points: ${test.description}`;
  }
  const seeds = spec.name === 'iris' ? {} : { data: spec.seed };
  return {
    xTrain: train.x,
    yTrain: train.y,
    xTest,
    seeds: testSeed === undefined || spec.test?.name === 'iris' ? seeds : { ...seeds, test: testSeed },
    data: { description, train: train.x.rows, test: xTest.rows, testSource },
  };
}

function explicitData(spec: ExplicitDataSpec, model: Model, loss: Loss): MadeData {
  const xTrain = fromRows(spec.trainX);
  const yTrain = fromRows(spec.trainY);
  checkInputWidth(xTrain, model, 'data.trainX[0]');
  if (yTrain.rows !== xTrain.rows) throw new SpecError('data.trainY', `expected ${xTrain.rows} rows (one per row of trainX), got ${yTrain.rows}`);
  checkTargets(loss, yTrain, model.outputDim, { rows: 'data.trainY' });
  const xTest = spec.testX ? fromRows(spec.testX) : xTrain;
  if (spec.testX) checkInputWidth(xTest, model, 'data.testX[0]');
  return {
    xTrain,
    yTrain,
    xTest,
    seeds: {},
    data: { description: `${xTrain.rows} explicit training rows`, train: xTrain.rows, test: xTest.rows, testSource: spec.testX ? 'testX' : 'train' },
  };
}

function buildLoss(spec: RunSpec, model: Model): Loss {
  const loss = lossByName(spec.loss.name, spec.loss.delta === undefined ? {} : { delta: spec.loss.delta });
  try {
    loss.check(model.outputDim);
  } catch (error) {
    if (error instanceof RangeError) throw new SpecError('loss.name', error.message);
    throw error;
  }
  return loss;
}

/** Compile the model, draw or check w0, make the data and check every shape; throws {@link SpecError}. */
export function prepareRun(spec: RunSpec): PreparedRun {
  const model = compileModel(spec.model.architecture);
  checkModel(model, spec.model);
  const w0 = initialParams(model, spec.model);
  const loss = buildLoss(spec, model);
  const made = 'name' in spec.data ? namedData(spec.data, model, loss) : explicitData(spec.data, model, loss);
  const { training } = spec;
  const coupledDecay = training.method === 'adamw' ? 0 : training.weightDecay;
  const batchSeed = 'batches' in training ? training.batches?.seed : undefined;
  const modelSeed = spec.model.seed === undefined ? {} : { model: spec.model.seed };
  return {
    spec,
    model,
    loss,
    w0,
    problem: { model, loss, xTrain: made.xTrain, yTrain: made.yTrain, reduction: spec.loss.reduction, weightDecay: coupledDecay },
    xTest: made.xTest,
    seeds: { ...modelSeed, ...made.seeds, ...(batchSeed === undefined ? {} : { batches: batchSeed }) },
    data: made.data,
  };
}
