/**
 * caveat.batch-coupling (groundwork) — with batch normalisation in training mode, y_i depends on the other
 * examples of the batch, so the "per-example" gradient grad_w y_i changes when a third example changes;
 * layer normalisation, which normalises within one example, does not couple. The identity of Theorem 1 under
 * batch coupling is measured with the flow (a later issue); here the coupling itself is shown.
 */
import fc from 'fast-check';
import { describe } from 'vitest';
import { matrix, maxAbs, norm2, type Matrix } from '../../src/core/index.js';
import { compileModel, jacobian, type ModelSpecInput } from '../../src/models/index.js';
import { claimTest, recordFigure } from '../arbitraries/claims.js';
import { propertyParameters, SEED } from '../arbitraries/config.js';
import { matrixArb } from '../arbitraries/models.js';
import { rng } from '../../src/core/index.js';

// Rounding in two evaluations of the same gradient: gamma-size relative error on entries of size |grad|.
const SAME_GRADIENT_RTOL = 1e-13;
// A change of the third example by O(1) moves the batch statistics by O(1/N) and the gradient of y_0 by a
// comparable amount; 1e-6 of |grad| is far above rounding and far below what coupling produces.
const COUPLING_MIN_RELATIVE_CHANGE = 1e-6;

function gradientOfFirst(spec: ModelSpecInput, w: Float64Array, X: Matrix): Float64Array {
  const model = compileModel(spec);
  const J = jacobian(model, w, X);
  return J.data.slice(0, model.paramCount);
}

function spec(norm: 'batch' | 'layer', width: number): ModelSpecInput {
  return { kind: 'mlp', inputDim: 2, layers: [{ width, activation: 'tanh', norm }] };
}

describe('batch normalisation couples the examples of a batch', () => {
  claimTest(['caveat.batch-coupling'], 'with batch norm the gradient of y_0 changes when another example changes; with layer norm it does not', (ctx) => {
    let smallestChange = Infinity;
    fc.assert(
      fc.property(matrixArb(4, 2), matrixArb(1, 2), fc.integer({ min: 2, max: 5 }), fc.nat(), (X, replacement, width, seed) => {
        const moved = matrix(4, 2, X.data.slice());
        moved.data.set(replacement.data, 2 * 3);
        // Skip draws where the replacement equals the original row, or where batch statistics degenerate.
        fc.pre(Math.abs(moved.data[6]! - X.data[6]!) + Math.abs(moved.data[7]! - X.data[7]!) > 0.1);
        const bn = compileModel(spec('batch', width));
        const w = bn.init(rng(seed).stream('init'));
        const g1 = gradientOfFirst(spec('batch', width), w, X);
        const g2 = gradientOfFirst(spec('batch', width), w, moved);
        const change = maxAbs(g1.map((v, i) => v - g2[i]!)) / Math.max(norm2(g1), 1e-300);
        smallestChange = Math.min(smallestChange, change);
        if (!(change > COUPLING_MIN_RELATIVE_CHANGE)) throw new Error(`batch norm: grad y_0 moved only ${change.toExponential(3)} when example 3 changed; seed ${SEED}`);
        const lnW = compileModel(spec('layer', width)).init(rng(seed).stream('init'));
        const l1 = gradientOfFirst(spec('layer', width), lnW, X);
        const l2 = gradientOfFirst(spec('layer', width), lnW, moved);
        const lchange = maxAbs(l1.map((v, i) => v - l2[i]!));
        if (lchange > SAME_GRADIENT_RTOL * Math.max(norm2(l1), 1)) throw new Error(`layer norm: grad y_0 moved ${lchange.toExponential(3)} when another example changed; seed ${SEED}`);
      }),
      propertyParameters(40),
    );
    recordFigure(ctx, 'smallest relative change of grad y_0 under batch norm', smallestChange);
  });
});
