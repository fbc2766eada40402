/**
 * Sweeps on worker threads: a list of independent jobs (one per eps, batch size, width or seed) run across
 * the cores, with the results returned in job order.
 *
 * A job is data (anything the structured clone algorithm copies: numbers, strings, plain objects, typed
 * arrays) and the work is a named export of a module, so that every worker imports the same code and runs
 * it on the same data. Each job is a pure function of its data (its seeds are in the data), so which worker
 * runs it, and when, cannot change a bit of its result: a sweep on n workers equals the single-thread run
 * (`workers: 1`, which runs the jobs one after another in the calling thread) bit for bit.
 *
 * The workers load TypeScript through tsx's loader, registered inside each worker (a worker started from a
 * vitest or tsx process does not inherit its parent's loader, and `execArgv: ['--import', 'tsx']` is not
 * honoured by Node 20's workers).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { answerChunk, type ChunkReply, loadTask } from './sweepChunk.js';

/** The work of a sweep: export `name` of `module`, a function from one job to its result (or a promise). */
export interface SweepTask<J, R> {
  /** The module's URL (for example `new URL('./jobs.ts', import.meta.url)`). */
  readonly module: string;
  /** The exported function's name. */
  readonly name: string;
  /** Phantom fields tying the job and result types to the task (never set). */
  readonly jobType?: J;
  readonly resultType?: R;
}

/** Name the function that a sweep runs: export `name` of the module at `module`. */
export function sweepTask<J, R>(module: string | URL, name: string): SweepTask<J, R> {
  return { module: module.toString(), name };
}

/** Options of {@link sweep}. */
export interface SweepOptions {
  /**
   * Worker threads (default `os.availableParallelism()`, at most one per job). 1 runs the jobs in the calling
   * thread, one after another: the single-thread reference run.
   */
  readonly workers?: number;
}

// Each worker registers tsx's loader through tsx's API, then runs the worker loop of sweepWorker.ts. The
// bootstrap is a script, not a module, so that the loader is in place before the first TypeScript import.
// (Importing tsx/esm registers the loader only on the main thread.)
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
import(workerData.tsxApi).then((api) => { api.register(); return import(workerData.entry); });
`;

// The ESM build of tsx's API (the `import` condition of its "./esm/api" export), as a file URL: require.resolve
// would pick the CommonJS build, whose register() does not find its ESM loader from a worker.
function tsxApiUrl(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import?: { default?: string } }> };
  const target = pkg.exports['./esm/api']?.import?.default;
  if (!target) throw new Error(`sweep: ${manifest} exports no ESM build of tsx/esm/api`);
  return pathToFileURL(join(dirname(manifest), target)).href;
}

/**
 * Run `task` on every job across worker threads; the results come back in job order. A job that throws
 * rejects the sweep with its index and message.
 */
export async function sweep<J, R>(task: SweepTask<J, R>, jobs: readonly J[], options: SweepOptions = {}): Promise<R[]> {
  const requested = options.workers ?? availableParallelism();
  if (!Number.isInteger(requested) || requested < 1) throw new RangeError(`sweep: workers ${requested} is not a positive integer`);
  const count = Math.min(requested, jobs.length);
  if (count <= 1) {
    const reply = await answerChunk(await loadTask(task.module, task.name), 0, jobs);
    if ('error' in reply) throw jobFailed(reply);
    return reply.results as R[];
  }
  const tsxApi = tsxApiUrl();
  const entry = new URL('./sweepWorker.ts', import.meta.url).href;
  const results = new Array<R>(jobs.length);
  // Jobs travel in chunks (about eight per worker), so that a worker waits for the main thread once per
  // chunk rather than once per job: on a busy machine each round trip costs a scheduling delay.
  const chunk = Math.max(1, Math.ceil(jobs.length / (count * 8)));
  const workers: Worker[] = [];
  let next = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let done = 0;
      const feed = (worker: Worker): void => {
        if (next >= jobs.length) return;
        const start = next;
        next = Math.min(jobs.length, next + chunk);
        worker.postMessage({ start, jobs: jobs.slice(start, next) });
      };
      for (let w = 0; w < count; w++) {
        const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { tsxApi, entry, module: task.module, name: task.name } });
        workers.push(worker);
        worker.on('message', (msg: ChunkReply) => {
          if ('error' in msg) {
            reject(jobFailed(msg));
            return;
          }
          msg.results.forEach((r, k) => {
            results[msg.start + k] = r as R;
          });
          done += msg.results.length;
          if (done === jobs.length) resolve();
          else feed(worker);
        });
        worker.on('error', (e) => reject(new Error(`sweep: a worker failed: ${e.message}`)));
        worker.on('exit', (code) => {
          if (done < jobs.length && code !== 0) reject(new Error(`sweep: a worker exited with code ${code} before the sweep ended`));
        });
        feed(worker);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

function jobFailed(reply: { failed: number; error: string }): Error {
  return new Error(`sweep: job ${reply.failed} failed: ${reply.error}`);
}
