/**
 * Right-hand-side evaluations needed to reach a given error on the same gradient flow: our DOP853 against
 * scipy's DOP853 (Debian's python3-scipy, run by /usr/bin/python3). The reference solution is ours at
 * rtol 1e-13, cross-checked against scipy's at the same tolerance. Skipped, with a note, when Debian's
 * python3 or scipy is missing.
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { matrix, rng } from '../src/core/index.js';
import { gradientFlow } from '../src/kernels/index.js';
import { squared } from '../src/losses/index.js';
import { compileModel } from '../src/models/index.js';

/** One tolerance's row. */
export interface FlowBenchRow {
  readonly rtol: number;
  readonly oursEvaluations: number;
  readonly oursError: number;
  readonly scipyEvaluations: number | null;
  readonly scipyError: number | null;
}

const PYTHON = '/usr/bin/python3';

/** Run the comparison on an MLP 4-16-16-1 tanh, m = 16, T = 5. */
export function benchFlowVsScipy(seed: number): { rows: FlowBenchRow[]; note: string; referenceAgreement: number | null } {
  const sizes = [4, 16, 16, 1];
  const model = compileModel({ kind: 'mlp', inputDim: 4, layers: [{ width: 16, activation: 'tanh' }, { width: 16, activation: 'tanh' }] });
  const r = rng(seed);
  const w0 = model.init(r.stream('init'));
  const data = r.stream('data');
  const m = 16;
  const X = matrix(m, 4, Array.from({ length: m * 4 }, () => data.normal()));
  const Y = matrix(m, 1, Array.from({ length: m }, () => data.normal()));
  const T = 5;
  const atolFactor = 1e-2;
  const problem = { model, loss: squared, xTrain: X, yTrain: Y };
  const reference = gradientFlow(problem, w0, {}, { T, rtol: 1e-13, atol: 1e-15 }).wT;
  const err = (w: ArrayLike<number>) => {
    let e = 0;
    let n = 0;
    for (let j = 0; j < reference.length; j++) {
      e = Math.max(e, Math.abs(w[j]! - reference[j]!));
      n = Math.max(n, Math.abs(reference[j]!));
    }
    return e / n;
  };
  const rtols = [1e-4, 1e-6, 1e-8, 1e-10, 1e-12];
  const ours = rtols.map((rtol) => {
    const res = gradientFlow(problem, w0, {}, { T, rtol, atol: rtol * atolFactor });
    return { evaluations: res.stats.rhsEvaluations, error: err(res.wT) };
  });
  let scipy: { nfev: number; wT: number[] }[] | null = null;
  let note = '';
  let referenceAgreement: number | null = null;
  if (!existsSync(PYTHON)) note = `${PYTHON} not found: scipy column skipped`;
  else {
    const input = JSON.stringify({ sizes, X: toRows(X), Y: toRows(Y), w0: Array.from(w0), T, rtols: [...rtols, 1e-13], atolFactor });
    const run = spawnSync(PYTHON, [new URL('./scipy_flow.py', import.meta.url).pathname], { input, encoding: 'utf8', maxBuffer: 1 << 26 });
    if (run.status !== 0) note = `scipy run failed (apt-get install python3-scipy gives Debian's scipy): ${run.stderr.trim().split('\n').at(-1)}`;
    else {
      const parsed = JSON.parse(run.stdout) as { scipy: string; numpy: string; results: { nfev: number; wT: number[] }[] };
      scipy = parsed.results.slice(0, rtols.length);
      referenceAgreement = err(parsed.results.at(-1)!.wT);
      note = `scipy ${parsed.scipy}, numpy ${parsed.numpy} under ${PYTHON}; references agree to ${referenceAgreement.toExponential(2)}`;
    }
  }
  return {
    rows: rtols.map((rtol, i) => ({
      rtol,
      oursEvaluations: ours[i]!.evaluations,
      oursError: ours[i]!.error,
      scipyEvaluations: scipy ? scipy[i]!.nfev : null,
      scipyError: scipy ? err(scipy[i]!.wT) : null,
    })),
    note,
    referenceAgreement,
  };
}

function toRows(a: { rows: number; cols: number; data: Float64Array }): number[][] {
  return Array.from({ length: a.rows }, (_, i) => Array.from(a.data.subarray(i * a.cols, (i + 1) * a.cols)));
}

/** The comparison as a markdown table. */
export function flowTable(rows: readonly FlowBenchRow[]): string {
  const fmt = (v: number | null) => (v === null ? 'n/a' : v.toExponential(2));
  return [
    '| rtol | ours: evaluations | ours: relative error | scipy DOP853: evaluations | scipy: relative error |',
    '|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.rtol.toExponential(0)} | ${r.oursEvaluations} | ${fmt(r.oursError)} | ${r.scipyEvaluations ?? 'n/a'} | ${fmt(r.scipyError)} |`),
  ].join('\n');
}
