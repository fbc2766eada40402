/**
 * The loop of one sweep worker (started by {@link sweep}): import the task's module once, then answer every
 * chunk of jobs with their results in order, or with the index and message of the first job that throws.
 *
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';

const { module, name } = workerData as { module: string; name: string };
const port = parentPort;
if (!port) throw new Error('sweepWorker: not started as a worker thread');

const mod = (await import(module)) as Record<string, unknown>;
const fn = mod[name];

port.on('message', (msg: { start: number; jobs: unknown[] }) => {
  const reply = async (): Promise<void> => {
    const results: unknown[] = [];
    for (let k = 0; k < msg.jobs.length; k++) {
      try {
        if (typeof fn !== 'function') throw new TypeError(`sweep: ${module} has no exported function ${name}`);
        results.push(await (fn as (job: unknown) => unknown)(msg.jobs[k]));
      } catch (e) {
        port.postMessage({ start: msg.start, failed: msg.start + k, error: e instanceof Error ? e.message : String(e) });
        return;
      }
    }
    port.postMessage({ start: msg.start, results });
  };
  void reply();
});
