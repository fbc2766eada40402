/**
 * engine.autodiff — the engine's reverse mode (gradients, VJPs) and forward mode (JVPs) are right, checked
 * against two oracles we did not write the same way: Richardson-extrapolated central finite differences on
 * generated smooth models, and mathjs's symbolic derivative of generated scalar expressions in w and x.
 * Every later claim (the tangent kernel, the chain rule of P3, the flow) stands on these derivatives.
 */
import fc from 'fast-check';
import { derivative } from 'mathjs';
import { describe } from 'vitest';
import { dot, matrix, rng, richardsonDerivative } from '../../src/core/index.js';
import { Tape, ops, type Node } from '../../src/autodiff/index.js';
import { outputJvp, outputVjp } from '../../src/models/index.js';
import { claimTest, recordFigure } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { describeCase, matrixArb, modelCaseArb, modelSpecArb } from '../arbitraries/models.js';

const FILE = 'properties/engine/autodiff.property.ts';

// Finite differences with h = 1e-5 and one Richardson step: rounding about u |f| / h ~ 2e-11 relative to
// the output scale; truncation about h^4 |f^(5)| / 30, which stays below 1e-9 even for normalisation over two
// values (a sign function smoothed on the scale sqrt(1e-5), whose fifth derivative reaches ~1e12). A step of
// 1e-3 is not small enough there: it measures the smoothing, not the derivative. 1e-6 leaves a margin while
// any wrong derivative rule is off by O(1).
const FD_STEP = 1e-5;
const FD_RTOL = 1e-6;

// Symbolic and algorithmic derivatives of the same expression differ only by the order of rounded
// operations: a few u per operation of a depth-4 tree, relative to the magnitude of the terms. Terms can
// cancel, so the bound is taken relative to 1 + |a| + |b|, with a 1e3 margin over ~1e-13.
const SYMBOLIC_RTOL = 1e-10;

describe('the engine differentiates correctly', () => {
  claimTest(['engine.autodiff'], 'gradients (VJP) and JVPs of generated smooth models agree with finite differences', (ctx) => {
    let worst = 0;
    fc.assert(
      fc.property(modelCaseArb(modelSpecArb({ batchNorm: true }), 2), fc.nat({ max: 2 ** 31 - 1 }), (c, dirSeed) => {
        const r = rng(dirSeed);
        const v = Float64Array.from({ length: c.model.paramCount }, () => r.normal());
        const O = c.model.outputDim;
        const G = matrix(c.X.rows, O, Array.from({ length: c.X.rows * O }, () => r.normal()));
        const along = (tau: number): Float64Array => {
          const w = c.w.map((wi, i) => wi + tau * v[i]!);
          return c.model.forward(w, c.X).data;
        };
        const fd = richardsonDerivative(along, FD_STEP);
        const jvp = outputJvp(c.model, c.w, c.X, v).data;
        const gv = dot(outputVjp(c.model, c.w, c.X, G), v);
        const fdG = dot(fd, G.data);
        const scale = 1 + Math.max(...Array.from(fd, Math.abs));
        for (let i = 0; i < fd.length; i++) {
          const err = Math.abs(jvp[i]! - fd[i]!);
          worst = Math.max(worst, err / scale);
          if (err > FD_RTOL * scale) {
            throw new Error(`JVP entry ${i}: ${jvp[i]} vs finite differences ${fd[i]}: absolute ${err.toExponential(3)}, relative ${(err / scale).toExponential(3)}; ${describeCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          }
        }
        const gScale = 1 + Math.abs(fdG) + Math.abs(gv);
        const gErr = Math.abs(gv - fdG);
        if (gErr > FD_RTOL * gScale) {
          throw new Error(`VJP: G . J v = ${gv} vs finite differences ${fdG}: absolute ${gErr.toExponential(3)}, relative ${(gErr / gScale).toExponential(3)}; ${describeCase(c)}; seed ${SEED}`);
        }
      }),
      propertyParameters(60),
    );
    recordFigure(ctx, 'worst relative error vs finite differences', worst);
  });

  claimTest(['engine.autodiff'], 'the VJP is the adjoint of the JVP: <G, J v> = <J^T G, v> to rounding', () => {
    fc.assert(
      fc.property(modelCaseArb(modelSpecArb({ batchNorm: true, relu: true }), 2), fc.nat(), (c, s) => {
        const r = rng(s);
        const v = Float64Array.from({ length: c.model.paramCount }, () => r.normal());
        const G = matrix(c.X.rows, c.model.outputDim, Array.from({ length: c.X.rows * c.model.outputDim }, () => r.normal()));
        const lhs = dot(G.data, outputJvp(c.model, c.w, c.X, v).data);
        const rhs = dot(outputVjp(c.model, c.w, c.X, G), v);
        const jv = outputJvp(c.model, c.w, c.X, v).data;
        // Both sides sum the same products in different orders: bound by gamma-type error on the magnitudes.
        const mag = jv.reduce((s, x, i) => s + Math.abs(x * G.data[i]!), 0) + 1e-300;
        const tol = 64 * (c.model.paramCount + c.model.layout.length * 8) * 2 ** -53 * Math.max(mag, Math.abs(lhs), 1);
        if (Math.abs(lhs - rhs) > tol) throw new Error(`<G, Jv> = ${lhs} but <J^T G, v> = ${rhs}; ${describeCase(c)}; seed ${SEED}`);
      }),
      propertyParameters(60),
    );
  });

  claimTest(['engine.autodiff'], 'gradients and JVPs of generated expressions match mathjs symbolic derivatives', (ctx) => {
    let worst = 0;
    fc.assert(
      fc.property(expressionArb(), matrixArb(1, 3, 1), fc.integer({ min: -2000, max: 2000 }), (expr, wMat, xk) => {
        const vars = { w0: wMat.data[0]!, w1: wMat.data[1]!, w2: wMat.data[2]!, x: xk / 1000 };
        const tape = new Tape();
        const nodes: Record<string, Node> = {
          w0: tape.variable(matrix(1, 1, [vars.w0])),
          w1: tape.variable(matrix(1, 1, [vars.w1])),
          w2: tape.variable(matrix(1, 1, [vars.w2])),
          x: tape.constant(matrix(1, 1, [vars.x])),
        };
        const out = expr.build(tape, nodes);
        if (!Number.isFinite(out.value.data[0]!)) return;
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
