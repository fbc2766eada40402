/**
 * sec.linear-models — for a model linear in fixed features, f_w(x) = W phi(x) (+ b), the tangent kernel is
 * phi(x) . phi(x') (+ 1 with a bias) times the identity on outputs, at every w: it never changes during
 * training (section 2 of the paper; the path kernel is then T phi(x) . phi(x'), checked with the flow). The
 * other side is the closed form phi(x) . phi(x') + bias formed from the feature map itself, at w0 and at an
 * unrelated w, against the engine's Jacobian-contraction kernel.
 */
import fc from 'fast-check';
import { describe } from 'vitest';
import { gamma, matmulTransB, rng } from '../../src/core/index.js';
import { featureMap, parseModelSpec, type FeaturesSpec } from '../../src/models/index.js';
import { tangentKernelJacobian } from '../../src/kernels/index.js';
import { claimTest, recordFigure, verifiedAgainst } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { describeCase, featuresSpecArb, modelCaseArb } from '../arbitraries/models.js';

const FILE = 'properties/section2/linearModels.property.ts';

// The Jacobian of a linear model is exactly [phi(x) (+ 1)] placed in the output's row block, so both sides
// are the same inner products of length D summed in possibly different orders: 2 gamma(D) |phi||phi'| with
// a safety factor of 4 for the constant term.
const LINEAR_SAFETY = 4;

describe('section 2: linear models are kernel machines', () => {
  claimTest(['sec.linear-models'], 'the tangent kernel of a linear-in-features model is phi(x) . phi(x\') at every w', (ctx) => {
    let worst = 0;
    fc.assert(
      fc.property(modelCaseArb(featuresSpecArb()), fc.nat(), (c, s) => {
        const spec = parseModelSpec(c.spec) as FeaturesSpec;
        const phi = featureMap(spec);
        const F = phi(c.X);
        const G = matmulTransB(F, F);
        const O = c.model.outputDim;
        const bias = spec.bias ? 1 : 0;
        // Any w: the initial one and a second, unrelated one.
        const r = rng(s);
        for (const w of [c.w, c.w.map(() => 3 * r.normal())]) {
          const K = tangentKernelJacobian(c.model, w, c.X);
          const n = c.X.rows;
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < n; j++) {
              for (let k = 0; k < O; k++) {
                for (let kk = 0; kk < O; kk++) {
                  const expected = k === kk ? G.data[i * n + j]! + bias : 0;
                  const got = K.data[(i * O + k) * n * O + j * O + kk]!;
                  const scale = Math.sqrt((G.data[i * n + i]! + bias) * (G.data[j * n + j]! + bias));
                  const err = Math.abs(got - expected);
                  if (scale > 0) worst = Math.max(worst, err / scale);
                  if (err > LINEAR_SAFETY * 2 * gamma(phi.featureCount + 1) * scale) {
                    throw new Error(`K((${i},${k}),(${j},${kk})) = ${got}, phi . phi' = ${expected}: absolute ${err.toExponential(3)}, relative ${(err / scale).toExponential(3)}; ${describeCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
                  }
                }
              }
            }
          }
        }
      }),
      propertyParameters(60),
    );
    recordFigure(ctx, 'worst relative error', worst);
  }, {
    evidence: { 'sec.linear-models': verifiedAgainst('closed form', "K^g((x, k), (x', k')) = (phi(x) . phi(x') + bias) [k = k'] from the feature map, against the Jacobian-contraction kernel at w0 and at an unrelated w") },
  });
});
