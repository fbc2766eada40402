/**
 * A claim's status from the tests that cite it and the evidence each recorded for it.
 *
 * - `failing`: a test citing the claim failed (an identity broke, or the check itself is wrong);
 * - `untested`: no citing test ran;
 * - otherwise by the evidence, first match wins: `contradicted` (a law's interval excludes the stated exponent),
 *   `inconclusive` (a law's interval holds both the stated exponent and its competitor), then the claim's own
 *   kind first (a law or a limit: `law-consistent`; an identity: `verified`; a caveat: `caveat-found`, then
 *   `caveat-pinned`), then any other evidence in the order verified, law-consistent, caveat-found,
 *   caveat-pinned, and last `by-construction` (algebra the code performs itself: shown, not counted as
 *   verified).
 *
 * @module
 */
import type { CaseAccount, Claim, Evidence } from '../claims/index.js';

/** The status of a claim after a run. */
export type ClaimStatus = 'verified' | 'by-construction' | 'law-consistent' | 'inconclusive' | 'contradicted' | 'caveat-found' | 'caveat-pinned' | 'failing' | 'untested';

/** Every status, in the order the totals list them. */
export const CLAIM_STATUSES: readonly ClaimStatus[] = ['verified', 'law-consistent', 'caveat-found', 'caveat-pinned', 'by-construction', 'inconclusive', 'contradicted', 'failing', 'untested'];

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
  /** Evidence recorded per claim. */
  readonly evidence?: Readonly<Record<string, readonly Evidence[]>>;
  /** The test's account of its generated cases (skips, widenings, findings). */
  readonly accounts?: readonly CaseAccount[];
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

/** What a kind of evidence gives as a status. */
function statusOfEvidence(e: Evidence): ClaimStatus {
  if (e.kind === 'law') return e.verdict === 'consistent' ? 'law-consistent' : e.verdict;
  return e.kind;
}

/** The evidence the passed tests recorded for a claim. */
export function evidenceFor(claimId: string, tests: readonly TestOutcome[]): Evidence[] {
  return tests.filter((t) => t.state === 'passed').flatMap((t) => [...(t.evidence?.[claimId] ?? [])]);
}

/** The status of one claim given the outcomes of the tests citing it. */
export function claimStatus(claim: Claim, tests: readonly TestOutcome[]): ClaimStatus {
  const ran = tests.filter((t) => t.state === 'passed' || t.state === 'failed');
  if (ran.length === 0) return 'untested';
  if (ran.some((t) => t.state === 'failed')) return 'failing';
  const found = new Set(evidenceFor(claim.id, tests).map(statusOfEvidence));
  const own: ClaimStatus[] = claim.kind === 'law' || claim.kind === 'limit' ? ['law-consistent'] : claim.kind === 'caveat' ? ['caveat-found', 'caveat-pinned'] : ['verified'];
  const order: ClaimStatus[] = ['contradicted', 'inconclusive', ...own, 'verified', 'law-consistent', 'caveat-found', 'caveat-pinned', 'by-construction'];
  // Tests that ran but recorded nothing for the claim cannot pass (claimTest fails them), so an empty set
  // means the outcomes came from elsewhere: no evidence, no status.
  return order.find((s) => found.has(s)) ?? 'untested';
}
