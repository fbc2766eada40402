/**
 * The work a sweep does with one chunk of jobs, written once for both places that run it: the calling thread
 * (`workers: 1`) and each worker thread (sweepWorker.ts, which only wires this to its message port).
 *
 * @module
 */

/** A job's function: export `name` of a sweep task's module. */
export type JobFunction = (job: unknown) => unknown;

/** The answer to a chunk of jobs that starts at job `start`: every result in order, or the first failure. */
export type ChunkReply = { readonly start: number; readonly results: unknown[] } | { readonly start: number; readonly failed: number; readonly error: string };

/** Import `module` and return its export `name`, which must be a function. */
export async function loadTask(module: string, name: string): Promise<JobFunction> {
  const mod = (await import(module)) as Record<string, unknown>;
  const fn = mod[name];
  if (typeof fn !== 'function') throw new TypeError(`sweep: ${module} has no exported function ${name}`);
  return fn as JobFunction;
}

/** Run the jobs of one chunk in order; stop at the first that throws, with its index and message. */
export async function answerChunk(fn: JobFunction, start: number, jobs: readonly unknown[]): Promise<ChunkReply> {
  const results: unknown[] = [];
  for (let k = 0; k < jobs.length; k++) {
    try {
      results.push(await fn(jobs[k]));
    } catch (e) {
      return { start, failed: start + k, error: e instanceof Error ? e.message : String(e) };
    }
  }
  return { start, results };
}
