// Mutation check: apply one small change to a formula in src/, run the suite, expect it to fail; restore.
// It works on a copy of the tree (in a temporary folder, sharing node_modules) so that the working tree is
// never touched. Usage: node scripts/mutants.mjs [filter]. Prints each mutant as KILLED or SURVIVED; exits 1
// if any survived.
import { execSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const work = mkdtempSync(join(tmpdir(), 'pathkernel-mutants-'));
cpSync(root, work, { recursive: true, filter: (src) => !src.includes('node_modules') && !src.includes('/.git') && !src.includes('/build') });
symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'));
process.chdir(work);

const MUTANTS = [
  ['src/kernels/tangentKernel.ts', 'H.data[i] = a2 * H.data[i]! + b2;', 'H.data[i] = a2 * H.data[i]!;', 'structured kernel drops the bias term'],
  ['src/autodiff/primitives/linear.ts', 'const gW = needs[1] ? scaleInPlace(matmulTransA(g, h!), alpha) : null;', 'const gW = needs[1] ? matmulTransA(g, h!) : null;', 'dense VJP forgets alpha on W'],
  ['src/autodiff/primitives/normalise.ts', 'out.data[i] = (t.data[i]! - meanT - u.data[i]! * meanTU) * invStd[g]!;', 'out.data[i] = (t.data[i]! - meanT) * invStd[g]!;', 'normalisation Jacobian drops the variance term'],
  ['src/autodiff/primitives/softmax.ts', 'out.data[o + j] = p.data[o + j]! * (t.data[o + j]! - s);', 'out.data[o + j] = p.data[o + j]! * (t.data[o + j]! + s);', 'softmax Jacobian sign'],
  ['src/autodiff/primitives/elementwise.ts', 'return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * u1;', 'return 0.5 * (1 + t) + 0.5 * x * (1 - t * t);', 'gelu derivative drops the inner factor'],
  ['src/kernels/kernelMachine.ts', 'const rhs = Array.from({ length: O }, (_, k) => -q.lossWeightedKernel.data[(x * O + k) * m + i]!);', 'const rhs = Array.from({ length: O }, (_, k) => q.lossWeightedKernel.data[(x * O + k) * m + i]!);', 'a_i loses its minus sign'],
  ['src/kernels/gradientFlow.ts', 'for (let k = 0; k < O; k++) acc += K.data[r * cols + i * O + k]! * Lp.data[i * O + k]!;', 'for (let k = 0; k < O; k++) acc += K.data[r * cols + i * O + k]! * Lp.data[i * O]!;', 'loss-weighted kernel uses the first output only'],
  ['src/train/objective.ts', 'gradient[j]! += lambda * w[j]!;', 'gradient[j]! += 0.5 * lambda * w[j]!;', 'weight decay gradient halved'],
  ['src/kernels/gradientFlow.ts', 'for (let r = 0; r < n * O; r++) out[block.reg + r] = lambda * jw.data[r]!;', 'for (let r = 0; r < n * O; r++) out[block.reg + r] = 0.5 * lambda * jw.data[r]!;', 'regulariser term halved'],
  ['src/flow/tableaux/dop853.ts', '10: -0.30674084731089398182061213626e2', '10: -0.30674084731089398182061213626e1', 'a DOP853 dense coefficient mistyped'],
  ['src/flow/tableaux/dopri5.ts', '[35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0]', '[35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 85, 0]', 'a DOPRI5 weight mistyped'],
  ['src/flow/solve.ts', 'for (let i = 0; i < n; i++) sc[i] = ctrl.atol + ctrl.rtol * Math.max(Math.abs(y[i]!), Math.abs(y1[i]!));', 'for (let i = 0; i < n; i++) sc[i] = ctrl.atol + 1000 * ctrl.rtol * Math.max(Math.abs(y[i]!), Math.abs(y1[i]!));', 'error control 1000x too lax'],
  ['src/losses/squared.ts', 'for (let k = 0; k < y.length; k++) out[k] = y[k]! - yStar[k]!;', 'for (let k = 0; k < y.length; k++) out[k] = 1.001 * (y[k]! - yStar[k]!);', "squared loss L' off by 0.1%"],
  ['src/kernels/kernelMachine.ts', 'for (let i = 0; i < m; i++) for (let kk = 0; kk < O; kk++) acc += pathKernel.data[(x * O + k) * cols + i * O + kk]! * a.data[(x * O + kk) * m + i]!;', 'for (let i = 0; i < m; i++) for (let kk = 0; kk < O; kk++) acc += pathKernel.data[(x * O + k) * cols + i * O + kk]! * a.data[(x * O + k) * m + i]!;', 'kernel machine mixes output indices'],
  ['src/models/mlp.ts', "const u = layer.norm === 'layer' ? ops.layerNorm(z, spec.normEps) : ops.batchNorm(z, spec.normEps, batchStatistics);", "const u = ops.layerNorm(z, spec.normEps);", 'batch norm silently replaced by layer norm'],
  ['src/models/derivatives.ts', 'const trace = model.trace(w, matrix(1, X.cols, X.data.subarray(i * X.cols, (i + 1) * X.cols)));', 'const trace = model.trace(w, matrix(1, X.cols, X.data.subarray(0, X.cols)));', 'Jacobian uses the first example for every row'],
  ['src/core/matrix.ts', 'for (let p = k0; p < k1; p++) s += A[ai + p]! * B[bj + p]!;', 'for (let p = k0 + 1; p < k1; p++) s += A[ai + p]! * B[bj + p]!;', 'A B^T remainder loop (TypeScript kernel) skips a term'],
  ['src/core/simd.ts', '  heap.fill(0, offC, offC + n * m);\n', '', 'SIMD kernel accumulates onto stale memory'],
  ['src/core/assembly/products.ts', 's13 = f64x2.add(s13, f64x2.mul(x1, y));', 's13 = f64x2.add(s13, f64x2.mul(x0, y));', 'SIMD tile source reads the wrong row (binary not rebuilt)'],
  ['src/flow/controller.ts', 'const alpha = 1 / (errorOrder + 1) - 0.75 * beta;', 'const alpha = 1 / (errorOrder + 1) - 0.75 * beta + 0.5;', 'step controller exponent off'],
];

const filter = process.argv[2];
let survived = 0;
for (const [file, from, to, what] of MUTANTS) {
  if (from === null || (filter && !what.includes(filter))) continue;
  const original = readFileSync(file, 'utf8');
  if (!original.includes(from)) {
    console.log(`MISSING  ${what}: pattern not found in ${file}`);
    survived++;
    continue;
  }
  writeFileSync(file, original.replace(from, to));
  let killed = false;
  try {
    execSync('npx vitest run --reporter=dot', { stdio: 'pipe', timeout: 600_000 });
  } catch {
    killed = true;
  } finally {
    writeFileSync(file, original);
  }
  console.log(`${killed ? 'KILLED  ' : 'SURVIVED'} ${what} (${file})`);
  if (!killed) survived++;
}
rmSync(work, { recursive: true, force: true });
process.exit(survived ? 1 : 0);
