import { threadId } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { sweep, sweepTask } from './sweep.js';
import { answerChunk, loadTask } from './sweepChunk.js';

// vi.mock is hoisted: the real readFileSync unless a test swaps in another manifest for one call.
vi.mock('node:fs', async (original) => {
  const fs = await original<typeof import('node:fs')>();
  return { ...fs, readFileSync: vi.fn(fs.readFileSync) };
});
const fs = await import('node:fs');

// Job modules as data: URLs, so that the calling thread and the workers import the very same code without
// a fixture file: `where` answers the thread it ran on, `square` is a pure job, `quit` ends its thread.
const jobs = (source: string) => `data:text/javascript,${encodeURIComponent(source)}`;
const WHERE = jobs('import { threadId } from "node:worker_threads"; export const where = () => threadId;');
const SQUARE = jobs('export const square = (x) => x * x;');
const QUIT = jobs('export const quit = (code) => process.exit(code);');

/** A worker starts a thread and registers tsx's loader (about a second on a busy machine): a bound on a sweep of two. */
const WORKER_SWEEP_MS = 20_000;

describe('sweep', () => {
  it('one worker (or one job) runs the jobs in the calling thread, in order', async () => {
    expect(await sweep(sweepTask<number, number>(WHERE, 'where'), [1, 2, 3], { workers: 1 })).toEqual([threadId, threadId, threadId]);
    expect(await sweep(sweepTask<number, number>(WHERE, 'where'), [1], { workers: 4 })).toEqual([threadId]);
    expect(await sweep(sweepTask<number, number>(SQUARE, 'square'), [], { workers: 4 })).toEqual([]);
  });

  it('two workers run the jobs on other threads and return x^2 in job order', { timeout: WORKER_SWEEP_MS }, async () => {
    const xs = Array.from({ length: 20 }, (_, i) => i - 7);
    expect(await sweep(sweepTask<number, number>(SQUARE, 'square'), xs, { workers: 2 })).toEqual(xs.map((x) => x * x));
    const threads = await sweep(sweepTask<number, number>(WHERE, 'where'), [1, 2], { workers: 2 });
    threads.forEach((t) => expect(t).not.toBe(threadId));
  });

  it('a name the module does not export fails the sweep with that name, on workers and in the calling thread', { timeout: WORKER_SWEEP_MS }, async () => {
    await expect(sweep(sweepTask<number, number>(SQUARE, 'cube'), [1, 2], { workers: 2 })).rejects.toThrow(/has no exported function cube/);
    await expect(sweep(sweepTask<number, number>(SQUARE, 'cube'), [1, 2], { workers: 1 })).rejects.toThrow(/has no exported function cube/);
  });

  it('a worker that exits with a nonzero code before the end rejects the sweep', { timeout: WORKER_SWEEP_MS }, async () => {
    await expect(sweep(sweepTask<number, never>(QUIT, 'quit'), [3, 3], { workers: 2 })).rejects.toThrow(/a worker exited with code 3 before the sweep ended/);
  });

  it('a tsx manifest without an ESM build of tsx/esm/api is reported as such', async () => {
    vi.mocked(fs.readFileSync).mockReturnValueOnce(JSON.stringify({ exports: { './esm/api': { require: { default: './dist/esm/api/index.cjs' } } } }));
    await expect(sweep(sweepTask<number, number>(SQUARE, 'square'), [1, 2], { workers: 2 })).rejects.toThrow(/exports no ESM build of tsx\/esm\/api/);
  });
});

describe('one chunk of a sweep (the work of the calling thread and of each worker)', () => {
  it('answers the jobs in order from the chunk start, or the index and message of the first that throws', async () => {
    const calls: number[] = [];
    const fn = (x: unknown) => {
      calls.push(x as number);
      if ((x as number) < 0) throw new RangeError(`negative ${x as number}`);
      return (x as number) * 10;
    };
    expect(await answerChunk(fn, 4, [1, 2, 3])).toEqual({ start: 4, results: [10, 20, 30] });
    calls.length = 0;
    expect(await answerChunk(fn, 4, [1, -2, 3])).toEqual({ start: 4, failed: 5, error: 'negative -2' });
    // The jobs after the failing one are not run.
    expect(calls).toEqual([1, -2]);
    expect(await answerChunk(() => Promise.reject('plain'), 0, [0])).toEqual({ start: 0, failed: 0, error: 'plain' });
    expect(await answerChunk(fn, 0, [])).toEqual({ start: 0, results: [] });
  });

  it('loads the named export, and refuses a name that is not an exported function', async () => {
    expect(await (await loadTask(SQUARE, 'square'))(7)).toBe(49);
    await expect(loadTask(jobs('export const notAFunction = 3;'), 'notAFunction')).rejects.toThrow(/has no exported function notAFunction/);
  });

  it('a throwing job fails the sweep with its index and message, on workers and in the calling thread', { timeout: WORKER_SWEEP_MS }, async () => {
    const THROWS = jobs('export const odd = (x) => { if (x % 2) throw new Error("odd " + x); return x; };');
    await expect(sweep(sweepTask<number, number>(THROWS, 'odd'), [0, 2, 3], { workers: 1 })).rejects.toThrow('sweep: job 2 failed: odd 3');
    await expect(sweep(sweepTask<number, number>(THROWS, 'odd'), [0, 2, 4, 5], { workers: 2 })).rejects.toThrow('sweep: job 3 failed: odd 5');
  });
});
