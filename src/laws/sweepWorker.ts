/**
 * The loop of one sweep worker (started by {@link sweep}): import the task's module once, then answer every
 * chunk of jobs through {@link answerChunk}, in the order the chunks arrive.
 *
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { answerChunk, loadTask } from './sweepChunk.js';

const { module, name } = workerData as { module: string; name: string };
const port = parentPort;
if (!port) throw new Error('sweepWorker: not started as a worker thread');

// A module without the export fails here, which the sweep reports as this worker's error.
const fn = await loadTask(module, name);
port.on('message', (msg: { start: number; jobs: unknown[] }) => {
  void answerChunk(fn, msg.start, msg.jobs).then((reply) => port.postMessage(reply));
});
