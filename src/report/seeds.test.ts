import { describe, expect, it } from 'vitest';
import type { Evidence } from '../claims/index.js';
import { buildArgument } from './argument.js';
import { seedSweepMarkdown, summariseSeeds } from './seeds.js';
import type { TestOutcome } from './status.js';

const rule = { quantity: 'order', expected: 1, competitor: 2, reason: 'test' };
const law = (verdict: 'consistent' | 'contradicted'): Evidence => ({ kind: 'law', rule, verdict, estimate: verdict === 'consistent' ? 1 : 2, halfWidth: 0.1, cases: { consistent: 1, inconclusive: 0, contradicted: 0 }, detail: '' });
const run = (seed: number, verdict: 'consistent' | 'contradicted', failed = false) => {
  const t: TestOutcome = { name: 't', file: 'f', state: failed ? 'failed' : 'passed', durationMs: 0, claims: ['rate.first-order'], figures: {}, evidence: { 'rate.first-order': [law(verdict)] }, series: [], error: failed ? 'boom' : null };
  return buildArgument([t], { seed, deep: false, versions: {} });
};

describe('the seed sweep', () => {
  it('counts passes per claim and names each miss with its seed, status and what the run said', () => {
    const s = summariseSeeds([run(1, 'consistent'), run(2, 'contradicted'), run(3, 'consistent', true)], { date: 'd', commit: 'abc', deep: false, seeds: [1, 2, 3, 4], lost: [{ seed: 4, reason: 'no report' }] });
    const row = s.claims.find((c) => c.id === 'rate.first-order')!;
    expect(row.passes).toBe(1);
    expect(row.runs).toBe(4);
    expect(row.statuses).toEqual({ 'law-consistent': 1, contradicted: 1, failing: 1 });
    expect(row.misses.map((m) => [m.seed, m.status])).toEqual([[2, 'contradicted'], [3, 'failing']]);
    expect(row.misses[0]!.detail).toMatch(/contradicted: 2\.000/);
    expect(row.misses[1]!.detail).toBe('boom');
    const md = seedSweepMarkdown(s);
    expect(md).toMatch(/\| `rate.first-order` \| 1 \/ 4 \|/);
    expect(md).toMatch(/4 \(no report\)/);
  });
});
