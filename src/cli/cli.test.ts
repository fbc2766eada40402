import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromRows, maxAbs, sub } from '../core/matrix.js';
import { SpecError } from '../core/specError.js';
import { gradientFlow } from '../kernels/index.js';
import { formatJson } from './formatJson.js';
import { prepareRun } from './problem.js';
import type { RunResult } from './result.js';
import { runSpec } from './run.js';
import { RunError } from './runError.js';
import { parseRunSpec } from './spec.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(ROOT, 'fixtures/cli');
const BIN = join(ROOT, 'bin/pathkernel.mjs');

// The flow runs at rtol 1e-10 (the examples' and the default): the kernel machine reproduces f(T) to about
// that relative accuracy times the number of accepted steps' error accumulation; 1e-8 leaves a factor 100.
const KERNEL_MACHINE_RTOL = 1e-8;
// The exact discrete representation is exact up to Gauss quadrature of a smooth segment integral (8 nodes,
// error far below rounding for these small steps) and rounding over S <= 40 steps of O(1) outputs.
const EXACT_ATOL = 1e-10;
// The command line integrates with the saved times of the loss curve, which the library call below does not
// ask for: saving from the dense output does not change the steps, so the two agree to rounding.
const SAME_FLOW_RTOL = 1e-12;

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
}

function scaleOf(rows: number[][]): number {
  return Math.max(1, ...rows.flat().map(Math.abs));
}

const results = new Map<string, RunResult>();
function resultOf(name: string): RunResult {
  let result = results.get(name);
  if (!result) {
    result = runSpec(fixture(name));
    results.set(name, result);
  }
  return result;
}

describe('runSpec on the example specs', () => {
  it('the flow example: the kernel machine reproduces f(T) at the test points', () => {
    const result = resultOf('flow-mlp-sine.json');
    if (result.kind !== 'flow') throw new Error(`expected a flow result, got ${result.kind}`);
    const scale = scaleOf(result.fT.test);
    expect(result.kernelMachineError / scale, `kernelMachineError ${result.kernelMachineError}, scale ${scale}`).toBeLessThan(KERNEL_MACHINE_RTOL);
    const residual = maxAbs(sub(fromRows(result.kernelMachine), fromRows(result.fT.test)));
    expect(residual).toBe(result.kernelMachineError);
    expect(result.pathKernel).toHaveLength(result.data.test);
    expect(result.pathKernel[0]).toHaveLength(result.data.train);
    expect(result.lossTimes).toEqual(Array.from({ length: 21 }, (_, k) => (result.T * k) / 20));
    expect(result.losses).toHaveLength(21);
    expect(result.losses.at(-1)!).toBeLessThan(result.losses[0]!);
    expect(result.integrator.status).toBe('success');
  });

  it("the command line's path kernel is the library's for the same flow", () => {
    const result = resultOf('flow-mlp-sine.json');
    if (result.kind !== 'flow') throw new Error('expected a flow result');
    const run = prepareRun(parseRunSpec(fixture('flow-mlp-sine.json')));
    const whole = gradientFlow(run.problem, run.w0, { queries: run.xTest }, { T: result.T, rtol: 1e-10, atol: 1e-12 });
    const reference = whole.queries!.pathKernel;
    const difference = maxAbs(sub(fromRows(result.pathKernel), reference));
    expect(difference / maxAbs(reference), `absolute ${difference}, scale ${maxAbs(reference)}`).toBeLessThan(SAME_FLOW_RTOL);
  });

  it.each(['sgd-moons.json', 'adam-iris.json', 'explicit-params.json'])(
    '%s: the exact discrete representation equals f(w_S) and splits into per-example contributions',
    (name) => {
      const result = resultOf(name);
      if (result.kind !== 'discrete') throw new Error(`expected a discrete result, got ${result.kind}`);
      expect(result.exactError, `exactError of ${name}`).toBeLessThan(EXACT_ATOL);
      expect(result.losses).toHaveLength(result.steps);
      // f0 + sum_i contribution_i + regulariser = exact, row (x, k) of the contributions against entry (x, k).
      const O = result.f0.test[0]!.length;
      const rebuilt = result.f0.test.map((row, x) =>
        row.map((f0, k) => f0 + result.contributions[x * O + k]!.reduce((s, c) => s + c, 0) + result.regulariserContribution[x]![k]!),
      );
      expect(maxAbs(sub(fromRows(rebuilt), fromRows(result.exact)))).toBeLessThan(EXACT_ATOL);
      // Domingos' left-point form is only O(eps) accurate: it must be measurably worse than the exact form.
      expect(result.leftPointError).toBeGreaterThan(1e3 * EXACT_ATOL);
    },
  );

  it('the curvature term brings the left-point form closer to f(w_S)', () => {
    const result = resultOf('explicit-params.json');
    if (result.kind !== 'discrete' || !result.curvature) throw new Error('expected a discrete result with the curvature term');
    expect(result.curvature.correctedError).toBeLessThan(result.leftPointError / 10);
  });

  it('the echoed spec, run again, gives the same result', () => {
    const result = resultOf('explicit-params.json');
    expect(runSpec(JSON.parse(JSON.stringify(result.spec)))).toEqual(result);
  });

  it('the seeds used are reported, and the result is JSON', () => {
    const result = resultOf('sgd-moons.json');
    expect(result.seeds).toEqual({ model: 7, data: 2, test: 12, batches: 5 });
    expect(JSON.parse(formatJson(result))).toEqual(JSON.parse(JSON.stringify(result)));
  });
});

describe('the spec names the offending field', () => {
  const base = {
    model: { kind: 'mlp', inputDim: 2, layers: [{ width: 3 }], seed: 1 },
    data: { trainX: [[0, 1], [1, 0], [1, 1]], trainY: [[1], [0], [1]] },
    loss: { name: 'squared' },
    training: { method: 'gd', eps: 0.1, steps: 3 },
  };
  const cases: [string, Record<string, unknown>, string][] = [
    ['a missing section', { loss: undefined }, 'loss'],
    ['an unknown top-level field', { extra: 1 }, 'extra'],
    ['seed and params together', { model: { ...base.model, params: [1] } }, 'model'],
    ['a bad layer width', { model: { ...base.model, layers: [{ width: 0 }] } }, 'model.layers[0].width'],
    ['batch normalisation', { model: { ...base.model, layers: [{ width: 3, norm: 'batch' }] } }, 'model.layers[0].norm'],
    ['a null in the data', { data: { ...base.data, trainY: [[1], [null], [1]] } }, 'data.trainY[1][0]'],
    ['a ragged row', { data: { ...base.data, trainX: [[0, 1], [1], [1, 1]] } }, 'data.trainX[1]'],
    ['too few target rows', { data: { ...base.data, trainY: [[1], [0]] } }, 'data.trainY'],
    ['a label the loss rejects', { loss: { name: 'binaryLogistic' }, data: { ...base.data, trainY: [[1], [2], [0]] } }, 'data.trainY[1]'],
    ['a loss that cannot take the outputs', { loss: { name: 'softmaxCrossEntropy' } }, 'loss.name'],
    ['an option of another loss', { loss: { name: 'squared', delta: 1 } }, 'loss.delta'],
    ['an unknown data set', { data: { name: 'mnist' } }, 'data.name'],
    ['a bad generator option', { data: { name: 'moons', options: { m: 1 } } }, 'data.options.m'],
    ['an unknown test data set', { data: { name: 'moons', test: { name: 'cifar' } } }, 'data.test.name'],
    ['a data set of the wrong width', { data: { name: 'sine1d' } }, 'data.name'],
    ['an unknown method', { training: { method: 'lbfgs' } }, 'training.method'],
    ['a flow without T', { training: { method: 'flow' } }, 'training.T'],
    ['gd without steps or T', { training: { method: 'gd', eps: 0.1 } }, 'training.steps'],
    ['steps and T together', { training: { method: 'gd', eps: 0.1, steps: 3, T: 1 } }, 'training.T'],
    ['a zero learning rate', { training: { method: 'gd', eps: 0, steps: 3 } }, 'training.eps'],
    ['batches for gd', { training: { method: 'gd', eps: 0.1, steps: 3, batches: { size: 1, seed: 0 } } }, 'training.batches'],
    ['momentum beta of 1', { training: { method: 'momentum', eps: 0.1, steps: 3, beta: 1 } }, 'training.beta'],
    ['a batch index past the data', { training: { method: 'sgd', eps: 0.1, batches: { explicit: [[0, 3]] } } }, 'training.batches.explicit[0][1]'],
    ['too few explicit batches', { training: { method: 'sgd', eps: 0.1, steps: 2, batches: { explicit: [[0]] } } }, 'training.batches.explicit'],
    ['a batch larger than the data', { training: { method: 'sgd', eps: 0.1, steps: 2, batches: { size: 5, seed: 1 } } }, 'training.batches.size'],
    ['a flow option for a discrete method', { options: { rtol: 1e-8 } }, 'options.rtol'],
    ['a discrete option for the flow', { training: { method: 'flow', T: 1 }, options: { nodes: 4 } }, 'options.nodes'],
  ];
  it.each(cases)('%s', (_label, change, field) => {
    const spec = { ...base, ...change };
    let caught: unknown;
    try {
      runSpec(spec);
    } catch (error) {
      caught = error;
    }
    expect(caught, `expected a SpecError for ${field}`).toBeInstanceOf(SpecError);
    expect((caught as SpecError).field).toBe(field);
  });

  it('a run that diverges is a RunError naming the step', () => {
    expect(() => runSpec(fixture('bad/diverging.json'))).toThrow(RunError);
    expect(() => runSpec(fixture('bad/diverging.json'))).toThrow(/^step \d+: training diverged/);
  });
});

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runBinary(args: readonly string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('the pathkernel binary', () => {
  // Made in beforeAll, not here: a filtered run (-t) collects this block without running its hooks.
  let dir = '';
  const bad: [string, RegExp][] = [
    ['malformed.json', /^pathkernel: fixtures\/cli\/bad\/malformed\.json:4:3: malformed JSON: /],
    ['wrong-shapes.json', /^pathkernel: data\.trainX\[0\]: expected 2 number\(s\) per row/],
    ['unknown-loss.json', /^pathkernel: loss\.name: unknown loss "mse"/],
    ['nan-in-data.json', /^pathkernel: data\.trainX\[3\]\[1\]: expected a finite number, got "NaN"/],
    ['diverging.json', /^pathkernel: step \d+: training diverged: the parameters are no longer finite/],
    ['sgd-without-batches.json', /^pathkernel: training\.batches: required field is missing/],
    ['params-length.json', /^pathkernel: model\.params: expected 13 values/],
    ['no-such-spec.json', /^pathkernel: fixtures\/cli\/bad\/no-such-spec\.json: no such file/],
  ];
  const outcomes = new Map<string, Outcome>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pathkernel-cli-'));
    // Every process at once: each spends most of its second starting node and tsx.
    const runs = [
      ['ok-out', ['run', 'fixtures/cli/explicit-params.json', '--out', join(dir, 'ok.json')]],
      ['ok-stdout', ['run', 'fixtures/cli/explicit-params.json', '--quiet']],
      // Not --quiet: the progress bar is on, and must draw nothing on a stderr that is not a terminal.
      ...bad.map(([name]) => [name, ['run', `fixtures/cli/bad/${name}`, '--out', join(dir, name)]] as const),
    ] as const;
    const done = await Promise.all(runs.map(async ([name, args]) => [name, await runBinary(args)] as const));
    for (const [name, outcome] of done) outcomes.set(name, outcome);
  }, 60_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes the result file and exits 0', () => {
    const outcome = outcomes.get('ok-out')!;
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toBe('');
    expect(outcome.stderr).toMatch(/^pathkernel: gd run written to .*ok\.json; exact representation error/);
    const written = JSON.parse(readFileSync(join(dir, 'ok.json'), 'utf8')) as RunResult;
    if (written.kind !== 'discrete') throw new Error('expected a discrete result');
    expect(written.exactError).toBeLessThan(EXACT_ATOL);
    expect(written).toEqual(JSON.parse(JSON.stringify(resultOf('explicit-params.json'))));
  });

  it('writes the result to stdout without --out, and nothing to stderr with --quiet', () => {
    const outcome = outcomes.get('ok-stdout')!;
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stderr).toBe('');
    expect((JSON.parse(outcome.stdout) as RunResult).method).toBe('gd');
  });

  it.each(bad)('%s: exit code 2, one line on stderr naming the field or step, no output', (name, message) => {
    const outcome = outcomes.get(name)!;
    expect(outcome.code, outcome.stderr).toBe(2);
    expect(outcome.stderr).toMatch(message);
    expect(outcome.stderr.trimEnd().split('\n'), outcome.stderr).toHaveLength(1);
    expect(outcome.stdout).toBe('');
    expect(existsSync(join(dir, name))).toBe(false);
  });

  it('leaves no temporary file behind: the folder holds only the one result written', () => {
    expect(readdirSync(dir)).toEqual(['ok.json']);
  });
});
