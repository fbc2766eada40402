/**
 * xfw.torch — our float64 engine against an implementation we did not write: committed PyTorch float64
 * fixtures (fixtures/torch/, written by generate.py with functorch vmap/jacrev and PyTorch's own layers and
 * losses) for a tanh MLP, a softmax head, NTK multipliers with GELU and softplus, and layer norm with a
 * residual connection under muP. Compared: outputs, per-example gradients, tangent kernels by all three of our
 * methods, loss derivatives, and a short gradient-descent path.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it, type TestContext } from 'vitest';
import { fromRows, UNIT_ROUNDOFF_F64, type Matrix } from '../../src/core/index.js';
import { computeTangentKernel, KERNEL_METHODS } from '../../src/kernels/index.js';
import { lossByName, lossDerivatives, totalLoss } from '../../src/losses/index.js';
import { checkParams, compileModel, jacobian, type Model, type ModelSpecInput } from '../../src/models/index.js';
import { gradientDescent, train } from '../../src/train/index.js';
import { claimTest, recordFigure, verifiedAgainst } from '../arbitraries/claims.js';
import { relativeGap } from './torchFixtures.js';

const FILE = 'properties/frameworks/torch.property.ts';
const DIR = new URL('../../fixtures/torch/', import.meta.url);

// Both sides are float64 implementations of the same formulas that sum in different orders (PyTorch's
// matmul and einsum against our loops) and call different libm's (glibc against V8's). Two computations of a
// length-n sum differ by at most 2 gamma_n times the magnitude of its terms (Higham 3.1; core/tolerance.ts),
// gamma_n = n u, u = 2^-53, and an elementary function by an ulp or two. Here n <= 8, a value passes through at
// most 2 (D + 1) + 2 = 10 such stages (forward and backward through D + 1 <= 4 dense layers, the loss, the
// contraction of a kernel), and the terms of these well-conditioned fixtures are within a factor of about 10
// of the values: 2 * 10 * 8 u * 10 = 1600 u = 1.8e-13. The GD path compounds that over S = 8 steps by at most
// (1 + eps |Hess L|)^S, below 3 here. TORCH_RTOL leaves a factor of about 2 over 1.8e-13 * 3; it is applied
// norm-wise: max |ours - torch| <= TORCH_RTOL max |torch| per quantity. The gaps measured (the figures, also
// in units of u) sit about 1e3 below: the bound is the worst case, in which every rounding has the same sign,
// while roundings of random sign accumulate like sqrt(n), not n, and the terms are rarely 10 times the values.
// It stays worst-case so that an architecture added later needs no new derivation.
const TORCH_RTOL = 1e-12;

interface TorchFixture {
  readonly name: string;
  readonly description: string;
  readonly provenance: Readonly<Record<string, string | number>>;
  readonly spec: ModelSpecInput;
  readonly layout: readonly { name: string; rows: number; cols: number; offset: number }[];
  readonly loss: string;
  readonly params: readonly number[];
  readonly inputs: readonly (readonly number[])[];
  readonly queries: readonly (readonly number[])[];
  readonly targets: readonly (readonly number[])[];
  readonly outputs: readonly (readonly number[])[];
  readonly queryOutputs: readonly (readonly number[])[];
  readonly jacobian: readonly (readonly number[])[];
  readonly tangentKernel: readonly (readonly number[])[];
  readonly crossKernel: readonly (readonly number[])[];
  readonly lossValue: number;
  readonly lossDerivatives: readonly (readonly number[])[];
  readonly gd: {
    readonly eps: number;
    readonly steps: number;
    readonly path: readonly (readonly number[])[];
    readonly losses: readonly number[];
    readonly outputs: readonly (readonly number[])[];
    readonly queryOutputs: readonly (readonly number[])[];
  };
}

const fixtures: TorchFixture[] = readdirSync(DIR)
  .flatMap((f) => (f.endsWith('.json') ? [f] : []))
  .sort()
  .map((f) => JSON.parse(readFileSync(new URL(f, DIR), 'utf8')) as TorchFixture);

function flat(rows: readonly (readonly number[])[]): number[] {
  return rows.flat();
}

interface Loaded {
  readonly fx: TorchFixture;
  readonly model: Model;
  readonly w0: Float64Array;
  readonly X: Matrix;
  readonly Q: Matrix;
}

function load(fx: TorchFixture): Loaded {
  const model = compileModel(fx.spec);
  return { fx, model, w0: checkParams(model, fx.params, `${fx.name}.params`), X: fromRows(fx.inputs), Q: fromRows(fx.queries) };
}

/** Check one quantity, keep the worst gap, and say which fixture and quantity failed. */
function checker(worst: Map<string, number>) {
  return (fx: TorchFixture, what: string, ours: Float64Array | readonly number[], torch: Float64Array | readonly number[]): void => {
    const gap = relativeGap(ours, torch);
    worst.set(what, Math.max(worst.get(what) ?? 0, gap));
    if (!(gap <= TORCH_RTOL)) {
      throw new Error(`${fx.name} (${fx.description}): ${what} differs from PyTorch's by ${gap.toExponential(3)} relative (> ${TORCH_RTOL}); fixture by ${fx.provenance['script']}, torch ${fx.provenance['torch']}; replay: npx vitest run ${FILE}`);
    }
  };
}

function recordWorst(ctx: TestContext, worst: Map<string, number>): void {
  let all = 0;
  for (const [what, gap] of worst) {
    recordFigure(ctx, `worst relative gap: ${what}`, gap);
    all = Math.max(all, gap);
  }
  recordFigure(ctx, 'worst relative gap to PyTorch', all);
  recordFigure(ctx, 'in units of u = 2^-53', Math.round(all / UNIT_ROUNDOFF_F64));
}

describe('agreement with PyTorch float64 fixtures', () => {
  it('the fixtures are present, pinned and in our layout: four architectures with provenance', () => {
    expect(fixtures.map((f) => f.name)).toEqual(['layernorm-residual', 'ntk-gelu', 'softmax-head', 'tanh-mlp']);
    for (const fx of fixtures) {
      const { model } = load(fx);
      expect(model.layout.map((b) => ({ ...b }))).toEqual(fx.layout.map((b) => ({ ...b })));
      expect(fx.provenance['dtype']).toBe('float64');
    }
  });

  const provenance = `${fixtures.length} fixtures by ${fixtures[0]!.provenance['script']} (torch ${fixtures[0]!.provenance['torch']}, functorch ${fixtures[0]!.provenance['functorch']})`;
  claimTest(['xfw.torch', 'def.tangent-kernel'], 'outputs, per-example gradients and tangent kernels (structured, kvp and Jacobian) agree with PyTorch to about 1e-12 relative', (ctx) => {
    const worst = new Map<string, number>();
    const check = checker(worst);
    for (const fx of fixtures) {
      const { model, w0, X, Q } = load(fx);
      check(fx, 'outputs', model.forward(w0, X).data, flat(fx.outputs));
      check(fx, 'query outputs', model.forward(w0, Q).data, flat(fx.queryOutputs));
      check(fx, 'per-example gradients', jacobian(model, w0, X).data, flat(fx.jacobian));
      for (const method of KERNEL_METHODS) {
        const K = computeTangentKernel(model, w0, X, X, method);
        expect(K.method).toBe(method);
        check(fx, `K(X, X) by ${method}`, K.K.data, flat(fx.tangentKernel));
        check(fx, `K(Q, X) by ${method}`, computeTangentKernel(model, w0, Q, X, method).K.data, flat(fx.crossKernel));
      }
    }
    recordWorst(ctx, worst);
    recordFigure(ctx, 'generator', provenance);
  }, {
    evidence: {
      'xfw.torch': verifiedAgainst('PyTorch', `outputs, functorch vmap(jacrev) per-example gradients and J J^T kernels: ${provenance}`),
      'def.tangent-kernel': verifiedAgainst('PyTorch', 'K(X, X) and K(Q, X) by all three of our methods against J(x) J(x\')^T from functorch'),
    },
  });

  claimTest(['xfw.torch', 'step.gd-update'], 'the loss, its derivatives and a gradient-descent path agree with PyTorch to about 1e-12 relative', (ctx) => {
    const worst = new Map<string, number>();
    const check = checker(worst);
    for (const fx of fixtures) {
      const { model, w0, X, Q } = load(fx);
      const loss = lossByName(fx.loss);
      const Y = fromRows(fx.targets);
      const f0 = model.forward(w0, X);
      check(fx, 'loss value', [totalLoss(loss, f0, Y)], [fx.lossValue]);
      check(fx, 'loss derivatives', lossDerivatives(loss, f0, Y).data, flat(fx.lossDerivatives));
      const problem = { model, loss, xTrain: X, yTrain: Y };
      const run = train(problem, w0, { optimizer: { kind: 'gd' }, eps: fx.gd.eps, steps: fx.gd.steps, record: true });
      expect(run.path!.length).toBe(fx.gd.path.length);
      run.path!.forEach((w, s) => check(fx, 'GD path w_s', w, fx.gd.path[s]!));
      // gradientDescent, the loop of the gradient-flow limit (P2), against the same path.
      const gd = gradientDescent(problem, w0, { eps: fx.gd.eps, steps: fx.gd.steps, record: true });
      expect(gd.path!.length).toBe(fx.gd.path.length);
      gd.path!.forEach((w, s) => check(fx, 'gradientDescent path w_s', w, fx.gd.path[s]!));
      check(fx, 'GD losses', run.losses, fx.gd.losses);
      check(fx, 'outputs at w_S', model.forward(run.wS, X).data, flat(fx.gd.outputs));
      check(fx, 'query outputs at w_S', model.forward(run.wS, Q).data, flat(fx.gd.queryOutputs));
    }
    recordWorst(ctx, worst);
  }, {
    evidence: {
      'xfw.torch': verifiedAgainst('PyTorch', `loss values and dL/dy (PyTorch's loss functions, torch.autograd.grad) and 8-step GD paths: ${provenance}`),
      'step.gd-update': verifiedAgainst('PyTorch', 'train (gd) and gradientDescent (the P2 loop) against GD paths w_s - eps torch.autograd.grad(L, w_s)'),
    },
  });

  it('the comparison can fail: one parameter moved by 1e-8 of itself shows far above the tolerance', () => {
    // A defect of the size of a wrong constant in the ninth digit must be visible: move one weight of the
    // first layer by 1e-8 of itself.
    const fx = fixtures.find((f) => f.name === 'ntk-gelu')!;
    const { model, w0, X } = load(fx);
    const moved = w0.slice();
    moved[0] = moved[0]! * (1 + 1e-8);
    expect(relativeGap(jacobian(model, w0, X).data, flat(fx.jacobian))).toBeLessThanOrEqual(TORCH_RTOL);
    expect(relativeGap(jacobian(model, moved, X).data, flat(fx.jacobian))).toBeGreaterThan(10 * TORCH_RTOL);
  });
});
