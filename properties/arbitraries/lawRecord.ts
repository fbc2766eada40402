/**
 * Recording a law measured over generated cases: each case's order by refinement is decided against the
 * law's rule (decideLaw), the per-case verdicts are aggregated (summarizeLaw: any contradicted case
 * contradicts, more than 5% inconclusive leaves it inconclusive), and the test records one law evidence
 * for the claim with the figures the docs show (median and range of the estimates, verdict counts, levels
 * used, largest d) and one representative series with its fit.
 *
 * @module
 */
import type { TestContext } from 'vitest';
import type { LawRule } from '../../src/claims/index.js';
import { decideLaw, summarizeLaw, type LawCase, type LawSummary, type OrderEstimate } from '../../src/laws/index.js';
import { lawEvidence, recordEvidence, recordFigure, recordSeries } from './claims.js';

/** One case's measurement of a law. */
export interface MeasuredCase extends LawCase {
  readonly refinement: OrderEstimate;
  /** Parameters of the case's model. */
  readonly d: number;
}

/** Decide one case's refinement against the rule. */
export function measuredCase(rule: LawRule, label: string, d: number, refinement: OrderEstimate): MeasuredCase {
  return { label, d, refinement, estimate: refinement.estimate, halfWidth: refinement.halfWidth, verdict: decideLaw(rule, refinement.estimate, refinement.halfWidth) };
}

/** How a recorded law is shown. */
export interface LawDisplay {
  /** A short name of the measurement, for figure keys ("order of |w_GD - w(T)|"). */
  readonly what: string;
  readonly xLabel: string;
  readonly yLabel: string;
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : String(v));

/** A case's refinement in one line: its estimate, interval, stop and local slopes. */
export function describeRefinement(c: MeasuredCase): string {
  const r = c.refinement;
  return `${c.label}: ${fmt(c.estimate)} +- ${fmt(c.halfWidth)} (${r.stop} after ${r.xs.length} levels, x ${r.xs[0]?.toExponential(2)}..${r.xs[r.xs.length - 1]?.toExponential(2)}; local slopes ${r.localSlopes.map(fmt).join(', ')})`;
}

/**
 * Aggregate the cases of one law and record it for `claim`: one law evidence (the median of the per-case
 * estimates and half-widths, or the deciding case of a contradicted law), its figures, and the series of the
 * consistent case nearest the median estimate.
 */
export function recordLaw(ctx: TestContext, claim: string, rule: LawRule, cases: readonly MeasuredCase[], display: LawDisplay, note = ''): LawSummary {
  const summary = summarizeLaw(rule, cases);
  const maxD = cases.reduce((m, c) => Math.max(m, c.d), 0);
  const levels = cases.map((c) => c.refinement.xs.length);
  const odd = cases.filter((c) => c.verdict !== 'consistent');
  const basis = summary.basis === 'median' ? `median over ${cases.length} cases` : `deciding case ${summary.deciding!.label}`;
  const detail = [
    `${display.what}: ${fmt(summary.estimate)} +- ${fmt(summary.halfWidth)} (${basis}; estimates ${fmt(summary.range[0])}..${fmt(summary.range[1])})`,
    `${summary.counts.consistent} consistent, ${summary.counts.inconclusive} inconclusive, ${summary.counts.contradicted} contradicted of ${cases.length} generated cases (largest d ${maxD}, ${Math.min(...levels)}..${Math.max(...levels)} levels)`,
    ...(note ? [note] : []),
    ...odd.map((c) => `${c.verdict}: ${describeRefinement(c)}`),
  ].join('; ');
  recordEvidence(ctx, claim, lawEvidence(rule, summary.verdict, summary.estimate, summary.halfWidth, summary.counts, detail));
  recordFigure(ctx, `${display.what}: verdict`, summary.verdict, claim);
  recordFigure(ctx, `${display.what}: median estimate`, summary.estimate, claim);
  recordFigure(ctx, `${display.what}: range of estimates`, `${fmt(summary.range[0])} .. ${fmt(summary.range[1])}`, claim);
  recordFigure(ctx, `${display.what}: median half-width`, summary.halfWidth, claim);
  recordFigure(ctx, `${display.what}: cases consistent / inconclusive / contradicted`, `${summary.counts.consistent} / ${summary.counts.inconclusive} / ${summary.counts.contradicted}`, claim);
  recordFigure(ctx, `${display.what}: levels used (min .. max)`, `${Math.min(...levels)} .. ${Math.max(...levels)}`, claim);
  recordFigure(ctx, `${display.what}: largest d`, maxD, claim);
  const consistent = cases.filter((c) => c.verdict === 'consistent');
  const pool = consistent.length > 0 ? consistent : cases;
  if (pool.length > 0 && Number.isFinite(summary.estimate)) {
    const rep = pool.reduce((a, b) => (Math.abs(b.estimate - summary.estimate) < Math.abs(a.estimate - summary.estimate) ? b : a));
    const r = rep.refinement;
    const n = r.xs.length - 1;
    // The fitted line: the case's estimated order through its last point.
    const fit = { slope: r.estimate, intercept: Math.log(r.errors[n]!) - r.estimate * Math.log(r.xs[n]!), halfWidth95: r.halfWidth };
    recordSeries(ctx, { name: `${claim}: ${rep.label}`, claim, xLabel: display.xLabel, yLabel: display.yLabel, x: r.xs, y: r.errors, fit });
  }
  return summary;
}
