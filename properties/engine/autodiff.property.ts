/**
 * engine.autodiff — the engine's reverse mode (gradients, VJPs) and forward mode (JVPs) are right, checked
 * against two oracles we did not write the same way: Richardson-extrapolated central finite differences on
 * generated smooth models, and mathjs's symbolic derivative of generated scalar expressions in w and x.
 * Every later claim (the tangent kernel, the chain rule of P3, the flow) stands on these derivatives.
 */
import fc from 'fast-check';
import { derivative } from 'mathjs';
import { describe } from 'vitest';
import { dot, matrix, rng, richardsonDerivativeEstimated } from '../../src/core/index.js';
import { Tape, ops, type Node } from '../../src/autodiff/index.js';
import { outputJvp, outputVjp } from '../../src/models/index.js';
import { claimTest, recordFigure, verifiedAgainst } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { caseLedger } from '../arbitraries/ledger.js';
import { describeCase, matrixArb, modelCaseArb, modelSpecArb } from '../arbitraries/models.js';

const FILE = 'properties/engine/autodiff.property.ts';

// Finite differences with h = 1e-5 and one Richardson step: rounding about u |f| / h ~ 2e-11 relative to
// the output scale; truncation about h^4 |f^(5)| / 30, below 1e-9 for smooth activations. A step of 1e-3 is
// not small enough for normalisation over two values (a sign function smoothed on the scale sqrt(1e-5)): it
// measures the smoothing, not the derivative. 1e-6 leaves a margin while any wrong derivative rule is off by
// O(1). Near the centre of that smoothed sign, stacked in two layers, the fifth derivative is large enough
// that the truncation reaches 1e-6 (deep mode, seed 1): there the differences are held to their own error
// estimate |R(h) - R(h/2)| (an over-estimate of R(h/2)'s truncation error by about 15), and the case is
// counted as widened.
const FD_STEP = 1e-5;
const FD_RTOL = 1e-6;

// Symbolic and algorithmic derivatives of the same expression differ only by the order of rounded
// operations: a few u per operation of a depth-4 tree (at most 15 operations), relative to the magnitude of
// the chain rule's terms. Terms can cancel, so the bound is taken relative to 1 + |a| + |b|, which does not
// see the terms: its slack (observed errors about 4e-16, 1e5 below) is the room left for a cancellation
// factor of up to 1e5 between the terms and the result, which nested exp and products of depth 4 can reach
// (exp(exp(2)) ~ 1.6e3 per level). A wrong derivative rule is off by O(1) relative, 1e10 above.
const SYMBOLIC_RTOL = 1e-10;

// The adjoint test: <G, J v> and <J^T G, v> are the same sum of products over every path through the model,
// associated differently; each side's rounding is at most gamma(n) of the sum of absolute products for n
// about d plus 8 terms per layer. ADJOINT_SAFETY covers the stages inside a layer (normalisation, softmax)
// that the count leaves out.
const ADJOINT_SAFETY = 64;

describe('the engine differentiates correctly', () => {
  claimTest(['engine.autodiff'], 'gradients (VJP) and JVPs of generated smooth models agree with finite differences', (ctx) => {
    let worst = 0;
    const ledger = caseLedger(ctx, 'generated models against finite differences', FILE);
    fc.assert(
      fc.property(modelCaseArb(modelSpecArb({ batchNorm: true }), 2), fc.nat({ max: 2 ** 31 - 1 }), (c, dirSeed) => {
        ledger.draw();
        const r = rng(dirSeed);
        const v = Float64Array.from({ length: c.model.paramCount }, () => r.normal());
        const O = c.model.outputDim;
        const G = matrix(c.X.rows, O, Array.from({ length: c.X.rows * O }, () => r.normal()));
        const along = (tau: number): Float64Array => {
          const w = c.w.map((wi, i) => wi + tau * v[i]!);
          return c.model.forward(w, c.X).data;
        };
        const { value: fd, error: fdError } = richardsonDerivativeEstimated(along, FD_STEP);
        let widened = false;
        const jvp = outputJvp(c.model, c.w, c.X, v).data;
        const gv = dot(outputVjp(c.model, c.w, c.X, G), v);
        const fdG = dot(fd, G.data);
        const scale = 1 + Math.max(...Array.from(fd, Math.abs));
        for (let i = 0; i < fd.length; i++) {
          const err = Math.abs(jvp[i]! - fd[i]!);
          worst = Math.max(worst, err / scale);
          if (err > FD_RTOL * scale) widened = true;
          if (err > FD_RTOL * scale + fdError[i]!) {
            throw new Error(`JVP entry ${i}: ${jvp[i]} vs finite differences ${fd[i]}: absolute ${err.toExponential(3)}, relative ${(err / scale).toExponential(3)}; ${describeCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          }
        }
        const gScale = 1 + Math.abs(fdG) + Math.abs(gv);
        const gErr = Math.abs(gv - fdG);
        const gEstimate = fdError.reduce((acc, e, i) => acc + e * Math.abs(G.data[i]!), 0);
        if (gErr > FD_RTOL * gScale) widened = true;
        if (gErr > FD_RTOL * gScale + gEstimate) {
          throw new Error(`VJP: G . J v = ${gv} vs finite differences ${fdG}: absolute ${gErr.toExponential(3)}, relative ${(gErr / gScale).toExponential(3)}; ${describeCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
        }
        if (widened) ledger.widen("held to the differences' own error estimate (truncation through a smoothed sign)");
      }),
      propertyParameters(60),
    );
    recordFigure(ctx, 'worst relative error vs finite differences', worst);
  }, {
    evidence: { 'engine.autodiff': verifiedAgainst('finite differences', 'J v and G . J v on generated smooth models (batch norm included) against Richardson-extrapolated central differences of the forward pass along v') },
  });

  claimTest(['engine.autodiff'], 'the VJP is the adjoint of the JVP: <G, J v> = <J^T G, v> to rounding', (ctx) => {
    let worstRatio = 0;
    fc.assert(
      fc.property(modelCaseArb(modelSpecArb({ batchNorm: true, relu: true }), 2), fc.nat(), (c, s) => {
        const r = rng(s);
        const v = Float64Array.from({ length: c.model.paramCount }, () => r.normal());
        const G = matrix(c.X.rows, c.model.outputDim, Array.from({ length: c.X.rows * c.model.outputDim }, () => r.normal()));
        const jv = outputJvp(c.model, c.w, c.X, v).data;
        const lhs = dot(G.data, jv);
        const rhs = dot(outputVjp(c.model, c.w, c.X, G), v);
        // Both sides sum the same products in different orders: bound by gamma-type error on the magnitudes.
        const mag = jv.reduce((acc, x, i) => acc + Math.abs(x * G.data[i]!), 0) + 1e-300;
        const tol = ADJOINT_SAFETY * (c.model.paramCount + c.model.layout.length * 8) * 2 ** -53 * Math.max(mag, Math.abs(lhs), 1);
        const err = Math.abs(lhs - rhs);
        worstRatio = Math.max(worstRatio, err / tol);
        if (err > tol) throw new Error(`<G, Jv> = ${lhs} but <J^T G, v> = ${rhs}: absolute ${err.toExponential(3)}, relative ${(err / Math.max(mag, 1)).toExponential(3)}; ${describeCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
      }),
      propertyParameters(60),
    );
    recordFigure(ctx, 'worst error over its rounding bound', worstRatio);
  }, {
    evidence: {
      'engine.autodiff': verifiedAgainst(
        'second implementation',
        "each primitive's forward-mode rule (JVP) against its reverse-mode rule (VJP), written separately (ReLU and batch norm included); the elementwise activations' two rules read one derivative table, which the finite-difference and mathjs tests check",
      ),
    },
  });

  claimTest(['engine.autodiff'], 'gradients and JVPs of generated expressions match mathjs symbolic derivatives', (ctx) => {
    let worst = 0;
    const ledger = caseLedger(ctx, 'generated expressions', FILE);
    fc.assert(
      fc.property(expressionArb(), matrixArb(1, 3, 1), fc.integer({ min: -2000, max: 2000 }), (expr, wMat, xk) => {
        ledger.draw();
        const vars = { w0: wMat.data[0]!, w1: wMat.data[1]!, w2: wMat.data[2]!, x: xk / 1000 };
        const tape = new Tape();
        const nodes: Record<string, Node> = {
          w0: tape.variable(matrix(1, 1, [vars.w0])),
          w1: tape.variable(matrix(1, 1, [vars.w1])),
          w2: tape.variable(matrix(1, 1, [vars.w2])),
          x: tape.constant(matrix(1, 1, [vars.x])),
        };
        const out = expr.build(tape, nodes);
        // exp of exp of ... overflows: no derivative to compare, counted.
        if (!Number.isFinite(out.value.data[0]!)) ledger.skip('the expression overflows float64');
        const adj = tape.backward(out, matrix(1, 1, [1]));
        for (const name of ['w0', 'w1', 'w2'] as const) {
          const symbolic = Number(derivative(expr.text, name).evaluate(vars));
          const reverse = adj.get(nodes[name]!.id)?.data[0] ?? 0;
          const forward = tape.jvp(new Map([[nodes[name]!, matrix(1, 1, [1])]]), out).data[0]!;
          for (const [mode, value] of [['reverse', reverse], ['forward', forward]] as const) {
            const err = Math.abs(value - symbolic);
            const scale = 1 + Math.abs(value) + Math.abs(symbolic);
            worst = Math.max(worst, err / scale);
            if (!(err <= SYMBOLIC_RTOL * scale)) {
              throw new Error(`${mode} d/d${name} of ${expr.text} at ${JSON.stringify(vars)}: ${value} vs mathjs ${symbolic}, absolute ${err.toExponential(3)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
            }
          }
        }
      }),
      propertyParameters(200),
    );
    recordFigure(ctx, 'worst relative error vs mathjs', worst);
  }, {
    evidence: { 'engine.autodiff': verifiedAgainst('mathjs', "reverse and forward mode on generated expressions in sin, cos, tanh, exp, squares, +, -, * against mathjs's symbolic derivative evaluated at the same point") },
  });
});

interface Expr {
  readonly text: string;
  build(tape: Tape, nodes: Record<string, Node>): Node;
}

// fast-check prints a counterexample with this method: show the expression, not the closure.
function named(e: Expr): Expr {
  return Object.assign(e, { [fc.toStringMethod]: () => e.text });
}

const UNARY = ['sin', 'cos', 'tanh', 'exp', 'square'] as const;

function expressionArb(): fc.Arbitrary<Expr> {
  const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      fc.constantFrom('w0', 'w1', 'w2', 'x').map((v): Expr => named({ text: v, build: (_t, n) => n[v]! })),
      fc.integer({ min: -20, max: 20 }).map((k): Expr => named({ text: `(${k / 10})`, build: (t) => t.constant(matrix(1, 1, [k / 10])) })),
      fc.tuple(fc.constantFrom(...UNARY), tie('expr')).map(([f, e]): Expr => named({
        text: f === 'square' ? `(${e.text})^2` : `${f}(${e.text})`,
        build: (t, n) => ops.apply(f, e.build(t, n)),
      })),
      fc.tuple(fc.constantFrom('+', '-', '*'), tie('expr'), tie('expr')).map(([op, a, b]): Expr => named({
        text: `(${a.text} ${op} ${b.text})`,
        build: (t, n) => {
          const l = a.build(t, n);
          const r = b.build(t, n);
          return op === '+' ? ops.add(l, r) : op === '-' ? ops.sub(l, r) : ops.mul(l, r);
        },
      })),
    ),
  }));
  return expr;
}
