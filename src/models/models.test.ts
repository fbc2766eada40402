import { describe, expect, it } from 'vitest';
import { fromRows, matrix, rng } from '../core/index.js';
import { SpecError } from '../core/specError.js';
import { checkParams, compileModel } from './compile.js';
import { describeLayout } from './layout.js';
import { layerScale } from './parametrisation.js';

describe('model specs', () => {
  it('a bad spec is refused with the field and the problem named', () => {
    const bad: [unknown, RegExp][] = [
      [{ kind: 'mlp', inputDim: 2, layers: [{ width: 0 }] }, /^model\.layers\[0\]\.width: .*>=1/],
      [{ kind: 'mlp', inputDim: 2, layers: [{ width: 3, activation: 'swish' }] }, /^model\.layers\[0\]\.activation: /],
      [{ kind: 'mlp', inputDim: 2, layers: [{ width: 3, residual: true }] }, /^model\.layers\[0\]\.residual: a residual connection needs equal widths, but the layer maps 2 to 3/],
      [{ kind: 'mlp', inputDim: 2, layers: [], colour: 'red' }, /^model\.colour: unknown field/],
      [{ kind: 'tree' }, /^model\.kind: /],
      [{ kind: 'features', inputDim: 2, featureMap: { type: 'polynomial', degree: 9 } }, /^model\.featureMap\.degree: /],
      [{ kind: 'mlp', inputDim: 2.5, layers: [] }, /^model\.inputDim: /],
    ];
    for (const [spec, message] of bad) {
      expect(() => compileModel(spec)).toThrow(SpecError);
      expect(() => compileModel(spec)).toThrow(message);
    }
  });

  it('explicit parameters must match the layout in length and be finite', () => {
    const m = compileModel({ kind: 'mlp', inputDim: 2, layers: [{ width: 3 }] });
    expect(m.paramCount).toBe(2 * 3 + 3 + 3 + 1);
    expect(() => checkParams(m, [1, 2])).toThrow(/model\.params: expected 13 values in the documented layout, got 2/);
    expect(() => checkParams(m, [...new Array(12).fill(0), NaN])).toThrow(/model\.params\[12\]: value NaN is not finite/);
  });

  it('the documented layout holds: W row-major [out, in], then b, layer by layer', () => {
    // f(x) = w2 . tanh(W1 x + b1) + b2 with hand-chosen numbers, written in the documented order.
    const m = compileModel({ kind: 'mlp', inputDim: 2, layers: [{ width: 2, activation: 'tanh' }] });
    const W1 = [[0.1, 0.2], [0.3, 0.4]];
    const b1 = [0.5, -0.5];
    const w2 = [1.5, -2];
    const b2 = 0.25;
    const w = checkParams(m, [...W1.flat(), ...b1, ...w2, b2]);
    const x = [0.7, -1.1];
    const h = W1.map((row, i) => Math.tanh(row[0]! * x[0]! + row[1]! * x[1]! + b1[i]!));
    const expected = w2[0]! * h[0]! + w2[1]! * h[1]! + b2;
    expect(m.forward(w, fromRows([x])).data[0]).toBeCloseTo(expected, 15);
    expect(describeLayout(m.layout)).toBe('layer1.W [2, 2] at 0\nlayer1.b [1, 2] at 4\nout.W [1, 2] at 6\nout.b [1, 1] at 8');
  });

  it('normalisation parameters follow their dense layer, gain then shift, initialised to 1 and 0', () => {
    const m = compileModel({ kind: 'mlp', inputDim: 2, layers: [{ width: 3, norm: 'layer' }] });
    expect(m.layout.map((b) => b.name)).toEqual(['layer1.W', 'layer1.b', 'layer1.norm.gain', 'layer1.norm.shift', 'out.W', 'out.b']);
    const w = m.init(rng(1).stream('init'));
    expect(Array.from(w.subarray(9, 12))).toEqual([1, 1, 1]);
    expect(Array.from(w.subarray(12, 15))).toEqual([0, 0, 0]);
    expect(m.batchCoupled).toBe(false);
    expect(compileModel({ kind: 'mlp', inputDim: 2, layers: [{ width: 3, norm: 'batch' }] }).batchCoupled).toBe(true);
  });

  it('the sine model stores [a, b, c] and computes a sin(bx + c)', () => {
    const m = compileModel({ kind: 'sine' });
    const y = m.forward(Float64Array.of(2, 3, 0.5), matrix(1, 1, [0.4]));
    expect(y.data[0]).toBe(2 * Math.sin(3 * 0.4 + 0.5));
  });

  it('the NTK parametrisation puts 1/sqrt(fan_in) in the forward pass and draws unit weights', () => {
    expect(layerScale('ntk', 'hidden', 16, 8, 1, 0.1)).toEqual({ alpha: 0.25, weightStd: 1, beta: 0.1, biasStd: 1 });
    expect(layerScale('standard', 'hidden', 16, 8, 1, 0.1)).toEqual({ alpha: 1, weightStd: 0.25, beta: 1, biasStd: 0.1 });
    // muP: the output layer's effective weight scale is 1/fan_in, so outputs shrink like 1/sqrt(width).
    const out = layerScale('mup', 'output', 64, 1, 1, 0.1);
    expect(out.alpha * out.weightStd).toBeCloseTo(1 / 64, 15);
  });

  it('initialisation is a function of the seed alone', () => {
    const m = compileModel({ kind: 'mlp', inputDim: 3, layers: [{ width: 4 }, { width: 4, residual: true }] });
    expect(m.init(rng(5).stream('init'))).toEqual(m.init(rng(5).stream('init')));
    expect(m.init(rng(5).stream('init'))).not.toEqual(m.init(rng(6).stream('init')));
  });
});

describe('degenerate normalisation', () => {
  it('layer norm over a single unit is refused, naming the layer', () => {
    expect(() => compileModel({ kind: 'mlp', inputDim: 2, layers: [{ width: 3 }, { width: 1, norm: 'layer' }] })).toThrow(/^model\.layers\[1\]\.norm: layer normalisation over a width of 1/);
  });
});
