/**
 * Loading TensorFlow.js with the best backend this machine has, and saying which one ran and why.
 *
 * Order: `tensorflow` (the native libtensorflow binding of @tensorflow/tfjs-node, an optional dependency that
 * cannot install where its download host is unreachable), then `wasm` (@tensorflow/tfjs-backend-wasm, whose
 * .wasm binaries ship inside the package and are loaded from there, so that it works offline), then `cpu`
 * (TensorFlow.js's pure JavaScript kernels). Every backend computes in float32: TensorFlow.js has no float64.
 *
 * The environment variable PATHKERNEL_TFJS_BACKEND (`tensorflow`, `wasm` or `cpu`) starts the search at that
 * backend, for example to run the argument on the cpu backend on a machine that has the others.
 *
 * @module
 * @claim xfw.tfjs
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TfNamespace from '@tensorflow/tfjs';

/** The TensorFlow.js namespace (`import * as tf from '@tensorflow/tfjs'`). */
export type Tf = typeof TfNamespace;

/** The backends tried, best first. */
export const TFJS_BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
/** A TensorFlow.js backend the loader can choose. */
export type TfjsBackendName = (typeof TFJS_BACKENDS)[number];

/** TensorFlow.js ready to use, with the backend that runs and the reason it was chosen. */
export interface TfjsRuntime {
  readonly tf: Tf;
  /** The active backend: `tensorflow`, `wasm` or `cpu`. */
  readonly backend: TfjsBackendName;
  /** Why this backend: what was tried before it and why that failed. */
  readonly reason: string;
  /** TensorFlow.js's version (tfjs-core). */
  readonly version: string;
  /** One line for reports, for example `wasm (TensorFlow.js 4.22.0): @tensorflow/tfjs-node is not installed; ...`. */
  readonly description: string;
}

/** Options of {@link loadTfjs}. */
export interface LoadTfjsOptions {
  /**
   * The first backend to try (default: PATHKERNEL_TFJS_BACKEND when set, else `tensorflow`); the later ones
   * remain fallbacks.
   */
  readonly start?: TfjsBackendName;
}

const require = createRequire(import.meta.url);

function message(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0]!.slice(0, 160);
}

function startFromEnvironment(): TfjsBackendName {
  const raw = process.env['PATHKERNEL_TFJS_BACKEND'];
  if (raw === undefined || raw === '') return 'tensorflow';
  if (!(TFJS_BACKENDS as readonly string[]).includes(raw)) {
    throw new RangeError(`PATHKERNEL_TFJS_BACKEND: expected one of ${TFJS_BACKENDS.join(', ')}, got "${raw}"`);
  }
  return raw as TfjsBackendName;
}

// The package name sits in a variable so that the type checker does not require the optional package.
async function importOptional(name: string): Promise<unknown> {
  return import(name);
}

async function tryTensorflow(tf: Tf): Promise<string | null> {
  try {
    // Importing tfjs-node registers the `tensorflow` backend in the shared tfjs-core engine.
    await importOptional('@tensorflow/tfjs-node');
  } catch (e) {
    // The usual case where libtensorflow's download host is unreachable: npm skipped the optional package.
    if ((e as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') return '@tensorflow/tfjs-node is not installed (an optional dependency whose install downloads libtensorflow)';
    return `@tensorflow/tfjs-node did not load (${message(e)})`;
  }
  if (tf.findBackendFactory('tensorflow') === null) return '@tensorflow/tfjs-node loaded but registered no tensorflow backend (a second copy of tfjs-core?)';
  try {
    return (await tf.setBackend('tensorflow')) ? null : 'the tensorflow backend failed to initialise';
  } catch (e) {
    return `the tensorflow backend failed to initialise (${message(e)})`;
  }
}

async function tryWasm(tf: Tf): Promise<string | null> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // The package's own binaries (tfjs-backend-wasm.wasm and its SIMD and threaded variants) sit in dist/.
    const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
    wasm.setWasmPaths(dist);
    return (await tf.setBackend('wasm')) ? null : `the wasm backend failed to initialise from ${dist}`;
  } catch (e) {
    return `the wasm backend failed to initialise (${message(e)})`;
  }
}

async function tryCpu(tf: Tf): Promise<string | null> {
  try {
    return (await tf.setBackend('cpu')) ? null : 'the cpu backend failed to initialise';
  } catch (e) {
    return `the cpu backend failed to initialise (${message(e)})`;
  }
}

const ATTEMPTS: Readonly<Record<TfjsBackendName, (tf: Tf) => Promise<string | null>>> = { tensorflow: tryTensorflow, wasm: tryWasm, cpu: tryCpu };

/**
 * Load TensorFlow.js and activate the first backend that works, in the order tensorflow, wasm, cpu (from
 * `start` on). Throws only when no backend initialises; the result names the backend and the reason.
 */
export async function loadTfjs(options: LoadTfjsOptions = {}): Promise<TfjsRuntime> {
  const tf: Tf = await import('@tensorflow/tfjs');
  const start = options.start ?? startFromEnvironment();
  const order = TFJS_BACKENDS.slice(TFJS_BACKENDS.indexOf(start));
  const skipped = TFJS_BACKENDS.slice(0, TFJS_BACKENDS.indexOf(start)).map((b) => `${b} skipped (search started at ${start})`);
  const failures: string[] = [...skipped];
  for (const backend of order) {
    const failure = await ATTEMPTS[backend](tf);
    if (failure === null) {
      await tf.ready();
      const reason = failures.length === 0 ? 'the preferred backend' : failures.join('; ');
      const version = tf.version_core;
      return { tf, backend, reason, version, description: `${backend} (TensorFlow.js ${version}): ${reason}` };
    }
    failures.push(failure);
  }
  throw new Error(`TensorFlow.js: no backend initialised: ${failures.join('; ')}`);
}
