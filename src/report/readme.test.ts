import { describe, expect, it } from 'vitest';
import type { Evidence } from '../claims/index.js';
import { buildArgument } from './argument.js';
import { README_BEGIN, README_END, readmeBlock, spliceReadme } from './readme.js';
import type { TestOutcome } from './status.js';

const verified: Evidence = { kind: 'verified', against: 'PyTorch', detail: '' };
const outcome: TestOutcome = { name: 't', file: 'f', state: 'passed', durationMs: 12, claims: ['xfw.torch'], figures: { 'worst relative error': 1.234e-13 }, evidence: { 'xfw.torch': [verified] }, series: [], error: null };
const report = buildArgument([outcome], { seed: 7, deep: false, versions: { pathkernel: '0.1.0' }, date: '2026-12-01T00:00:00Z' });

describe("the README's generated block", () => {
  it('states the totals and each claim with its evidence and first figure, without dates or durations', () => {
    const block = readmeBlock(report);
    expect(block).toMatch(/seed `7`/);
    expect(block).toMatch(/\| ✓ \| \[`xfw.torch`\]\(build\/docs\/claims\/xfw.torch.html\) \| verified \| vs PyTorch \| worst relative error: 1\.23e-13 \|/);
    expect(block).not.toMatch(/2026/);
    expect(block).not.toMatch(/12 ms|0\.01 s/);
  });

  it('replaces only what lies between the markers, and refuses a README without them', () => {
    const readme = `# title\n\n${README_BEGIN}\nstale\n${README_END}\n\nrest\n`;
    const next = spliceReadme(readme, report);
    expect(next.startsWith(`# title\n\n${README_BEGIN}\n`)).toBe(true);
    expect(next.endsWith(`${README_END}\n\nrest\n`)).toBe(true);
    expect(next).not.toMatch(/stale/);
    expect(spliceReadme(next, report)).toBe(next);
    expect(() => spliceReadme('# no markers', report)).toThrow(/markers/);
  });
});
