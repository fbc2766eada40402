/**
 * The gate of the argument: every registered claim of the paper has a test (or is pending on a named open
 * issue), and every claim a test cites is registered. The second block shows the gate failing on a registry
 * with an untested claim and on a citation of an unregistered claim, so that a green gate means something.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLAIMS, checkGate, type Claim } from '../src/claims/index.js';
import { citationMap, citationsIn, scanCitations } from '../src/report/citations.js';
import { arbitraryFilters, rawPreconditions } from './arbitraries/hollowChecks.js';

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

describe('no case is left out silently', () => {
  it('no property calls fc.pre outside the ledger (a skipped case must be counted)', () => {
    expect(rawPreconditions('properties').map((p) => `${p.file}:${p.line}: ${p.text}`)).toEqual([]);
  });

  it('no property filters an arbitrary (generate constructively, or count what is left out)', () => {
    expect(arbitraryFilters('properties').map((p) => `${p.file}:${p.line}: ${p.text}`)).toEqual([]);
  }, 60_000);

  it('the scans find what they look for', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pathkernel-gate-'));
    const cwd = process.cwd();
    try {
      // The scans take their root as an argument: process.chdir is not available in worker threads.
      mkdirSync(join(dir, 'p'));
      // Written in pieces so that the scan of this file itself does not see them.
      writeFileSync(join(dir, 'p', 'x.ts'), ["import fc from 'fast-check';", 'export const a = fc.integer().fil' + 'ter((k) => k !== 0);', 'export const b = [1, 2].filter((k) => k > 1);', 'fc.p' + 're(true);'].join('\n'));
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, skipLibCheck: true, typeRoots: [join(cwd, 'node_modules/@types')], baseUrl: cwd, paths: { 'fast-check': [join(cwd, 'node_modules/fast-check')] } }, include: ['p'] }));
      expect(rawPreconditions('p', dir).map((p) => p.line)).toEqual([4]);
      expect(arbitraryFilters('p', dir).map((p) => p.line)).toEqual([2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
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
