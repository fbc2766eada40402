/**
 * How a run reports progress: a count of units done out of a total. The command line draws it as a bar on
 * stderr; tests and library callers may pass nothing.
 *
 * @module
 */

/** A progress sink: `start` once, `update` with the units done so far, `stop` once (also after a failure). */
export interface RunProgress {
  /** `unit` says what is counted, for example `steps` or `twentieths of T`. */
  start(total: number, unit: string): void;
  update(done: number): void;
  stop(): void;
}
