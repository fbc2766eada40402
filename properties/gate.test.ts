/**
 * The gate of the argument: every registered claim of the paper has a test (or is pending on a named open
 * issue), and every claim a test cites is registered. The second block shows the gate failing on a registry
 * with an untested claim and on a citation of an unregistered claim, so that a green gate means something.
 */
import { describe, expect, it } from 'vitest';
import { CLAIMS, checkGate, type Claim } from '../src/claims/index.js';
import { citationMap, citationsIn, scanCitations } from '../src/report/citations.js';

const citations = scanCitations('properties');

describe('the gate', () => {
  it('every registered claim has a test or names the open issue that will test it, and every cited claim is registered', () => {
    const problems = checkGate(CLAIMS, citationMap(citations));
    expect(problems.map((p) => p.message)).toEqual([]);
  });

  it('pending claims are not silently tested elsewhere (a tested claim should drop its pending mark)', () => {
    const map = citationMap(citations);
    const stale = CLAIMS.filter((c) => c.pending !== undefined && (map.get(c.id)?.length ?? 0) > 0).map((c) => c.id);
    expect(stale).toEqual([]);
  });
});

describe('the gate can fail', () => {
  const claim = (id: string, uses: string[] = []): Claim => ({ id, title: id, statement: '', source: 'test', uses, kind: 'identity', section: 'definitions' });

  it('fails on a registered claim that no test checks', () => {
    const problems = checkGate([claim('a'), claim('b')], new Map([['a', ['t1']]]));
    expect(problems).toEqual([expect.objectContaining({ kind: 'untested', id: 'b' })]);
  });

  it('fails on a test citing an unregistered claim', () => {
    // Written in two pieces so that the gate's own scan of this file does not see it as a citation.
    const found = citationsIn('x.ts', 'claim' + "Test(['a', 'ghost'], 'a sentence', () => {})");
    expect(found).toEqual([{ file: 'x.ts', test: 'a sentence', claims: ['a', 'ghost'] }]);
    const problems = checkGate([claim('a')], citationMap(found));
    expect(problems).toEqual([expect.objectContaining({ kind: 'unregistered', id: 'ghost' })]);
  });

  it('fails on an unknown dependency and on a cycle', () => {
    const problems = checkGate([claim('a', ['b']), claim('b', ['a']), claim('c', ['zzz'])], new Map([['a', ['t']], ['b', ['t']], ['c', ['t']]]));
    expect(problems.map((p) => p.kind).sort()).toEqual(['cycle', 'unknown-dependency']);
  });
});
