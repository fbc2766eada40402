/**
 * disc.sine-maxima: section 3: points far apart in input space can be close in gradient space. For
 * f(x) = a sin(bx + c) the gradient in (a, b, c) is (sin(bx + c), a x cos(bx + c), a cos(bx + c)), which is
 * (1, 0, 0) at every maximum bx + c = pi/2 + 2 pi k: all maxima are at tangent-kernel distance 0,
 * K(x1, x1) - 2 K(x1, x2) + K(x2, x2) = 0, however far apart x1 and x2 are.
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { compileModel } from '../../src/models/index.js';
import { matrix, UNIT_ROUNDOFF_F64 } from '../../src/core/index.js';
import { jacobian } from '../../src/models/index.js';
import { tangentKernelStructured } from '../../src/kernels/index.js';
import { claimTest, recordFigure, verifiedAgainst } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { caseLedger } from '../arbitraries/ledger.js';

const FILE = 'properties/discussion/sineMaxima.property.ts';

// At a computed maximum the argument bx + c equals pi/2 + 2 pi k only to the rounding of its terms, about
// u (|b x| + |c| + |2 pi k|); cos there is of that size, so the gradient's last two entries are at most
// |a| (1 + |x|) times it. SINE_SAFETY covers the few roundings of the maximum's location and of sin/cos.
const SINE_SAFETY = 16;

const sine = compileModel({ kind: 'sine' });
const int = (lo: number, hi: number) => fc.integer({ min: lo, max: hi });
// A nonzero frequency b: a magnitude and a sign, drawn constructively.
const nonzero = (hi: number) => fc.tuple(int(1, hi), fc.boolean()).map(([k, negative]) => (negative ? -k : k));

describe('section 3: the maxima of a sine are one point in gradient space', () => {
  claimTest(['disc.sine-maxima'], 'the gradient of a sin(bx + c) is (1, 0, 0) at every maximum, and maxima are at kernel distance 0', (ctx) => {
    const ledger = caseLedger(ctx, 'sines and pairs of maxima', FILE);
    let worstDistance = 0;
    let worstGradient = 0;
    let farthest = 0;
    fc.assert(
      fc.property(int(1, 40), nonzero(40), int(-30, 30), int(-50, 50), int(-50, 50), (a10, b10, c10, k1, k2) => {
        ledger.draw();
        const [a, b, c] = [a10 / 10, b10 / 10, c10 / 10];
        const w = Float64Array.from([a, b, c]);
        const xs = [k1, k2].map((k) => (Math.PI / 2 + 2 * Math.PI * k - c) / b);
        const X = matrix(2, 1, xs);
        const J = jacobian(sine, w, X);
        xs.forEach((x, i) => {
          const argError = SINE_SAFETY * UNIT_ROUNDOFF_F64 * (Math.abs(b * x) + Math.abs(c) + 2 * Math.PI * Math.abs(i === 0 ? k1 : k2) + 2);
          const row = J.data.subarray(3 * i, 3 * i + 3);
          const tolerances = [argError ** 2 + UNIT_ROUNDOFF_F64 * 4, Math.abs(a * x) * argError, Math.abs(a) * argError];
          [1, 0, 0].forEach((expected, p) => {
            const err = Math.abs(row[p]! - expected);
            worstGradient = Math.max(worstGradient, err / tolerances[p]!);
            if (err > tolerances[p]!) throw new Error(`maximum x = ${x} (a ${a}, b ${b}, c ${c}): gradient entry ${p} is ${row[p]}, expected ${expected}, error ${err.toExponential(3)} > ${tolerances[p]!.toExponential(3)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          });
        });
        const K = tangentKernelStructured(sine, w, X);
        const distance = K.data[0]! - 2 * K.data[1]! + K.data[3]!;
        const tol = SINE_SAFETY * UNIT_ROUNDOFF_F64 * (1 + a * a * (1 + xs[0]! ** 2 + xs[1]! ** 2)) * (1 + Math.abs(b * xs[0]!) + Math.abs(b * xs[1]!) + Math.abs(c));
        worstDistance = Math.max(worstDistance, Math.abs(distance));
        farthest = Math.max(farthest, Math.abs(xs[0]! - xs[1]!));
        if (Math.abs(distance) > tol) throw new Error(`kernel distance ${distance} between maxima ${xs} exceeds ${tol}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
      }),
      propertyParameters(200),
    );
    recordFigure(ctx, 'worst gradient error over its tolerance (the rounding of the maximum\'s location)', worstGradient);
    recordFigure(ctx, 'worst squared kernel distance between maxima', worstDistance);
    recordFigure(ctx, 'largest input distance between maxima checked', farthest);
  }, { evidence: { 'disc.sine-maxima': verifiedAgainst('closed form', 'the reverse-mode gradient at computed maxima x = (pi/2 + 2 pi k - c)/b against the closed form (1, 0, 0), and the structured kernel distance K(x1, x1) - 2 K(x1, x2) + K(x2, x2) against 0, to the rounding of the maxima\'s location') } });

  claimTest(['disc.sine-maxima'], 'a maximum and a nearby non-maximum are far apart in gradient space although close in input', (ctx) => {
    // The contrast that makes the claim non-trivial: moving a quarter period off a maximum changes the
    // gradient to (0, +-a x, +-a), at kernel distance 1 + a^2 (1 + x^2). For (a, b, c) = (1, 1, 0), x = pi/2 and
    // x' = pi: g = (1, 0, 0) and g' = (0, -pi, -1), so the distance is 2 + pi^2.
    const w = Float64Array.from([1, 1, 0]);
    const x0 = Math.PI / 2;
    const X = matrix(2, 1, [x0, x0 + Math.PI / 2]);
    const K = tangentKernelStructured(sine, w, X);
    const distance = K.data[0]! - 2 * K.data[1]! + K.data[3]!;
    const expected = 2 + Math.PI ** 2;
    recordFigure(ctx, 'kernel distance between a maximum and the point a quarter period on', distance);
    // A few roundings of sin, cos and the three-term kernel entries, relative to their size.
    expect(Math.abs(distance - expected)).toBeLessThanOrEqual(SINE_SAFETY * UNIT_ROUNDOFF_F64 * 2 * expected);
  }, { evidence: { 'disc.sine-maxima': verifiedAgainst('closed form', 'the kernel distance between the maximum pi/2 and the point pi of sin(x) against the closed form 2 + pi^2: close in input, far in gradient space') } });
});
