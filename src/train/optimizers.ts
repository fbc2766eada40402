/**
 * Optimisers as maps from the step's gradient g_s to its update Delta w_s = w_{s+1} - w_s, each with its
 * update written as the exact discrete representation needs it: a preconditioner P_s (diagonal) times a
 * linear combination of the gradients of steps r <= s. Conventions follow PyTorch's, so that a user's
 * training run maps onto these formulas; the updates and their rules are checked step by step against
 * torch.optim (float64 fixtures, properties/frameworks/torchOptim.property.ts) and TensorFlow.js's optimisers
 * (float32, properties/frameworks/tfjsOptimizers.property.ts).
 *
 * - gd / sgd: Delta w = -eps g_s.
 * - momentum (heavy ball): v_s = beta v_{s-1} + g_s, Delta w = -eps v_s;
 *   Nesterov: Delta w = -eps (g_s + beta v_s).
 * - adam: m_s = b1 m + (1 - b1) g, v_s = b2 v + (1 - b2) g^2, Delta w = -eps P_s m_s / (1 - b1^(s+1)) with
 *   P_s = diag(1 / (sqrt(v_s / (1 - b2^(s+1))) + epsilon));
 *   adamw adds the decoupled decay -eps lambda w_s.
 *
 * @module
 * @claim disc.momentum-exact
 * @claim disc.adam-exact
 */
import { SpecError } from '../core/specError.js';

/** An optimiser and its settings. */
export type OptimizerSpec =
  | { readonly kind: 'gd' }
  | { readonly kind: 'momentum'; readonly beta: number; readonly nesterov?: boolean }
  | { readonly kind: 'adam'; readonly beta1?: number; readonly beta2?: number; readonly epsilon?: number }
  | { readonly kind: 'adamw'; readonly beta1?: number; readonly beta2?: number; readonly epsilon?: number; readonly weightDecay: number };

/**
 * How step s's update is built from the gradients, for the exact representation:
 * Delta w_s = -eps P_s (sum_r c_{s,r} g_r) - eps lambda_dec w_s, where the combination is carried as
 * `carry` (the running sum after this step: M_s = decay M_{s-1} + gain g_s) and the update uses
 * `mix` M_s + `direct` g_s.
 */
export interface UpdateRule {
  /** M_s = decay * M_{s-1} + gain * g_s. */
  readonly decay: number;
  readonly gain: number;
  /** The update's combination: mix * M_s + direct * g_s (before the preconditioner). */
  readonly mix: number;
  readonly direct: number;
  /** Diagonal preconditioner P_s (null for the identity). */
  readonly preconditioner: Float64Array | null;
  /** Decoupled weight decay lambda (AdamW), 0 otherwise. */
  readonly decoupledDecay: number;
}

/** A running optimiser. */
export interface Optimizer {
  readonly spec: OptimizerSpec;
  /** Consume step s's gradient at w_s; return the update Delta w_s and the rule that produced it. */
  step(gradient: Float64Array, w: Float64Array, eps: number): { update: Float64Array; rule: UpdateRule };
}

function check(cond: boolean, field: string, problem: string): void {
  if (!cond) throw new SpecError(field, problem);
}

/** A fresh optimiser for d parameters. */
export function createOptimizer(spec: OptimizerSpec, d: number, field = 'training.optimizer'): Optimizer {
  if (spec.kind === 'gd') {
    return {
      spec,
      step: (g, _w, eps) => ({ update: g.map((v) => -eps * v), rule: { decay: 0, gain: 1, mix: 1, direct: 0, preconditioner: null, decoupledDecay: 0 } }),
    };
  }
  if (spec.kind === 'momentum') {
    const { beta } = spec;
    check(beta >= 0 && beta < 1, `${field}.beta`, `${beta} is not in [0, 1)`);
    const v = new Float64Array(d);
    const nesterov = spec.nesterov === true;
    return {
      spec,
      step: (g, _w, eps) => {
        // Stryker disable next-line EqualityOperator: j <= d only writes v[d], past the end of a Float64Array of length d, which JavaScript ignores (equivalent)
        for (let j = 0; j < d; j++) v[j] = beta * v[j]! + g[j]!;
        const update = new Float64Array(d);
        // Stryker disable next-line EqualityOperator: j <= d only writes update[d], past the end of a Float64Array of length d, which JavaScript ignores (equivalent)
        for (let j = 0; j < d; j++) update[j] = -eps * (nesterov ? g[j]! + beta * v[j]! : v[j]!);
        const rule = nesterov ? { mix: beta, direct: 1 } : { mix: 1, direct: 0 };
        return { update, rule: { decay: beta, gain: 1, ...rule, preconditioner: null, decoupledDecay: 0 } };
      },
    };
  }
  const beta1 = spec.beta1 ?? 0.9;
  const beta2 = spec.beta2 ?? 0.999;
  const epsilon = spec.epsilon ?? 1e-8;
  const decoupled = spec.kind === 'adamw' ? spec.weightDecay : 0;
  check(beta1 >= 0 && beta1 < 1, `${field}.beta1`, `${beta1} is not in [0, 1)`);
  check(beta2 >= 0 && beta2 < 1, `${field}.beta2`, `${beta2} is not in [0, 1)`);
  check(epsilon > 0, `${field}.epsilon`, `${epsilon} is not positive`);
  check(decoupled >= 0, `${field}.weightDecay`, `${decoupled} is negative`);
  const m = new Float64Array(d);
  const v = new Float64Array(d);
  let t = 0;
  return {
    spec,
    step: (g, w, eps) => {
      t++;
      const c1 = 1 - beta1 ** t;
      const c2 = 1 - beta2 ** t;
      const P = new Float64Array(d);
      const update = new Float64Array(d);
      // Stryker disable next-line EqualityOperator: j <= d only writes m[d], v[d], P[d] and update[d], past the ends of Float64Arrays of length d, which JavaScript ignores (equivalent)
      for (let j = 0; j < d; j++) {
        m[j] = beta1 * m[j]! + (1 - beta1) * g[j]!;
        v[j] = beta2 * v[j]! + (1 - beta2) * g[j]! * g[j]!;
        P[j] = 1 / (Math.sqrt(v[j]! / c2) + epsilon);
        update[j] = -eps * (P[j]! * (m[j]! / c1) + decoupled * w[j]!);
      }
      return { update, rule: { decay: beta1, gain: 1 - beta1, mix: 1 / c1, direct: 0, preconditioner: P, decoupledDecay: decoupled } };
    },
  };
}
