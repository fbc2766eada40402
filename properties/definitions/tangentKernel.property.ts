/**
 * def.tangent-kernel — Definition 1: K^g(x, x') = grad_w f_w(x) . grad_w f_w(x').
 *
 * Checked on generated architectures (depths, activations, residual connections, layer norm, parametrisations,
 * multi-output heads), linear-in-features models and the sine model:
 * - the three implementations (Jacobian contraction, kernel-vector products, the structured per-site
 *   identity) agree entrywise to a tolerance derived from float64 rounding;
 * - the Gram matrix is symmetric and positive semidefinite, and its rank is at most min(N O, d).
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { gamma, symmetricEigenvalues, transpose, UNIT_ROUNDOFF_F64, type Matrix } from '../../src/core/index.js';
import { tangentKernelJacobian, tangentKernelKvp, tangentKernelStructured } from '../../src/kernels/index.js';
import { claimTest, recordFigure } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { describeCase, modelCaseArb, modelSpecArb, type ModelCase } from '../arbitraries/models.js';

const FILE = 'properties/definitions/tangentKernel.property.ts';

// Each method computes the same sum of d products, but through a different sequence of rounded stages: the
// forward pass, one backward stage per layer, and the final contraction. Each stage contributes at most
// gamma(n) relative error for an inner product of length n <= d, so two methods differ by at most
// 2 (depth + 2) gamma(d) sqrt(K_ii K_jj) (Cauchy-Schwarz bounds |sum a_p b_p| by |a||b|). SAFETY covers the
// widths inside a stage, which the per-stage bound does not count.
const AGREEMENT_SAFETY = 8;

// Symmetric PSD checks: the computed Gram matrix is J J^T plus an entrywise error of at most
// gamma(d) sqrt(K_ii K_jj) <= gamma(d) max diag; its eigenvalues move by at most the 2-norm of that error,
// <= n gamma(d) max diag; Jacobi's own error is a few u n max diag. PSD_SAFETY covers both constants.
const PSD_SAFETY = 16;

function agreementBound(c: ModelCase, K: Matrix, i: number, j: number): number {
  const depth = c.model.layout.length;
  const n = K.rows;
  const kii = Math.abs(K.data[i * n + i]!);
  const kjj = Math.abs(K.data[j * n + j]!);
  return AGREEMENT_SAFETY * 2 * (depth + 2) * gamma(c.model.paramCount + 8) * Math.sqrt(kii * kjj);
}

function worstAgreement(c: ModelCase, A: Matrix, B: Matrix): { rel: number; abs: number; ok: boolean; at: number } {
  let rel = 0;
  let abs = 0;
  let ok = true;
  let at = -1;
  const n = A.rows;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const d = Math.abs(A.data[i * n + j]! - B.data[i * n + j]!);
      const scale = Math.sqrt(Math.abs(A.data[i * n + i]! * A.data[j * n + j]!));
      if (d > agreementBound(c, A, i, j) || Number.isNaN(d)) {
        ok = false;
        at = i * n + j;
      }
      abs = Math.max(abs, d);
      if (scale > 0) rel = Math.max(rel, d / scale);
    }
  }
  return { rel, abs, ok, at };
}

describe('Definition 1: the tangent kernel', () => {
  claimTest(['def.tangent-kernel'], 'three independent implementations of the tangent kernel agree to float64 rounding', (ctx) => {
    let worst = 0;
    let cases = 0;
    fc.assert(
      fc.property(modelCaseArb(modelSpecArb()), (c) => {
        const Kj = tangentKernelJacobian(c.model, c.w, c.X);
        const Kv = tangentKernelKvp(c.model, c.w, c.X);
        const Ks = tangentKernelStructured(c.model, c.w, c.X);
        for (const [name, K] of [['kernel-vector products', Kv], ['structured', Ks]] as const) {
          const r = worstAgreement(c, Kj, K);
          worst = Math.max(worst, r.rel);
          if (!r.ok) {
            throw new Error(
              `${name} vs Jacobian contraction: relative error ${r.rel.toExponential(3)} (scale sqrt(K_ii K_jj)), absolute ${r.abs.toExponential(3)} at entry ${r.at}; ${describeCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`,
            );
          }
        }
        cases++;
      }),
      propertyParameters(60),
    );
    recordFigure(ctx, 'worst relative disagreement', worst);
    recordFigure(ctx, 'cases', cases);
    expect(worst).toBeLessThan(1e-12);
  });

  claimTest(['def.tangent-kernel'], 'the Gram matrix is symmetric, positive semidefinite, and of rank at most min(N O, d)', (ctx) => {
    let worstNegative = 0;
    fc.assert(
      fc.property(modelCaseArb(modelSpecArb(), 2), (c) => {
        const K = tangentKernelStructured(c.model, c.w, c.X);
        const n = K.rows;
        const KT = transpose(K);
        let maxDiag = 0;
        for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, K.data[i * n + i]!);
        const symTol = gamma(c.model.paramCount + 8) * maxDiag * AGREEMENT_SAFETY;
        for (let i = 0; i < K.data.length; i++) {
          const d = Math.abs(K.data[i]! - KT.data[i]!);
          if (d > symTol) throw new Error(`asymmetry ${d.toExponential(3)} > ${symTol.toExponential(3)} at ${i}; ${describeCase(c)}; seed ${SEED}`);
        }
        const eig = symmetricEigenvalues(K);
        const tol = PSD_SAFETY * n * (gamma(c.model.paramCount + 8) + UNIT_ROUNDOFF_F64) * maxDiag;
        const minEig = eig[0]!;
        if (maxDiag > 0) worstNegative = Math.max(worstNegative, -minEig / maxDiag);
        if (minEig < -tol) {
          throw new Error(`min eigenvalue ${minEig.toExponential(3)} < -${tol.toExponential(3)} (relative ${(minEig / maxDiag).toExponential(3)}); ${describeCase(c)}; seed ${SEED}`);
        }
        const rank = eig.filter((e) => e > tol).length;
        const bound = Math.min(n, c.model.paramCount);
        if (rank > bound) throw new Error(`numerical rank ${rank} exceeds min(N O, d) = ${bound}; ${describeCase(c)}; seed ${SEED}`);
      }),
      propertyParameters(60),
    );
    recordFigure(ctx, 'worst relative negative eigenvalue', worstNegative);
  });

  claimTest(['def.tangent-kernel'], 'when d is below N O the rank bound is reached and not exceeded (sine model, d = 3)', () => {
    // A pinned case where the bound bites: five distinct inputs to a sin(bx + c) span the full 3-dimensional
    // gradient space, so the Gram matrix has rank exactly 3 < N = 5.
    fc.assert(
      fc.property(modelCaseArb(fc.constant({ kind: 'sine' }), 5, 5), (c) => {
        const K = tangentKernelKvp(c.model, c.w, c.X);
        const eig = symmetricEigenvalues(K);
        const maxDiag = Math.max(...Array.from({ length: 5 }, (_, i) => K.data[i * 5 + i]!));
        const tol = PSD_SAFETY * 5 * gamma(16) * maxDiag;
        expect(eig.filter((e) => e > tol).length).toBeLessThanOrEqual(3);
      }),
      propertyParameters(30),
    );
  });
});
