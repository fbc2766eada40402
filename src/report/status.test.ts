import { describe, expect, it } from 'vitest';
import type { Claim, Evidence } from '../claims/index.js';
import { buildArgument, evidenceSummary, formatTotals } from './argument.js';
import { claimStatus, type TestOutcome } from './status.js';

const claim = (kind: Claim['kind'], id = 'c'): Claim => ({ id, title: id, statement: '', source: 'test', uses: [], kind, section: 'definitions' });
const rule = { quantity: 'order', expected: 1, competitor: 2, reason: 'test' };
const law = (verdict: 'consistent' | 'inconclusive' | 'contradicted'): Evidence => ({ kind: 'law', rule, verdict, estimate: 1, halfWidth: 0.1, cases: { consistent: 1, inconclusive: 0, contradicted: 0 }, detail: '' });
const outcome = (evidence: Evidence[], state: TestOutcome['state'] = 'passed', id = 'c'): TestOutcome => ({ name: 't', file: 'f', state, durationMs: 0, claims: [id], figures: {}, evidence: { [id]: evidence }, series: [], error: state === 'failed' ? 'boom' : null });
const verified: Evidence = { kind: 'verified', against: 'finite differences', detail: '' };
const construction: Evidence = { kind: 'by-construction', detail: '' };

describe('a claim status says what was shown', () => {
  it('an identity verified against an independent computation is verified, even beside a by-construction check', () => {
    expect(claimStatus(claim('identity'), [outcome([construction]), outcome([verified])])).toBe('verified');
  });
  it('an identity shown only by construction is not verified', () => {
    expect(claimStatus(claim('identity'), [outcome([construction])])).toBe('by-construction');
  });
  it('a law is law-consistent, and a verified part does not hide its verdict', () => {
    expect(claimStatus(claim('law'), [outcome([verified, law('consistent')])])).toBe('law-consistent');
    expect(claimStatus(claim('law'), [outcome([verified]), outcome([law('inconclusive')])])).toBe('inconclusive');
  });
  it('one contradicted measurement makes the claim contradicted, whatever else was shown', () => {
    expect(claimStatus(claim('identity'), [outcome([verified]), outcome([law('contradicted'), law('inconclusive')])])).toBe('contradicted');
  });
  it('a caveat found by search outranks a pinned one', () => {
    const pinned: Evidence = { kind: 'caveat-pinned', cases: 1, detail: '' };
    const found: Evidence = { kind: 'caveat-found', searched: 10, hits: 3, detail: '' };
    expect(claimStatus(claim('caveat'), [outcome([pinned])])).toBe('caveat-pinned');
    expect(claimStatus(claim('caveat'), [outcome([pinned]), outcome([found])])).toBe('caveat-found');
  });
  it('a failed test makes the claim failing, and no test that ran leaves it untested', () => {
    expect(claimStatus(claim('identity'), [outcome([verified]), outcome([], 'failed')])).toBe('failing');
    expect(claimStatus(claim('identity'), [outcome([verified], 'skipped')])).toBe('untested');
    expect(claimStatus(claim('identity'), [])).toBe('untested');
  });
  it('evidence recorded by a failed test does not count', () => {
    expect(claimStatus(claim('identity'), [outcome([verified], 'failed')])).toBe('failing');
  });
});

describe('the argument counts claims by kind of evidence', () => {
  it('totals count each status apart, and the line names every kind', () => {
    const report = buildArgument([outcome([verified], 'passed', 'engine.autodiff'), outcome([construction], 'passed', 'step.swap-sums'), outcome([law('contradicted')], 'passed', 'regime.lazy')], { seed: 1, deep: false, versions: {} });
    expect(report.totals.verified).toBe(1);
    expect(report.totals['by-construction']).toBe(1);
    expect(report.totals.contradicted).toBe(1);
    const line = formatTotals(report);
    expect(line).toMatch(/1 verified against an independent computation/);
    expect(line).toMatch(/1 by construction/);
    expect(line).toMatch(/1 contradicted/);
    const lazy = report.sections.flatMap((s) => s.claims).find((c) => c.id === 'regime.lazy')!;
    expect(lazy.evidence).toHaveLength(1);
    expect(evidenceSummary(lazy)).toMatch(/contradicted: 1\.000 ± 0\.100 \(stated 1, competitor 2/);
  });
});
