/**
 * The architecture spec compiled to TensorFlow.js: f_w(X) as a TensorFlow.js function of one flat float32
 * parameter tensor and the inputs, with the SAME flat layout as the float64 engine (models/model.ts: per layer
 * W row-major [out, in], then b [out]; a normalisation's gain then shift after its dense layer; the sine
 * model [a, b, c]). Weights therefore move both ways: float64 -> float32 rounds each entry to the nearest
 * float32, and float32 -> float64 is exact.
 *
 * The TensorFlow.js graph follows the spec, not the float64 engine's code: a dense layer is
 * z = alpha h W^T + beta b with the multipliers of the spec's parametrisation (standard, ntk, mup), then
 * layer or batch normalisation with gain and shift, the activation (GELU in its tanh form), and the residual
 * connection; TensorFlow.js's own automatic differentiation supplies the gradients.
 *
 * @module
 * @claim xfw.tfjs
 */
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { matrix, type Matrix } from '../core/matrix.js';
import { layerScale, type HiddenLayerSpec, type LayerPosition, type MlpSpec, type Model, type ParamBlock } from '../models/index.js';
import type { Tf } from './backend.js';

/** A model compiled to TensorFlow.js. */
export interface TfjsModel {
  readonly tf: Tf;
  /** The float64 model whose spec and parameter layout this shares. */
  readonly model: Model;
  /** f_w(X), N x outputDim, from the flat parameter tensor (length d) and the inputs (N x inputDim), in float32. */
  apply(params: Tensor1D, X: Tensor2D): Tensor2D;
}

type Activation = HiddenLayerSpec['activation'];

// GELU's tanh form, as in the float64 engine and PyTorch's approximate='tanh'.
const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

const ACTIVATIONS: Readonly<Record<Activation, (tf: Tf, x: Tensor2D) => Tensor2D>> = {
  identity: (_tf, x) => x,
  tanh: (tf, x) => tf.tanh(x),
  sigmoid: (tf, x) => tf.sigmoid(x),
  softplus: (tf, x) => tf.softplus(x),
  sin: (tf, x) => tf.sin(x),
  relu: (tf, x) => tf.relu(x),
  square: (tf, x) => tf.square(x),
  gelu: (tf, x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(tf.add(x, tf.mul(GELU_C, tf.mul(x, tf.square(x)))), GELU_K)))),
};

/** The expected layout of an MLP spec, built from the spec alone (checked against the float64 model's). */
function mlpLayout(spec: MlpSpec): ParamBlock[] {
  const blocks: ParamBlock[] = [];
  let offset = 0;
  const add = (name: string, rows: number, cols: number): void => {
    blocks.push({ name, rows, cols, offset });
    offset += rows * cols;
  };
  let width = spec.inputDim;
  spec.layers.forEach((layer, l) => {
    add(`layer${l + 1}.W`, layer.width, width);
    if (spec.bias) add(`layer${l + 1}.b`, 1, layer.width);
    if (layer.norm !== 'none') {
      add(`layer${l + 1}.norm.gain`, 1, layer.width);
      add(`layer${l + 1}.norm.shift`, 1, layer.width);
    }
    width = layer.width;
  });
  add('out.W', spec.outputDim, width);
  if (spec.bias) add('out.b', 1, spec.outputDim);
  return blocks;
}

function checkLayout(model: Model, expected: readonly ParamBlock[]): void {
  const actual = model.layout;
  const same = actual.length === expected.length && expected.every((b, i) => {
    const a = actual[i]!;
    return a.name === b.name && a.rows === b.rows && a.cols === b.cols && a.offset === b.offset;
  });
  if (!same) {
    const show = (l: readonly ParamBlock[]) => l.map((b) => `${b.name}[${b.rows},${b.cols}]@${b.offset}`).join(' ');
    throw new RangeError(`TensorFlow.js model: the float64 model's layout (${show(actual)}) differs from the documented layout (${show(expected)})`);
  }
}

function compileMlpTfjs(tf: Tf, model: Model, spec: MlpSpec): TfjsModel {
  const layout = mlpLayout(spec);
  checkLayout(model, layout);
  if (spec.layers.some((l) => l.norm === 'batch') && spec.batchNormGradients === 'per-example') {
    throw new RangeError("TensorFlow.js model: batchNormGradients 'per-example' freezes the batch statistics in the derivatives, which TensorFlow.js's autodiff cannot do; use 'total'");
  }
  const byName = new Map(layout.map((b) => [b.name, b]));
  const depth = spec.layers.length;
  const position = (l: number): LayerPosition => (depth === 0 ? 'only' : l === 0 ? 'input' : l === depth ? 'output' : 'hidden');
  const widths = [spec.inputDim, ...spec.layers.map((l) => l.width)];
  const scales = widths.map((fanIn, l) => layerScale(spec.parametrisation, position(l), fanIn, l < depth ? spec.layers[l]!.width : spec.outputDim, spec.weightGain, spec.biasStd));

  const apply = (params: Tensor1D, X: Tensor2D): Tensor2D => {
    if (X.shape[1] !== spec.inputDim) throw new RangeError(`inputs: expected ${spec.inputDim} columns, got ${X.shape[1]}`);
    if (params.shape[0] !== model.paramCount) throw new RangeError(`parameters: expected ${model.paramCount} values, got ${params.shape[0]}`);
    const take = (name: string): Tensor2D => {
      const b = byName.get(name)!;
      return tf.reshape(tf.slice(params, [b.offset], [b.rows * b.cols]), [b.rows, b.cols]);
    };
    const dense = (h: Tensor2D, prefix: string, l: number): Tensor2D => {
      const { alpha, beta } = scales[l]!;
      let z: Tensor2D = tf.matMul(h, take(`${prefix}.W`), false, true);
      if (alpha !== 1) z = tf.mul(z, alpha);
      if (spec.bias) z = tf.add(z, beta === 1 ? take(`${prefix}.b`) : tf.mul<Tensor2D>(take(`${prefix}.b`), beta));
      return z;
    };
    // (z - mean) / sqrt(var + eps) over an axis (1: layer norm, per example; 0: batch norm, per feature), with
    // the biased variance, as PyTorch and the float64 engine.
    const normalise = (z: Tensor2D, axis: number): Tensor2D => {
      const centred = tf.sub(z, tf.mean(z, axis, true));
      return tf.div(centred, tf.sqrt(tf.add(tf.mean(tf.square(centred), axis, true), spec.normEps)));
    };
    let h = X;
    spec.layers.forEach((layer, l) => {
      let z = dense(h, `layer${l + 1}`, l);
      if (layer.norm !== 'none') {
        const u = normalise(z, layer.norm === 'layer' ? 1 : 0);
        z = tf.add(tf.mul(u, take(`layer${l + 1}.norm.gain`)), take(`layer${l + 1}.norm.shift`));
      }
      const a = ACTIVATIONS[layer.activation](tf, z);
      h = layer.residual ? tf.add(h, a) : a;
    });
    return dense(h, 'out', depth);
  };
  return { tf, model, apply };
}

function compileSineTfjs(tf: Tf, model: Model): TfjsModel {
  checkLayout(model, [
    { name: 'a', rows: 1, cols: 1, offset: 0 },
    { name: 'b', rows: 1, cols: 1, offset: 1 },
    { name: 'c', rows: 1, cols: 1, offset: 2 },
  ]);
  const apply = (params: Tensor1D, X: Tensor2D): Tensor2D => {
    if (X.shape[1] !== 1) throw new RangeError(`inputs: the sine model takes 1 column, got ${X.shape[1]}`);
    const [a, b, c] = [0, 1, 2].map((k) => tf.reshape(tf.slice(params, [k], [1]), [1, 1])) as [Tensor2D, Tensor2D, Tensor2D];
    return tf.mul(a, tf.sin(tf.add(tf.mul(X, b), c)));
  };
  return { tf, model, apply };
}

/**
 * Compile a float64 model's spec to TensorFlow.js (MLPs with every activation, residual connections, layer
 * or batch normalisation, standard/ntk/mup multipliers and any output count; the sine model). Throws for a
 * linear-in-features model, whose fixed feature map has no TensorFlow.js counterpart here.
 *
 * @claim xfw.tfjs
 */
export function compileTfjs(tf: Tf, model: Model): TfjsModel {
  const spec = model.spec;
  if (spec.kind === 'mlp') return compileMlpTfjs(tf, model, spec);
  if (spec.kind === 'sine') return compileSineTfjs(tf, model);
  throw new RangeError(`TensorFlow.js model: kind '${spec.kind}' is not compiled to TensorFlow.js (mlp and sine are)`);
}

/** Round each entry to the nearest float32 (what a float64 vector becomes in TensorFlow.js), kept as float64. */
export function roundToFloat32(w: Float64Array): Float64Array {
  return Float64Array.from(Float32Array.from(w));
}

/** A flat float64 parameter vector as a float32 TensorFlow.js tensor (entries rounded to nearest). */
export function paramsToTfjs(tf: Tf, w: Float64Array): Tensor1D {
  return tf.tensor1d(Float32Array.from(w), 'float32');
}

/** A TensorFlow.js tensor's float32 values as float64 (exact). */
export function tensorToFloat64(t: Tensor): Float64Array {
  return Float64Array.from(t.dataSync());
}

/** A float64 matrix as a float32 TensorFlow.js tensor (entries rounded to nearest). */
export function matrixToTfjs(tf: Tf, a: Matrix): Tensor2D {
  return tf.tensor2d(Float32Array.from(a.data), [a.rows, a.cols], 'float32');
}

/** A 2-D TensorFlow.js tensor as a float64 matrix (exact). */
export function tfjsToMatrix(t: Tensor2D): Matrix {
  return matrix(t.shape[0], t.shape[1], tensorToFloat64(t));
}

/** f_w(X) computed by TensorFlow.js in float32 at the float32 rounding of w and X, returned as float64. */
export function tfjsForward(tm: TfjsModel, w: Float64Array, X: Matrix): Matrix {
  const { tf } = tm;
  const Y = tf.tidy(() => tm.apply(paramsToTfjs(tf, w), matrixToTfjs(tf, X)));
  const out = tfjsToMatrix(Y);
  Y.dispose();
  return out;
}
