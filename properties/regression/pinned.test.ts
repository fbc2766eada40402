/**
 * No-regression: a few canonical cases pinned to the values this engine produced when they were generated
 * (fixtures/regression/pinned.json, with the commit and date in its provenance).
 *
 * Why pin values when every claim is checked by properties? The properties prove the formulas agree with each
 * other and with oracles; they do not notice a change that moves every implementation together (a new
 * initialiser, a changed default tolerance, a reordered layout). This test does, on purpose and nothing else:
 * it makes such a change visible in review. Regenerate with `npx tsx fixtures/regression/generate.ts` only
 * when the change is intended.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CASES, runPinned, type PinnedValues } from '../../fixtures/regression/cases.js';

// The pinned runs use rtol 1e-12; re-running the same code on the same platform reproduces them bit for bit,
// and a different but equivalent association of floating-point sums (another platform, another Node) moves
// them by a few hundred u at most after the integrator's error control: 1e-12 relative covers that and
// nothing more.
const PINNED_RELATIVE = 1e-12;

const pinned = JSON.parse(readFileSync(new URL('../../fixtures/regression/pinned.json', import.meta.url), 'utf8')) as {
  provenance: { commit: string; date: string };
  cases: { name: string; values: PinnedValues }[];
};

describe(`pinned canonical cases (generated at ${pinned.provenance.commit.slice(0, 10)}, ${pinned.provenance.date})`, () => {
  for (const c of CASES) {
    it(`${c.name}: f_T, K^p, a_i and w_T are unchanged`, () => {
      const expected = pinned.cases.find((p) => p.name === c.name);
      expect(expected, `no pinned values for ${c.name}`).toBeDefined();
      const got = runPinned(c);
      for (const key of ['fT', 'pathKernel', 'a', 'wT'] as const) {
        const want = expected!.values[key];
        expect(got[key].length).toBe(want.length);
        got[key].forEach((v, i) => {
          const rel = Math.abs(v - want[i]!) / Math.max(Math.abs(want[i]!), 1e-300);
          expect(rel, `${key}[${i}]: ${v} vs pinned ${want[i]} (absolute ${Math.abs(v - want[i]!).toExponential(3)})`).toBeLessThanOrEqual(PINNED_RELATIVE);
        });
      }
    });
  }
});
