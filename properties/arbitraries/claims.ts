/**
 * Tying a test to the claims of the paper it checks: the claim IDs (../shared/reference/paper.md) go into the
 * test's metadata, where the reporter reads them, and into its name. Every test says, for every claim it
 * cites, what its check showed (src/claims/evidence.ts): verified against a named independent computation,
 * by construction, a law's verdict, a caveat found by search or pinned. A test that cites a claim and records
 * nothing for it fails, and so does a test whose case accounts (properties/arbitraries/ledger.ts) skipped or
 * widened more than their share.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { it, type TestContext } from 'vitest';
import type { CaseAccount, Evidence, IndependentReference, LawRule, LawVerdict, VerdictCounts } from '../../src/claims/index.js';
import type { Series } from '../../src/report/status.js';
import { closeLedgers } from './ledger.js';

declare module 'vitest' {
  interface TaskMeta {
    /** The claim IDs a test checks. */
    claims?: string[];
    /** Key figures of the check (worst relative error, fitted slope, counterexample...). */
    figures?: Record<string, number | string>;
    /** Measured curves for the docs' plots. */
    series?: Series[];
    /** Figures that belong to one of the test's claims only (a test checking several laws). */
    claimFigures?: Record<string, Record<string, number | string>>;
    /** What the test showed, per claim. */
    evidence?: Record<string, Evidence[]>;
    /** The test's accounts of its generated cases. */
    accounts?: CaseAccount[];
  }
}

/** Record a measured curve (for example error against eps) with its fitted power law, for the docs' plots. */
export function recordSeries(ctx: TestContext, series: Omit<Series, 'logX' | 'logY'> & { logX?: boolean; logY?: boolean }): void {
  const clean = { logX: true, logY: true, ...series, x: [...series.x], y: [...series.y] };
  ctx.task.meta.series = [...(ctx.task.meta.series ?? []), clean];
}

/** Evidence recorded before the body runs (for checks whose kind is known from their construction). */
export type StaticEvidence = Readonly<Record<string, Evidence | readonly Evidence[]>>;

/** Options of {@link claimTest}. */
export interface ClaimTestOptions {
  readonly timeout?: number;
  /** Evidence that holds whenever the test passes, per claim (a law's verdict is recorded at run time instead). */
  readonly evidence?: StaticEvidence;
}

/**
 * A test that checks the given claims. Evidence for each claim comes from `options.evidence` or from the body
 * ({@link recordEvidence} and its shorthands); when the body returns, every cited claim must have some, and
 * every case account opened by the body is closed (and fails the test when it skipped too much).
 */
export function claimTest(claims: readonly string[], name: string, body: (ctx: TestContext) => void | Promise<void>, options: number | ClaimTestOptions = {}): void {
  const opts: ClaimTestOptions = typeof options === 'number' ? { timeout: options } : options;
  it(
    `${name} [${claims.join(', ')}]`,
    async (ctx) => {
      ctx.task.meta.claims = [...claims];
      for (const [claim, ev] of Object.entries(opts.evidence ?? {})) {
        if (!claims.includes(claim)) throw new Error(`claimTest "${name}": evidence given for ${claim}, which the test does not cite`);
        for (const e of Array.isArray(ev) ? (ev as readonly Evidence[]) : [ev as Evidence]) recordEvidence(ctx, claim, e);
      }
      await body(ctx);
      closeLedgers(ctx);
      checkVerdictsAgainstBaseline(ctx, claims);
      const missing = claims.filter((c) => (ctx.task.meta.evidence?.[c]?.length ?? 0) === 0);
      if (missing.length > 0) {
        throw new Error(`the test cites ${missing.join(', ')} but records no evidence for ${missing.length === 1 ? 'it' : 'them'}: say what stands on the other side of the check (verified against an independent computation, by construction, a law's verdict, a caveat found or pinned)`);
      }
    },
    opts.timeout,
  );
}

/**
 * Mutation testing counts a mutant as detected when it changes what the argument says, not only when a test
 * throws: with PATHKERNEL_VERDICT_BASELINE set to the argument report of the unmutated code (same seed), a
 * test whose law verdicts differ from the baseline's for the same test fails. Unset, verdicts are results and
 * never fail a test.
 */
function checkVerdictsAgainstBaseline(ctx: TestContext, claims: readonly string[]): void {
  const file = process.env['PATHKERNEL_VERDICT_BASELINE'];
  if (file === undefined || file === '') return;
  baseline ??= JSON.parse(readFileSync(file, 'utf8')) as BaselineReport;
  for (const claim of claims) {
    const now = (ctx.task.meta.evidence?.[claim] ?? []).flatMap((e) => (e.kind === 'law' ? [e.verdict] : []));
    const report = baseline.sections.flatMap((s) => s.claims).find((c) => c.id === claim);
    const before = (report?.evidence ?? []).filter((e) => e.test === ctx.task.name).flatMap((e) => (e.kind === 'law' ? [e.verdict] : []));
    if (now.join(',') !== before.join(',')) throw new Error(`${claim}: law verdicts [${now.join(', ')}] differ from the baseline's [${before.join(', ')}] (${file})`);
  }
}

type BaselineReport = { sections: { claims: { id: string; evidence?: (Evidence & { test: string })[] }[] }[] };
let baseline: BaselineReport | undefined;

/** Record what a check showed about one of the test's claims. */
export function recordEvidence(ctx: TestContext, claim: string, evidence: Evidence): void {
  const cited = ctx.task.meta.claims ?? [];
  if (!cited.includes(claim)) throw new Error(`evidence recorded for ${claim}, which the test does not cite (it cites ${cited.join(', ')})`);
  const all = ctx.task.meta.evidence ?? {};
  ctx.task.meta.evidence = { ...all, [claim]: [...(all[claim] ?? []), evidence] };
}

/** Evidence: agreement with a named independent computation. */
export function verifiedAgainst(against: IndependentReference, detail: string): Evidence {
  return { kind: 'verified', against, detail };
}

/** Evidence: the check repeats algebra the code itself performs (shown, not counted as verified). */
export function byConstruction(detail: string): Evidence {
  return { kind: 'by-construction', detail };
}

/** Evidence: a law's measurement against its rule. */
export function lawEvidence(rule: LawRule, verdict: LawVerdict, estimate: number, halfWidth: number, cases: VerdictCounts, detail: string): Evidence {
  return { kind: 'law', rule, verdict, estimate, halfWidth, cases, detail };
}

/** Evidence: a caveat found by a search over generated cases. */
export function caveatFound(searched: number, hits: number, detail: string): Evidence {
  return { kind: 'caveat-found', searched, hits, detail };
}

/** Evidence: a caveat shown on hand-pinned examples. */
export function caveatPinned(cases: number, detail: string): Evidence {
  return { kind: 'caveat-pinned', cases, detail };
}

/** Record a key figure of a check in the test's metadata (the worst error over the run, a slope, ...). */
export function recordFigure(ctx: TestContext, key: string, value: number | string, claim?: string): void {
  if (claim !== undefined) {
    const all = ctx.task.meta.claimFigures ?? {};
    ctx.task.meta.claimFigures = { ...all, [claim]: { ...(all[claim] ?? {}), [key]: value } };
  } else ctx.task.meta.figures = { ...(ctx.task.meta.figures ?? {}), [key]: value };
  if (process.env['PATHKERNEL_FIGURES'] === '1') console.log(`figure | ${ctx.task.name} | ${key} | ${typeof value === 'number' ? value.toExponential(4) : value}`);
}
