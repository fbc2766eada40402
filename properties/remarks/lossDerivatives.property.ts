/**
 * rem.loss-derivatives — Remark 3: for the squared loss 1/2 (y - y*)^2, L' = y - y*; for the loss -ln p,
 * L' = -1/p. Every loss of the engine has its L' and L'' by formula (src/losses). Three independent checks on
 * generated outputs and targets:
 * - the remark's two formulas, written out here, against the engine's L' (closed form);
 * - every loss's L' and L'' against mathjs's symbolic derivatives of the loss's own formula, written out here
 *   as a mathjs expression (mathjs);
 * - every loss's L' and L'' against Richardson-extrapolated finite differences of its value and of L'
 *   (finite differences).
 */
import fc from 'fast-check';
import { derivative, parse, type EvalFunction } from 'mathjs';
import { describe } from 'vitest';
import { UNIT_ROUNDOFF_F64 } from '../../src/core/index.js';
import { binaryLogistic, huber, lossDerivativesByDifferences, negLogProb, softmaxCrossEntropy, squared, type Loss } from '../../src/losses/index.js';
import { claimTest, recordEvidence, recordFigure, verifiedAgainst } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { caseLedger } from '../arbitraries/ledger.js';

const FILE = 'properties/remarks/lossDerivatives.property.ts';

// Differences with h = 1e-3 and one Richardson step: truncation about h^4 |f^(5)| / 480 relative to the
// derivative's own size. For the logistic, softmax, squared and Huber losses the higher derivatives are O(1);
// for -ln p with p >= 0.05, differentiating L' = -1/p gives a fifth derivative 720/p^6 against L'' = 1/p^2,
// a relative truncation of h^4 720 / (480 p^4) <= 2.4e-7. 1e-6 relative to 1 + |derivative| covers both;
// any wrong formula is off by O(1).
const FD_STEP = 1e-3;
const FD_RTOL = 1e-6;
// Huber's L'' jumps at |r| = delta: differences within 4 h of the kink would measure the jump. The generator
// draws residuals at least this far from it (constructively: a side, then a distance).
const KINK_GAP = 4 * FD_STEP;

// mathjs and the engine evaluate the same formula in different arrangements: at most about 10 elementary
// operations per derivative for O <= 5 logits (exp, a sum of O terms, a quotient, log1p against log), each
// within an ulp or two, on terms at most e^12 times apart whose quotients (softmax probabilities) are formed
// relative to their sum. 64 u relative to 1 + |derivative| covers that; a wrong formula is off by O(1).
const MATHJS_RTOL = 64 * UNIT_ROUNDOFF_F64;

const scaled = (lo: number, hi: number) => fc.integer({ min: Math.round(lo * 1000), max: Math.round(hi * 1000) }).map((k) => k / 1000);

interface LossCase {
  readonly loss: Loss;
  readonly delta?: number;
  readonly y: Float64Array;
  readonly yStar: Float64Array;
}

/** Huber residuals |r| <= delta - KINK_GAP or >= delta + KINK_GAP, drawn constructively. */
function huberCase(O: number): fc.Arbitrary<LossCase> {
  return scaled(0.1, 3).chain((delta) => {
    const inside = scaled(0, Math.max(0, delta - KINK_GAP));
    const outside = scaled(delta + KINK_GAP, delta + 4);
    const residual = fc.tuple(fc.boolean(), fc.boolean()).chain(([out, negative]) => (out ? outside : inside).map((a) => (negative ? -a : a)));
    return fc
      .record({ yStar: fc.array(scaled(-4, 4), { minLength: O, maxLength: O }), r: fc.array(residual, { minLength: O, maxLength: O }) })
      .map(({ yStar, r }) => ({ loss: huber(delta), delta, y: Float64Array.from(yStar, (t, k) => t + r[k]!), yStar: Float64Array.from(yStar) }));
  });
}

function caseArb(): fc.Arbitrary<LossCase> {
  const vec = (n: number, lo: number, hi: number) => fc.array(scaled(lo, hi), { minLength: n, maxLength: n }).map((a) => Float64Array.from(a));
  return fc.integer({ min: 1, max: 4 }).chain((O) =>
    fc.oneof(
      fc.record({ loss: fc.constant(squared), y: vec(O, -4, 4), yStar: vec(O, -4, 4) }),
      huberCase(O),
      fc.record({ loss: fc.constant(binaryLogistic), y: vec(1, -6, 6), yStar: fc.constantFrom(0, 1).map((c) => Float64Array.of(c)) }),
      fc.record({ loss: fc.constant(softmaxCrossEntropy), y: vec(O + 1, -6, 6), yStar: fc.nat({ max: O }).map((c) => Float64Array.of(c)) }),
      fc.record({ loss: fc.constant(negLogProb), y: vec(1, 0.05, 1), yStar: fc.constant(Float64Array.of(0)) }),
    ),
  );
}

/**
 * The loss's formula as a mathjs expression in y0..y{O-1}, with the targets t0.. and Huber's d as symbols (so
 * that one symbolic derivative serves every case of the same shape), and the scope that evaluates it.
 */
function formula(c: LossCase): { expression: string; scope: Record<string, number> } {
  const O = c.y.length;
  const ys = Array.from({ length: O }, (_, k) => `y${k}`);
  const scope: Record<string, number> = Object.fromEntries(Array.from(c.y, (v, k) => [`y${k}`, v]));
  c.yStar.forEach((v, k) => (scope[`t${k}`] = v));
  const withScope = (expression: string) => ({ expression, scope });
  switch (c.loss.name) {
    case 'squared':
      return withScope(ys.map((y, k) => `0.5 * (${y} - t${k})^2`).join(' + '));
    case 'huber': {
      // Each coordinate's branch as numbers in the scope (q_k = 1 on the quadratic branch, else 0; s_k the
      // residual's sign), so that one expression per output count serves every case; the generator keeps each
      // residual away from the kink, where the branch would be ambiguous.
      scope['d'] = c.delta!;
      c.y.forEach((v, k) => {
        const r = v - c.yStar[k]!;
        scope[`q${k}`] = Math.abs(r) <= c.delta! ? 1 : 0;
        scope[`s${k}`] = r > 0 ? 1 : -1;
      });
      return withScope(ys.map((y, k) => `q${k} * 0.5 * (${y} - t${k})^2 + (1 - q${k}) * d * (s${k} * (${y} - t${k}) - d / 2)`).join(' + '));
    }
    case 'binaryLogistic':
      return withScope('log(1 + exp(y0)) - t0 * y0');
    case 'softmaxCrossEntropy':
      // The class as a one-hot vector e in the scope: L = log sum_k exp(y_k) - sum_k e_k y_k.
      ys.forEach((_, k) => (scope[`e${k}`] = k === c.yStar[0]! ? 1 : 0));
      return withScope(`log(${ys.map((y) => `exp(${y})`).join(' + ')}) - (${ys.map((y, k) => `e${k} * ${y}`).join(' + ')})`);
    case 'negLogProb':
      return withScope('-log(y0)');
    default:
      throw new Error(`no mathjs formula for ${c.loss.name}`);
  }
}

// Compiled symbolic derivatives by formula: dL/dy_j and d2L/dy_j dy_k.
const derivativeCache = new Map<string, { first: EvalFunction[]; second: EvalFunction[] }>();

/** L' and L'' of the formula by mathjs's symbolic derivative, evaluated at the case. */
function mathjsDerivatives(c: LossCase): { d1: number[]; d2: number[] } {
  const O = c.y.length;
  const { expression, scope } = formula(c);
  let compiled = derivativeCache.get(expression);
  if (!compiled) {
    const expr = parse(expression);
    const firsts = Array.from({ length: O }, (_, j) => derivative(expr, `y${j}`, { simplify: false }));
    compiled = { first: firsts.map((f) => f.compile()), second: firsts.flatMap((f) => Array.from({ length: O }, (_, k) => derivative(f, `y${k}`, { simplify: false }).compile())) };
    derivativeCache.set(expression, compiled);
  }
  return { d1: compiled.first.map((f) => f.evaluate(scope) as number), d2: compiled.second.map((f) => f.evaluate(scope) as number) };
}

const describeCase = (c: LossCase) => `${c.loss.name}${c.delta === undefined ? '' : ` (delta ${c.delta})`} at y = [${Array.from(c.y)}], y* = [${Array.from(c.yStar)}]`;

describe("Remark 3: the losses' derivatives", () => {
  claimTest(['rem.loss-derivatives'], "L' = y - y* for the squared loss and L' = -1/p for -ln p, the remark's formulas written out, exactly", (ctx) => {
    const ledger = caseLedger(ctx, "Remark 3's formulas", FILE);
    fc.assert(
      fc.property(fc.array(fc.tuple(scaled(-10, 10), scaled(-10, 10)), { minLength: 1, maxLength: 4 }), scaled(0.001, 1), (pairs, p) => {
        ledger.draw();
        const y = Float64Array.from(pairs, ([v]) => v);
        const yStar = Float64Array.from(pairs, ([, t]) => t);
        const d = squared.derivative(y, yStar);
        d.forEach((v, k) => {
          if (v !== y[k]! - yStar[k]!) throw new Error(`squared L'_${k}(${Array.from(y)}; ${Array.from(yStar)}) = ${v}, expected y - y* = ${y[k]! - yStar[k]!}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
        });
        const n = negLogProb.derivative(Float64Array.of(p), Float64Array.of(0))[0]!;
        if (n !== -1 / p) throw new Error(`-ln p: L'(${p}) = ${n}, expected -1/p = ${-1 / p}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
      }),
      propertyParameters(200),
    );
  }, {
    evidence: { 'rem.loss-derivatives': verifiedAgainst('closed form', "Remark 3's L' = y - y* (1/2 |y - y*|^2, up to 4 outputs) and L' = -1/p (-ln p), written out in the test, equal the engine's L' bit for bit") },
  });

  claimTest(['rem.loss-derivatives'], "every loss's L' and L'' agree with mathjs's symbolic derivatives of the loss's formula", (ctx) => {
    const ledger = caseLedger(ctx, 'mathjs derivatives', FILE);
    let worst = 0;
    const seen = new Set<string>();
    fc.assert(
      fc.property(caseArb(), (c) => {
        ledger.draw();
        seen.add(c.loss.name);
        const { d1, d2 } = mathjsDerivatives(c);
        const check = (got: number, want: number, what: string) => {
          const err = Math.abs(got - want);
          worst = Math.max(worst, err / (1 + Math.abs(want)));
          if (!(err <= MATHJS_RTOL * (1 + Math.abs(want)))) throw new Error(`${describeCase(c)}: ${what} ${got} vs mathjs ${want} (of ${formula(c).expression}), absolute ${err.toExponential(3)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
        };
        c.loss.derivative(c.y, c.yStar).forEach((v, k) => check(v, d1[k]!, `L'[${k}]`));
        c.loss.secondDerivative(c.y, c.yStar).data.forEach((v, k) => check(v, d2[k]!, `L''[${k}]`));
      }),
      propertyParameters(100),
    );
    recordFigure(ctx, 'worst |ours - mathjs| / (1 + |mathjs|)', worst);
    recordFigure(ctx, 'worst in units of u', worst / UNIT_ROUNDOFF_F64);
    recordEvidence(ctx, 'rem.loss-derivatives', verifiedAgainst('mathjs', `L' and L'' of ${[...seen].sort().join(', ')} against mathjs's symbolic derivatives of each loss's formula, on ${ledger.drawn} generated outputs and targets`));
  });

  claimTest(['rem.loss-derivatives'], "every loss's L' and L'' agree with finite differences of its value and of L'", (ctx) => {
    const ledger = caseLedger(ctx, 'finite differences', FILE);
    let worst = 0;
    fc.assert(
      fc.property(caseArb(), (c) => {
        ledger.draw();
        const fd = lossDerivativesByDifferences(c.loss, c.y, c.yStar, FD_STEP);
        const check = (got: number, want: number, what: string) => {
          const scale = 1 + Math.abs(got);
          const err = Math.abs(got - want);
          worst = Math.max(worst, err / scale);
          if (err > FD_RTOL * scale) throw new Error(`${describeCase(c)}: ${what} ${got} vs finite differences ${want}, absolute ${err.toExponential(3)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
        };
        c.loss.derivative(c.y, c.yStar).forEach((v, k) => check(v, fd.derivative[k]!, `L'[${k}]`));
        c.loss.secondDerivative(c.y, c.yStar).data.forEach((v, k) => check(v, fd.secondDerivative.data[k]!, `L''[${k}]`));
      }),
      propertyParameters(200),
    );
    recordFigure(ctx, 'worst relative error vs finite differences', worst);
    recordEvidence(ctx, 'rem.loss-derivatives', verifiedAgainst('finite differences', `L' by Richardson differences of L, L'' by differences of L', every loss, ${ledger.drawn} generated cases`));
  });
});
