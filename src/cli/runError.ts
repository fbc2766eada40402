/**
 * The error of a run that was well specified but failed: training diverged at a step, or the flow's
 * integrator stopped before T. It names where (`step 12`, `flow at t = 3.5`) and what went wrong, in one line,
 * like {@link SpecError} does for bad input.
 *
 * @module
 */

/** A failed run, with the step or time where it failed. */
export class RunError extends Error {
  override readonly name = 'RunError';
  /** Where the run failed, for example `step 12` or `flow at t = 3.5`. */
  readonly where: string;

  constructor(where: string, problem: string) {
    super(`${where}: ${problem}`);
    this.where = where;
  }
}
