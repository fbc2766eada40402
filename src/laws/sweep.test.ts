import { threadId } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { sweep, sweepTask } from './sweep.js';

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
