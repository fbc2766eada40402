/**
 * The vocabulary of evidence: what a check showed about a claim. A passing test is not evidence by itself;
 * each test says, per claim it cites, what stands on the other side of its comparison:
 *
 * - `verified`: agreement with an independent computation, named (finite differences, mathjs, a closed form,
 *   PyTorch, scipy, TensorFlow.js, or a second implementation that shares no code path with the first);
 * - `by-construction`: the check repeats algebra the code itself performs (the same terms summed in two orders,
 *   a function compared with the helper it calls); shown, never counted as verified;
 * - `law`: a measured exponent with its interval, decided by a rule fixed from theory before measuring (the
 *   expected exponent inside the interval and a named competitor outside: consistent; both inside:
 *   inconclusive; the expected outside: contradicted);
 * - `caveat-found`: a search over generated cases found the caveat, with the search's size and hit rate;
 * - `caveat-pinned`: a hand-pinned example shows the caveat (a regression example, not a search).
 *
 * Data only: the registry, the reporter and the laws all speak this vocabulary.
 *
 * @module
 */

/** The independent computations a `verified` check may stand on. */
export const INDEPENDENT_REFERENCES = ['finite differences', 'mathjs', 'closed form', 'PyTorch', 'scipy', 'TensorFlow.js', 'second implementation'] as const;

/** One of {@link INDEPENDENT_REFERENCES}. */
export type IndependentReference = (typeof INDEPENDENT_REFERENCES)[number];

/** How a law's measurement came out against its rule. */
export type LawVerdict = 'consistent' | 'inconclusive' | 'contradicted';

/**
 * A law's decision rule, fixed from theory before measuring: the exponent the claim states and the named
 * exponent it must be told apart from, with the reason for both.
 */
export interface LawRule {
  /** What is measured, for example "order of |w_GD(T) - w(T)| in eps". */
  readonly quantity: string;
  /** The exponent the claim states. */
  readonly expected: number;
  /** The competing exponent that the interval must exclude. */
  readonly competitor: number;
  /** Why these two (the theory behind the expected value and what the competitor would mean). */
  readonly reason: string;
}

/** Per-case verdict counts of a law measured over generated cases. */
export interface VerdictCounts {
  readonly consistent: number;
  readonly inconclusive: number;
  readonly contradicted: number;
}

/** What one check showed about one claim. */
export type Evidence =
  | { readonly kind: 'verified'; readonly against: IndependentReference; readonly detail: string }
  | { readonly kind: 'by-construction'; readonly detail: string }
  | {
      readonly kind: 'law';
      readonly rule: LawRule;
      readonly verdict: LawVerdict;
      /** The exponent measured (for several cases: the one that decided, or their median). */
      readonly estimate: number;
      /** Half-width of its interval. */
      readonly halfWidth: number;
      /** Per-case verdicts when the law was measured on several generated cases. */
      readonly cases: VerdictCounts;
      readonly detail: string;
    }
  | { readonly kind: 'caveat-found'; readonly searched: number; readonly hits: number; readonly detail: string }
  | { readonly kind: 'caveat-pinned'; readonly cases: number; readonly detail: string };

/** The kinds of evidence, as tags. */
export type EvidenceTag = Evidence['kind'];

/**
 * A property's account of its generated cases: how many were drawn, how many were left out or checked with
 * a widened tolerance (by reason), and findings that are neither (for example diverged runs per optimiser).
 */
export interface CaseAccount {
  /** Which check of the test this counts (a test may run several properties). */
  readonly label: string;
  readonly drawn: number;
  readonly skipped: Readonly<Record<string, number>>;
  readonly widened: Readonly<Record<string, number>>;
  readonly findings: Readonly<Record<string, number>>;
  /** The largest share of drawn cases that may be skipped or widened before the property fails. */
  readonly maxShare: number;
}
