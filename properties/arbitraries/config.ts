/**
 * How the argument runs: a fixed, printed seed by default; PATHKERNEL_SEED=<n> or PATHKERNEL_SEED=random for
 * another; PATHKERNEL_PATH=<path> (with the failing seed) replays one shrunk counterexample; PATHKERNEL_DEEP=1
 * for more runs and bigger models.
 *
 * @module
 */
import type { Parameters } from 'fast-check';

/** The default seed: the paper's arXiv submission date, 2020-12-01. */
export const DEFAULT_SEED = 20201201;

function readSeed(): number {
  const raw = process.env['PATHKERNEL_SEED'];
  if (raw === undefined || raw === '') return DEFAULT_SEED;
  if (raw === 'random') return Math.floor(Math.random() * 2 ** 31);
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`PATHKERNEL_SEED: expected an integer or "random", got "${raw}"`);
  return n;
}

/** The seed of this run (printed by every property's failure message and by the setup banner). */
export const SEED = readSeed();

/** Whether the deep mode is on (more runs, bigger models). */
export const DEEP = process.env['PATHKERNEL_DEEP'] === '1' || process.env['PATHKERNEL_DEEP'] === 'true';

/** A replay path for one counterexample, if given. */
export const REPLAY_PATH = process.env['PATHKERNEL_PATH'];

/** Sizes of generated cases: small by default so that shrunk counterexamples stay readable. */
export const SIZES = DEEP
  ? { maxDepth: 4, maxWidth: 24, maxInputDim: 6, maxOutputDim: 4, maxPoints: 16 }
  : { maxDepth: 3, maxWidth: 6, maxInputDim: 3, maxOutputDim: 3, maxPoints: 6 };

/** fast-check parameters for a property: the run's seed, its replay path, and a run count (x5 in deep mode). */
export function propertyParameters<T>(numRuns: number, extra: Partial<Parameters<T>> = {}): Parameters<T> {
  const params: Parameters<T> = { seed: SEED, numRuns: DEEP ? numRuns * 5 : numRuns, ...extra };
  if (REPLAY_PATH !== undefined && REPLAY_PATH !== '') params.path = REPLAY_PATH;
  return params;
}

/** The command that replays a failure (shown in failure messages). */
export function replayCommand(file: string, seed = SEED, path?: string): string {
  return `PATHKERNEL_SEED=${seed}${DEEP ? ' PATHKERNEL_DEEP=1' : ''}${path ? ` PATHKERNEL_PATH=${path}` : ''} npx vitest run ${file}`;
}
