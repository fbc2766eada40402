/**
 * What the generators produce: fc.statistics prints the mix of generated architectures (activation, depth,
 * width, residual, normalisation, parametrisation, output count), and the test fails if some kind the
 * properties claim to cover never appears.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseModelSpec } from '../../src/models/index.js';
import { SEED } from './config.js';
import { modelSpecArb } from './models.js';

const SAMPLES = 2000;

function features(raw: unknown): string[] {
  const spec = parseModelSpec(raw);
  if (spec.kind !== 'mlp') return [`kind: ${spec.kind}`];
  return [
    'kind: mlp',
    `depth: ${spec.layers.length}`,
    `outputs: ${spec.outputDim > 1 ? 'several' : 'one'}`,
    `parametrisation: ${spec.parametrisation}`,
    ...spec.layers.map((l) => `activation: ${l.activation}`),
    ...spec.layers.map((l) => `norm: ${l.norm}`),
    ...spec.layers.filter((l) => l.residual).map(() => 'residual'),
    ...spec.layers.map((l) => `width: ${l.width <= 2 ? '1-2' : l.width <= 4 ? '3-4' : '5+'}`),
  ];
}

describe('the generated mix', () => {
  it('covers every activation, depth 0 to 3, residual connections, layer and batch norm, every parametrisation and multi-output heads', () => {
    const arb = modelSpecArb({ relu: true, batchNorm: true });
    fc.statistics(arb, (spec) => features(spec)[0]!, { numRuns: SAMPLES, seed: SEED, logger: (line) => console.log(`mix (kind) ${line}`) });
    const counts = new Map<string, number>();
    for (const spec of fc.sample(arb, { numRuns: SAMPLES, seed: SEED })) {
      for (const f of new Set(features(spec))) counts.set(f, (counts.get(f) ?? 0) + 1);
    }
    console.log(
      `generated mix over ${SAMPLES} specs (seed ${SEED}):\n` +
        [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `  ${k.padEnd(28)} ${((100 * v) / SAMPLES).toFixed(1)}%`).join('\n'),
    );
    const required = [
      'kind: mlp', 'kind: features', 'kind: sine',
      'depth: 0', 'depth: 1', 'depth: 2', 'depth: 3',
      'outputs: one', 'outputs: several',
      'parametrisation: standard', 'parametrisation: ntk', 'parametrisation: mup',
      'norm: none', 'norm: layer', 'norm: batch', 'residual',
      ...['identity', 'tanh', 'sigmoid', 'softplus', 'sin', 'gelu', 'square', 'relu'].map((a) => `activation: ${a}`),
    ];
    const missing = required.filter((f) => !counts.has(f));
    expect(missing, `never generated: ${missing.join(', ')}`).toEqual([]);
  });
});
