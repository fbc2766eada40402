import { describe, expect, it } from 'vitest';
import { huber } from './huber.js';
import { squared } from './squared.js';

const f64 = (...v: number[]): Float64Array => Float64Array.of(...v);

describe('huber', () => {
  it('equals the squared loss while every residual is within delta', () => {
    const y = f64(0.3, -0.5, 1.2);
    const yStar = f64(0.1, 0.2, 0.4);
    const loss = huber(1);
    expect(loss.value(y, yStar)).toBe(squared.value(y, yStar));
    expect(Array.from(loss.derivative(y, yStar))).toEqual(Array.from(squared.derivative(y, yStar)));
  });

  it("is linear beyond delta: L = delta (|r| - delta/2), L' = delta sign(r), L'' = 0", () => {
    const loss = huber(0.5);
    expect(loss.value(f64(3), f64(0))).toBe(0.5 * (3 - 0.25));
    expect(loss.derivative(f64(-3), f64(0))[0]).toBe(-0.5);
    expect(loss.secondDerivative(f64(-3), f64(0)).data[0]).toBe(0);
  });

  it('sums over coordinates, with a diagonal L\'\'', () => {
    const loss = huber(1);
    expect(loss.value(f64(0.5, 4), f64(0, 0))).toBe(0.125 + 3.5);
    expect(Array.from(loss.secondDerivative(f64(0.5, 4), f64(0, 0)).data)).toEqual([1, 0, 0, 0]);
  });

  it('is continuous with a continuous derivative at |r| = delta', () => {
    const loss = huber(0.7);
    const below = 0.7 * (1 - 1e-12);
    const above = 0.7 * (1 + 1e-12);
    expect(Math.abs(loss.value(f64(above), f64(0)) - loss.value(f64(below), f64(0)))).toBeLessThan(1e-11);
    expect(Math.abs(loss.derivative(f64(above), f64(0))[0]! - loss.derivative(f64(below), f64(0))[0]!)).toBeLessThan(1e-11);
  });

  it('defaults delta to 1', () => {
    expect(huber().value(f64(2), f64(0))).toBe(1.5);
  });

  it.each([0, -1, Number.NaN, Infinity])('rejects the threshold delta = %s, naming the field', (delta) => {
    expect(() => huber(delta)).toThrow(new RegExp(`loss.delta: Huber's threshold must be a positive finite number, got ${delta}`));
  });
});
