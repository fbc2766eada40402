/**
 * rem.loss-derivatives — Remark 3: for the squared loss 1/2 (y - y*)^2, L' = y - y*; for the loss -ln p,
 * L' = -1/p. Every loss of the engine has its L' and L'' by formula; here they are checked on generated
 * outputs and targets against Richardson-extrapolated finite differences, and the two formulas of the remark
 * exactly.
 */
import fc from 'fast-check';
import { describe } from 'vitest';
import { huber, lossDerivativesByDifferences, negLogProb, softmaxCrossEntropy, squared, binaryLogistic, type Loss } from '../../src/losses/index.js';
import { claimTest, recordFigure } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';

const FILE = 'properties/remarks/lossDerivatives.property.ts';

// Differences with h = 1e-3 and one Richardson step: truncation about h^4 |f^(5)| / 480 relative to the
// derivative's own size. For the logistic, softmax, squared and Huber losses the higher derivatives are O(1);
// for -ln p with p >= 0.05, differentiating L' = -1/p gives a fifth derivative 720/p^6 against L'' = 1/p^2,
// a relative truncation of h^4 720 / (480 p^4) <= 2.4e-7. 1e-6 relative to 1 + |derivative| covers both;
// any wrong formula is off by O(1).
const FD_STEP = 1e-3;
const FD_RTOL = 1e-6;

const scaled = (lo: number, hi: number) => fc.integer({ min: lo * 1000, max: hi * 1000 }).map((k) => k / 1000);

interface LossCase {
  readonly loss: Loss;
  /** Huber's threshold, where its L'' jumps (Infinity for the smooth losses). */
  readonly kink?: number;
  readonly y: Float64Array;
  readonly yStar: Float64Array;
}

function caseArb(): fc.Arbitrary<LossCase> {
  const vec = (n: number, lo: number, hi: number) => fc.array(scaled(lo, hi), { minLength: n, maxLength: n }).map((a) => Float64Array.from(a));
  return fc.integer({ min: 1, max: 4 }).chain((O) =>
    fc.oneof(
      fc.record({ loss: fc.constant(squared), y: vec(O, -4, 4), yStar: vec(O, -4, 4) }),
      fc.record({ delta: scaled(0.1, 3), y: vec(O, -4, 4), yStar: vec(O, -4, 4) }).map(({ delta, y, yStar }) => ({ loss: huber(delta), kink: delta, y, yStar })),
      fc.record({ loss: fc.constant(binaryLogistic), y: vec(1, -6, 6), yStar: fc.constantFrom(0, 1).map((c) => Float64Array.of(c)) }),
      fc.record({ loss: fc.constant(softmaxCrossEntropy), y: vec(O + 1, -6, 6), yStar: fc.nat({ max: O }).map((c) => Float64Array.of(c)) }),
      fc.record({ loss: fc.constant(negLogProb), y: vec(1, 0.05, 1), yStar: fc.constant(Float64Array.of(0)) }),
    ),
  );
}

describe("Remark 3: the losses' derivatives", () => {
  claimTest(['rem.loss-derivatives'], "L' = y - y* for the squared loss and L' = -1/p for -ln p, exactly", () => {
    fc.assert(
      fc.property(scaled(-10, 10), scaled(-10, 10), scaled(0.001, 1), (y, yStar, p) => {
        const d = squared.derivative(Float64Array.of(y), Float64Array.of(yStar))[0]!;
        if (d !== y - yStar) throw new Error(`squared L'(${y}; ${yStar}) = ${d}, expected ${y - yStar}; seed ${SEED}`);
        const n = negLogProb.derivative(Float64Array.of(p), Float64Array.of(0))[0]!;
        if (n !== -1 / p) throw new Error(`-ln p: L'(${p}) = ${n}, expected ${-1 / p}; seed ${SEED}`);
      }),
      propertyParameters(200),
    );
  });

  claimTest(['rem.loss-derivatives'], "every loss's L' and L'' agree with finite differences of its value and of L'", (ctx) => {
    let worst = 0;
    fc.assert(
      fc.property(caseArb(), ({ loss, kink, y, yStar }) => {
        // Huber's L'' jumps at |r| = delta: finite differences straddling it measure the jump, not L''.
        if (kink !== undefined) fc.pre(y.every((v, i) => Math.abs(Math.abs(v - yStar[i]!) - kink) > 4 * FD_STEP));
        const fd = lossDerivativesByDifferences(loss, y, yStar, FD_STEP);
        const d1 = loss.derivative(y, yStar);
        const d2 = loss.secondDerivative(y, yStar);
        const check = (got: number, want: number, what: string) => {
          const scale = 1 + Math.abs(got);
          const err = Math.abs(got - want);
          worst = Math.max(worst, err / scale);
          if (err > FD_RTOL * scale) {
            throw new Error(`${loss.name} ${what} at y = [${Array.from(y)}], y* = [${Array.from(yStar)}]: ${got} vs finite differences ${want}, absolute ${err.toExponential(3)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          }
        };
        d1.forEach((v, k) => check(v, fd.derivative[k]!, `L'[${k}]`));
        d2.data.forEach((v, k) => check(v, fd.secondDerivative.data[k]!, `L''[${k}]`));
      }),
      propertyParameters(200),
    );
    recordFigure(ctx, 'worst relative error vs finite differences', worst);
  });
});
