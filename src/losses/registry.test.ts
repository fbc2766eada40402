import { describe, expect, it } from 'vitest';
import { SpecError } from '../core/specError.js';
import { LOSSES, LOSS_NAMES, lossByName } from './registry.js';

describe('lossByName', () => {
  it('returns, for every registered name, a loss that carries that name', () => {
    for (const name of LOSS_NAMES) expect(lossByName(name).name).toBe(name);
    expect(LOSS_NAMES).toEqual(Object.keys(LOSSES));
  });

  it("passes Huber's threshold through", () => {
    expect(lossByName('huber', { delta: 0.5 }).value(Float64Array.of(2), Float64Array.of(0))).toBe(0.5 * (2 - 0.25));
  });

  it('rejects an unknown name, listing the known ones', () => {
    expect(() => lossByName('hinge')).toThrow(SpecError);
    expect(() => lossByName('hinge')).toThrow(
      'loss.name: unknown loss "hinge"; known losses: squared, binaryLogistic, softmaxCrossEntropy, huber, negLogProb',
    );
  });

  it('rejects an option given to a loss that does not take it', () => {
    expect(() => lossByName('squared', { delta: 1 })).toThrow('loss.delta: only the huber loss takes this option, not squared');
  });

  it('rejects an unknown option, naming it', () => {
    expect(() => lossByName('huber', { beta: 1 } as never)).toThrow('loss.beta: unknown option; known options: delta');
  });

  it('does not treat inherited object keys as loss names', () => {
    expect(() => lossByName('toString')).toThrow(/unknown loss "toString"/);
  });
});
