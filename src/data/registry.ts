/**
 * The data sets by name, for specs and the command line.
 *
 * @module
 */
import type { Rng } from '../core/rng.js';
import { SpecError } from '../core/specError.js';
import { blobs, type BlobsOptions } from './blobs.js';
import type { Dataset } from './dataset.js';
import { iris, type IrisOptions } from './iris.js';
import { moons, type MoonsOptions } from './moons.js';
import { multiclass, type MulticlassOptions } from './multiclass.js';
import { sine1d, type Sine1dOptions } from './sine1d.js';
import { teacher, type TeacherOptions } from './teacher.js';

/** Each generator's options, by name. */
export interface DatasetOptionsByName {
  teacher: TeacherOptions;
  sine1d: Sine1dOptions;
  blobs: BlobsOptions;
  moons: MoonsOptions;
  multiclass: MulticlassOptions;
  iris: IrisOptions;
}

/** The name of a registered data set. */
export type DatasetName = keyof DatasetOptionsByName;

/** Every generator by name; Iris is fixed data and ignores the generator. */
export const DATASETS: { readonly [N in DatasetName]: (options: DatasetOptionsByName[N], rng: Rng) => Dataset } = {
  teacher,
  sine1d,
  blobs,
  moons,
  multiclass,
  iris: (options) => iris(options),
};

/** The registered names, in registry order. */
export const DATASET_NAMES = Object.keys(DATASETS) as readonly DatasetName[];

function isDatasetName(name: string): name is DatasetName {
  return Object.hasOwn(DATASETS, name);
}

/**
 * The data set `name` made with `options` from the data stream `rng` (`rng(seed).stream('data')`). Throws
 * {@link SpecError} for an unknown name, listing the known ones, and for a bad or unknown option.
 */
export function datasetByName<N extends DatasetName>(name: N, options: DatasetOptionsByName[N], rng: Rng): Dataset;
export function datasetByName(name: string, options: object, rng: Rng): Dataset;
export function datasetByName(name: string, options: object, rng: Rng): Dataset {
  if (!isDatasetName(name)) {
    throw new SpecError('data.name', `unknown data set "${name}"; known data sets: ${DATASET_NAMES.join(', ')}`);
  }
  if (typeof options !== 'object' || options === null) {
    throw new SpecError('data.options', `expected an object of options, got ${String(options)}`);
  }
  const generate = DATASETS[name] as (options: object, rng: Rng) => Dataset;
  return generate(options, rng);
}
