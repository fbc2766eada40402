/**
 * A claim's status from the tests that cite it: failing if any failed; untested if none ran; otherwise by
 * its kind of evidence: an identity or a limit is verified, a law is measured, a caveat is shown.
 *
 * @module
 */
import type { Claim } from '../claims/index.js';

/** The status of a claim after a run. */
export type ClaimStatus = 'verified' | 'measured' | 'caveat-shown' | 'failing' | 'untested';

/** One test's outcome as the reporter sees it. */
export interface TestOutcome {
  readonly name: string;
  readonly file: string;
  readonly state: 'passed' | 'failed' | 'skipped' | 'pending';
  readonly durationMs: number;
  readonly claims: readonly string[];
  readonly figures: Readonly<Record<string, number | string>>;
  /** Figures recorded for one claim only. */
  readonly claimFigures?: Readonly<Record<string, Readonly<Record<string, number | string>>>>;
  readonly series: readonly Series[];
  /** The first line of the first error, for a failed test. */
  readonly error: string | null;
}

/** A measured curve for a plot: y against x, optionally with a fitted power law y = exp(intercept) x^slope. */
export interface Series {
  readonly name: string;
  /** The claim the curve belongs to when its test checks several (shown on that claim's page only). */
  readonly claim?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
  readonly logX: boolean;
  readonly logY: boolean;
  readonly fit?: { readonly slope: number; readonly intercept: number; readonly halfWidth95?: number };
}

/** The status of one claim given the outcomes of the tests citing it. */
export function claimStatus(claim: Claim, tests: readonly TestOutcome[]): ClaimStatus {
  const ran = tests.filter((t) => t.state === 'passed' || t.state === 'failed');
  if (ran.length === 0) return 'untested';
  if (ran.some((t) => t.state === 'failed')) return 'failing';
  if (claim.kind === 'law') return 'measured';
  if (claim.kind === 'caveat') return 'caveat-shown';
  return 'verified';
}
