/**
 * `npm run bench`: measures the engine side by side in one run and writes build/bench.json and
 * build/bench.md. Headline figures are ratios between rows of the same run.
 *
 * Every row runs in a child process of its own (bench/child.ts), so that its peak memory (getrusage's
 * ru_maxrss of that process) is its own and no row inherits another's JIT state or garbage. Times are
 * medians of repeated runs in wall-clock and CPU time (see bench/timing.ts for why both).
 *
 * Flags: `--quick` (flows to T = 1, 100 GD steps, a smaller sweep: checks the bench itself, not the
 * targets); `--suite` or PATHKERNEL_BENCH_SUITE=1 adds the wall time of the default test suite
 * (`npx vitest run`, a few minutes, so opt-in).
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import type { ScalabilityResult, SweepResult } from './experiments.js';
import { benchFlowVsScipy, flowTable } from './flowVsScipy.js';
import { torchRow } from './frameworks.js';
import { FLOW, GD, KERNEL_SIZES, kernelProblem, referenceProblem } from './problems.js';
import type { RowOptions } from './rows.js';
import { markdownTable, skippedRow, type BenchRow } from './timing.js';

const SEED = Number(process.env['PATHKERNEL_SEED'] ?? 20201201);
const QUICK = process.argv.includes('--quick');
const SUITE = process.argv.includes('--suite') || process.env['PATHKERNEL_BENCH_SUITE'] === '1';
const OPTIONS: RowOptions = { seed: SEED, quick: QUICK };
const CHILD = new URL('./child.ts', import.meta.url).pathname;

// A row id ending in `@typescript` runs with the WebAssembly SIMD product kernel turned off.
function child<T>(id: string): T {
  const env = id.endsWith('@typescript') ? { ...process.env, PATHKERNEL_SIMD: '0' } : process.env;
  const run = spawnSync(process.execPath, [...process.execArgv, CHILD, id, JSON.stringify(OPTIONS)], { encoding: 'utf8', maxBuffer: 1 << 28, env });
  if (run.status !== 0) throw new Error(`bench row ${id} failed (exit ${run.status}): ${run.stderr.trim().split('\n').slice(-5).join('\n')}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as T;
}

function row(id: string): BenchRow {
  process.stdout.write(`  ${id} ... `);
  const r = child<BenchRow>(id);
  console.log(`${r.ms.toFixed(1)} ms (CPU ${r.cpuMs.toFixed(1)} ms), peak RSS ${r.peakRssMiB.toFixed(0)} MiB`);
  return r;
}

function tfjsRow(size: 'big' | 'small'): BenchRow {
  process.stdout.write(`  tk.${size}.tfjs ... `);
  try {
    const r = child<BenchRow>(`tk.${size}.tfjs`);
    console.log(`${r.ms.toFixed(1)} ms`);
    return r;
  } catch (e) {
    const note = `SKIPPED: TensorFlow.js row failed: ${(e as Error).message.split('\n').at(-1)}`;
    console.log(note);
    return skippedRow(`tk.${size}.tfjs`, 'TensorFlow.js per-example tf.grad + J J^T (float32)', note);
  }
}

// max |K - K_ref| / max diagonal of K_ref: the kernels' agreement on one scale.
function agreement(K: readonly number[] | null | undefined, ref: readonly number[], n: number): number | null {
  if (!K || K.length !== ref.length) return null;
  let diag = 0;
  for (let i = 0; i < n; i++) diag = Math.max(diag, Math.abs(ref[i * n + i]!));
  let err = 0;
  for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(K[i]! - ref[i]!));
  return err / diag;
}

interface KernelSection {
  readonly label: string;
  readonly rows: BenchRow[];
  readonly agreement: Record<string, number | null>;
}

function kernelSection(size: 'big' | 'small'): KernelSection {
  const p = kernelProblem(size, SEED);
  console.log(`tangent kernel, ${p.label}`);
  const structured = row(`tk.${size}.structured`);
  const structuredTs = row(`tk.${size}.structured@typescript`);
  const jac = row(`tk.${size}.jacobian`);
  const kvp = row(`tk.${size}.kvp`);
  process.stdout.write(`  tk.${size}.torch ... `);
  const torch = torchRow(size, SEED, size === 'big' ? 3 : 9);
  console.log(torch.row.note ?? `${torch.row.ms.toFixed(1)} ms`);
  const tfjs = tfjsRow(size);
  const ref = structured.digest as number[];
  const n = KERNEL_SIZES[size].points;
  const digestless = (r: BenchRow): BenchRow => ({ ...r, digest: undefined });
  return {
    label: p.label,
    rows: [structured, structuredTs, jac, kvp, torch.row, tfjs].map(digestless),
    agreement: {
      'structured with TypeScript products': agreement(structuredTs.digest as number[], ref, n),
      'Jacobian contraction (ours)': agreement(jac.digest as number[], ref, n),
      'kernel-vector products (ours)': agreement(kvp.digest as number[], ref, n),
      'PyTorch (float64)': agreement(torch.K, ref, n),
      'TensorFlow.js (float32)': agreement(tfjs.digest as number[] | undefined, ref, n),
    },
  };
}

function suiteRow(): BenchRow {
  const name = 'default test suite, `npx vitest run` (wall time of the whole run)';
  if (!SUITE) return skippedRow('suite', name, 'not run: opt in with `npm run bench -- --suite` or PATHKERNEL_BENCH_SUITE=1 (a few minutes)');
  console.log('default suite (npx vitest run) ...');
  const c0 = performance.now();
  const run = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', 'npx', 'vitest', 'run'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - c0;
  const timeLine = run.stderr.split('\n').reverse().find((l) => l.startsWith('TIME '));
  const peak = timeLine ? Number(timeLine.split(' ')[2]) / 1024 : NaN;
  // Strip colours, then read vitest's closing counts.
  const plain = run.stdout.replace(/\u001b\[[0-9;]*m/g, '');
  const tests = plain.match(/Tests\s+([^\n]*)/)?.[1]?.trim() ?? 'counts not found';
  return { id: 'suite', name, ms, cpuMs: NaN, times: [ms], repeats: 1, peakRssMiB: peak, startRssMiB: NaN, note: `exit ${run.status}; tests: ${tests}; peak RSS is the largest single process of the run (GNU time)` };
}

const fmtRatio = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}x` : 'n/a');

function main(): void {
  const cores = availableParallelism();
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  console.log(`pathkernel bench: seed ${SEED}, ${cores} cores (${cpu}), node ${process.version}${QUICK ? ', QUICK mode' : ''}`);
  const started = Date.now();

  console.log('float64 matrix products, 256 x 256');
  const mm = ['mm.naive', 'mm.transB.typescript', 'mm.blocked', 'mm.transB', 'mm.transA'].map(row);
  const big = kernelSection('big');
  const small = kernelSection('small');

  const ref = referenceProblem(SEED);
  console.log(`discrete training, ${ref.label}`);
  const gd = ['gd.plain', 'gd.exact', 'gd.exactNoEstimate'].map(row);
  console.log(`gradient flow, ${ref.label}`);
  const flow = ['flow.plain', 'flow.kernels'].map(row);
  console.log('disc.scalability: one query, model against kernel machine ...');
  const scal = child<ScalabilityResult>('scalability');
  console.log('sweep on worker threads ...');
  const sw = child<SweepResult>('sweep');
  console.log('gradient flow: evaluations against scipy ...');
  const flowVsScipy = benchFlowVsScipy(SEED);
  const suite = suiteRow();

  const byId = (rows: readonly BenchRow[], id: string) => rows.find((r) => r.id === id)!;
  const ratio = (a: BenchRow, b: BenchRow, cpuTime = false) => (cpuTime ? a.cpuMs / b.cpuMs : a.ms / b.ms);
  const st = byId(big.rows, 'tk.big.structured');
  const torch = byId(big.rows, 'tk.big.torch');
  const tfjs = byId(big.rows, 'tk.big.tfjs');
  const naive = byId(mm, 'mm.naive');
  const blockedTs = byId(mm, 'mm.transB.typescript');
  const simd = byId(mm, 'mm.transB');
  // What 30x against PyTorch asks of the structured kernel: its time, and the rate over its unavoidable arithmetic.
  const needMs = torch.ms / 30;
  const bound = {
    structuredGflops: st.gflops!,
    needMs,
    needGflops: st.gflops! * st.ms / needMs,
    simdGflops: simd.gflops!,
    mflop: st.gflops! * st.ms,
  };
  const [gdPlain, gdExact, gdNoEst] = gd as [BenchRow, BenchRow, BenchRow];
  const [flowPlain, flowKernels] = flow as [BenchRow, BenchRow];
  const targets = [
    { what: 'structured tangent kernel vs PyTorch Jacobian contraction (MLP 16-256-256-256-1, N = 128): PyTorch time / ours', value: ratio(torch, st), target: '>= 30x', met: ratio(torch, st) >= 30 },
    { what: 'TensorFlow.js (float32) time / structured', value: ratio(tfjs, st), target: '(reported)', met: null },
    { what: 'our Jacobian contraction time / structured', value: ratio(byId(big.rows, 'tk.big.jacobian'), st), target: '(reported)', met: null },
    { what: 'our kernel-vector products time / structured', value: ratio(byId(big.rows, 'tk.big.kvp'), st), target: '(reported)', met: null },
    { what: `flow with path kernels / flow alone (T = ${QUICK ? 1 : FLOW.T}, rtol ${FLOW.rtol})`, value: ratio(flowKernels, flowPlain), target: '< 10x', met: ratio(flowKernels, flowPlain) < 10 },
    { what: `exact discrete path kernel + ${QUICK ? 100 : GD.steps} GD steps / the GD steps alone (${GD.nodes} nodes, with its error estimate)`, value: ratio(gdExact, gdPlain), target: '< 20x', met: ratio(gdExact, gdPlain) < 20 },
    { what: 'the same without the 2n-node error estimate', value: ratio(gdNoEst, gdPlain), target: '(reported)', met: null },
    { what: 'blocked product in TypeScript (A B^T, 2 x 4 register tile) / naive triple loop (GFLOP/s, 256 x 256)', value: blockedTs.gflops! / naive.gflops!, target: '>= 2x', met: blockedTs.gflops! / naive.gflops! >= 2 },
    { what: 'WebAssembly f64x2 SIMD product / the TypeScript one (GFLOP/s, A B^T, 256 x 256)', value: simd.gflops! / blockedTs.gflops!, target: '(reported)', met: null },
    { what: 'structured kernel with the TypeScript products / with WebAssembly SIMD (time)', value: ratio(byId(big.rows, 'tk.big.structured@typescript'), st), target: '(reported)', met: null },
    { what: `sweep on ${sw.workers} workers: single-thread time / parallel time (${sw.jobs} SGD runs, bit-identical: ${sw.identical})`, value: sw.singleMs / sw.parallelMs, target: '(reported)', met: null },
    { what: 'default test suite wall time, minutes', value: suite.ms / 60000, target: '< 3', met: Number.isFinite(suite.ms) ? suite.ms < 180000 : null },
  ];
  const cpuTargets = {
    'PyTorch / structured (CPU time)': ratio(torch, st, true),
    'flow with path kernels / alone (CPU time)': ratio(flowKernels, flowPlain, true),
    'exact discrete path / GD alone (CPU time)': ratio(gdExact, gdPlain, true),
  };

  const result = {
    seed: SEED,
    cores,
    cpu,
    node: process.version,
    quick: QUICK,
    date: new Date().toISOString(),
    seconds: (Date.now() - started) / 1000,
    memory: 'peak RSS = getrusage ru_maxrss of the child process that ran the row alone (Node children: process.resourceUsage().maxRSS; Python: resource.getrusage); "at start" = RSS after building the row\'s problem',
    headline: targets,
    pytorchBound: bound,
    cpuTimeRatios: cpuTargets,
    matmul: mm,
    kernels: { big, small },
    discrete: gd,
    flow,
    scalability: scal,
    sweep: sw,
    flowVsScipy,
    suite,
  };
  mkdirSync('build', { recursive: true });
  writeFileSync('build/bench.json', JSON.stringify(result, null, 2));

  const scalTable = (points: ScalabilityResult['byM']) => [
    '| m | S | model at one query, ms | kernel machine at one query, ms | training, ms | machine / training |',
    '|---:|---:|---:|---:|---:|---:|',
    ...points.map((p) => `| ${p.m} | ${p.S} | ${p.modelMs.toExponential(2)} | ${p.machineMs.toFixed(1)} | ${p.trainingMs.toFixed(1)} | ${(p.machineMs / p.trainingMs).toFixed(2)} |`),
  ].join('\n');
  const agreementLine = (s: KernelSection) => `Agreement with the structured kernel (max |difference| / max diagonal): ${Object.entries(s.agreement).map(([k, v]) => `${k} ${v === null ? 'n/a' : v.toExponential(2)}`).join('; ')}`;
  const md = [
    `# pathkernel bench (seed ${SEED}, ${cores} cores: ${cpu}, node ${process.version}, ${result.date}${QUICK ? ', QUICK mode: not the targets' : ''})`,
    '',
    'Ratios are the headline figures: every row of a table ran in the same bench run, each in a child process of its own. Times are medians of the repeats; CPU time is this process\'s user + system time, steadier than wall time when other processes share the cores. Peak RSS is the row\'s own child process (runtime included); the figure in brackets is its RSS once the problem was built.',
    '',
    '## Headline ratios and targets',
    '',
    '| ratio | value | target | met |',
    '|---|---:|---|---|',
    ...targets.map((t) => `| ${t.what} | ${t.what.includes('minutes') ? (Number.isFinite(t.value) ? t.value.toFixed(2) : 'not run') : fmtRatio(t.value)} | ${t.target} | ${t.met === null ? '' : t.met ? 'yes' : 'NO'} |`),
    '',
    `CPU-time ratios: ${Object.entries(cpuTargets).map(([k, v]) => `${k} ${fmtRatio(v)}`).join('; ')}.`,
    '',
    `What 30x against PyTorch asks: the structured kernel in ${bound.needMs.toFixed(1)} ms, that is ${bound.needGflops.toFixed(1)} GFLOP/s sustained over its ${bound.mflop.toFixed(1)} MFLOP of unavoidable products (forward, backward of delta, Gram upper triangles; bench/problems.ts structuredKernelFlops). It runs at ${bound.structuredGflops.toFixed(1)} GFLOP/s; the WebAssembly SIMD product kernel alone, on 256 x 256 operands in cache, at ${bound.simdGflops.toFixed(1)} GFLOP/s (128-bit float64 SIMD without fused multiply-add: one f64x2 multiply and one f64x2 add per cycle is 4 flops per cycle per core).`,
    '',
    `## Tangent kernel: ${big.label}`,
    '',
    markdownTable(big.rows, 'tk.big.structured'),
    '',
    agreementLine(big),
    '',
    `## Tangent kernel: ${small.label}`,
    '',
    markdownTable(small.rows, 'tk.small.structured'),
    '',
    agreementLine(small),
    '',
    `## Discrete training with the exact path kernel (${ref.label}, 32 test points)`,
    '',
    markdownTable(gd, 'gd.plain'),
    '',
    `Exactness at the end of the run (max over test points of |representation - f(x; w_S)|): ${gd.slice(1).map((r) => `${r.id}: ${JSON.stringify(r.digest)}`).join('; ')}`,
    '',
    `## Gradient flow with path kernels as ODE state (${ref.label}, 32 test points)`,
    '',
    markdownTable(flow, 'flow.plain'),
    '',
    `Integrator statistics: ${flow.map((r) => `${r.id} ${JSON.stringify(r.digest)}`).join('; ')}`,
    '',
    '## disc.scalability in wall-clock: one new query after S GD steps on m points',
    '',
    'The model evaluates the query once; the exact discrete path-kernel machine replays the S recorded steps with all m training points (8 Gauss nodes, per-example split); training is the S GD steps. (properties/discussion/scalability.property.ts counts the same evaluations; no test times anything.)',
    '',
    scalTable(scal.byM),
    '',
    scalTable(scal.byS),
    '',
    `Fitted log-log slopes: ${Object.entries(scal.slopes).map(([k, v]) => `${k} ${v.toFixed(2)}`).join('; ')}. Peak RSS ${scal.peakRssMiB.toFixed(0)} MiB.`,
    '',
    '## Sweeps on worker threads',
    '',
    `${sw.jobs} SGD runs of the sgd.deviation sweep: one thread ${sw.singleMs.toFixed(0)} ms, ${sw.workers} workers ${sw.parallelMs.toFixed(0)} ms (${fmtRatio(sw.singleMs / sw.parallelMs)}), of which starting the workers (threads, tsx, module loading; measured by a sweep of empty jobs) takes about ${sw.startupMs.toFixed(0)} ms: ${fmtRatio(sw.singleMs / Math.max(1, sw.parallelMs - sw.startupMs))} net of start-up. Results bit-identical: ${sw.identical}. Peak RSS of the process (its worker threads included) ${sw.peakRssMiB.toFixed(0)} MiB.`,
    '',
    '## Float64 matrix products (ratios to the naive triple loop)',
    '',
    markdownTable(mm, 'mm.naive'),
    '',
    '## Default test suite',
    '',
    markdownTable([suite], 'suite'),
    '',
    '## Gradient flow: right-hand-side evaluations against scipy (MLP 4-16-16-1 tanh, m = 16, T = 5, atol = rtol / 100)',
    '',
    flowTable(flowVsScipy.rows),
    '',
    flowVsScipy.note,
    '',
    `Bench wall time ${result.seconds.toFixed(0)} s.`,
  ].join('\n');
  writeFileSync('build/bench.md', md + '\n');
  console.log(`\n${md}`);
}

main();
