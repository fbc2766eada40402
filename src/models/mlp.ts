/**
 * The multilayer perceptron: hidden layers dense -> (normalisation) -> activation (-> + residual), then a
 * linear output layer with one unit per output.
 *
 * @module
 */
import type { Matrix } from '../core/matrix.js';
import type { Rng } from '../core/rng.js';
import { Tape, ops, type Node } from '../autodiff/index.js';
import { LayoutBuilder, bindParams } from './layout.js';
import { layerScale, type LayerPosition, type LayerScale } from './parametrisation.js';
import type { Model, Site, Trace } from './model.js';
import type { MlpSpec } from './spec.js';

interface DensePlan {
  readonly W: number;
  readonly b: number | null;
  readonly scale: LayerScale;
}

interface HiddenPlan {
  readonly dense: DensePlan;
  readonly norm: { readonly gain: number; readonly shift: number } | null;
}

/** Compile a validated MLP spec. */
export function compileMlp(spec: MlpSpec): Model {
  const builder = new LayoutBuilder();
  const depth = spec.layers.length;
  const position = (l: number): LayerPosition => (depth === 0 ? 'only' : l === 0 ? 'input' : l === depth ? 'output' : 'hidden');
  const planDense = (l: number, name: string, fanIn: number, fanOut: number): DensePlan => {
    const W = builder.add(`${name}.W`, fanOut, fanIn);
    const b = spec.bias ? builder.add(`${name}.b`, 1, fanOut) : null;
    return { W, b, scale: layerScale(spec.parametrisation, position(l), fanIn, fanOut, spec.weightGain, spec.biasStd) };
  };
  let width = spec.inputDim;
  const hidden: HiddenPlan[] = spec.layers.map((layer, l) => {
    const dense = planDense(l, `layer${l + 1}`, width, layer.width);
    width = layer.width;
    if (layer.norm === 'none') return { dense, norm: null };
    return { dense, norm: { gain: builder.add(`layer${l + 1}.norm.gain`, 1, layer.width), shift: builder.add(`layer${l + 1}.norm.shift`, 1, layer.width) } };
  });
  const out = planDense(depth, 'out', width, spec.outputDim);
  const layout = builder.blocks;
  // 'per-example' keeps batch norm's forward value and freezes its statistics in the derivatives.
  const batchStatistics = spec.batchNormGradients === 'per-example' ? 'frozen' : 'coupled';

  const trace = (w: Float64Array, X: Matrix): Trace => {
    if (X.cols !== spec.inputDim) throw new RangeError(`inputs: expected ${spec.inputDim} columns, got ${X.cols}`);
    const tape = new Tape();
    const params = bindParams(tape, layout, w);
    const sites: Site[] = [];
    const denseLayer = (h: Node, plan: DensePlan): Node => {
      const z = ops.dense(h, params[plan.W]!, plan.b === null ? null : params[plan.b]!, plan.scale.alpha, plan.scale.beta);
      sites.push({ kind: 'dense', input: h, output: z, alpha: plan.scale.alpha, beta: plan.b === null ? 0 : plan.scale.beta });
      return z;
    };
    let h = tape.constant(X, 'inputs');
    spec.layers.forEach((layer, l) => {
      const plan = hidden[l]!;
      let z = denseLayer(h, plan.dense);
      if (plan.norm) {
        const u = layer.norm === 'layer' ? ops.layerNorm(z, spec.normEps) : ops.batchNorm(z, spec.normEps, batchStatistics);
        z = ops.affineCols(u, params[plan.norm.gain]!, params[plan.norm.shift]!);
        sites.push({ kind: 'affine', input: u, output: z });
      }
      const a = ops.apply(layer.activation, z);
      h = layer.residual ? ops.add(h, a) : a;
    });
    const output = denseLayer(h, out);
    return { tape, output, params, sites };
  };

  const init = (rng: Rng): Float64Array => {
    const w = new Float64Array(builder.size);
    const fill = (block: number, std: number, mean = 0): void => {
      const b = layout[block]!;
      for (let i = 0; i < b.rows * b.cols; i++) w[b.offset + i] = mean + std * (std === 0 ? 0 : rng.normal());
    };
    for (const plan of [...hidden.map((h) => h.dense), out]) {
      fill(plan.W, plan.scale.weightStd);
      if (plan.b !== null) fill(plan.b, plan.scale.biasStd);
    }
    for (const plan of hidden) {
      if (!plan.norm) continue;
      fill(plan.norm.gain, 0, 1);
      fill(plan.norm.shift, 0, 0);
    }
    return w;
  };

  return {
    spec,
    inputDim: spec.inputDim,
    outputDim: spec.outputDim,
    paramCount: builder.size,
    layout,
    batchCoupled: spec.layers.some((l) => l.norm === 'batch'),
    structured: true,
    init,
    trace,
    forward: (w, X) => trace(w, X).output.value,
  };
}
