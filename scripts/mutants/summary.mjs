// The mutation summary: from Stryker's JSON report (build/mutants/mutation.json) and the sample, per folder
// the sampled mutants by status, the score (killed + timed out over all tested, as Stryker counts it) and the
// strict score (killed only) with 95% Wilson intervals, every survivor with its place and replacement, and the
// mutants set aside as equivalent with their reasons. Writes docs/results/mutation.json and mutation.md.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { NOT_SAMPLED } from './sampleChecker.mjs';
import { FOLDERS as FOLDER_ORDER } from './sample.mjs';

/** Mutants shown equivalent, each with its reason (see the file's note). */
const EQUIVALENT = JSON.parse(readFileSync(new URL('./equivalent.json', import.meta.url), 'utf8')).mutants;

/** 95% Wilson score interval of k successes in n trials. */
export function wilson(k, n, z = 1.96) {
  if (n === 0) return [0, 1];
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

export function summarise(report, sample, meta) {
  const folders = Object.keys(sample.perFolder);
  const inSample = new Set(sample.keys);
  const rows = {};
  for (const f of folders) rows[f] = { total: sample.perFolder[f].total, sampled: 0, Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, RuntimeError: 0, CompileError: 0, Ignored: 0, survivors: [], equivalent: [], wrongEntries: [] };
  for (const [file, { mutants, source }] of Object.entries(report.files)) {
    const rel = file.slice(file.lastIndexOf('src/'));
    const folder = folders.find((f) => rel.startsWith(`${f}/`));
    if (!folder) continue;
    const lines = source.split('\n');
    for (const m of mutants) {
      if (m.status === 'CompileError' && m.statusReason === NOT_SAMPLED) continue;
      // Only the sample counts: mutants set aside by a `// Stryker disable` comment never reach the sample
      // checker, and results reused from the incremental file may belong to an earlier sample. The report's
      // locations are 1-based, the instrumenter's (the sample's keys) 0-based.
      const { start, end } = m.location;
      const key = `${rel}@${start.line - 1}:${start.column - 1}-${end.line - 1}:${end.column - 1}#${m.mutatorName}#${m.replacement}`;
      if (!inSample.has(key)) continue;
      const row = rows[folder];
      row.sampled++;
      row[m.status] = (row[m.status] ?? 0) + 1;
      const where = `${rel}:${m.location.start.line}:${m.location.start.column}`;
      const code = (lines[m.location.start.line - 1] ?? '').trim().slice(0, 160);
      const listed = EQUIVALENT.find((e) => e.file === rel && e.mutator === m.mutatorName && e.replacement === m.replacement && code.includes(e.code.slice(0, 150)));
      if (listed && (m.status === 'Survived' || m.status === 'NoCoverage')) {
        // Shown equivalent (scripts/mutants/equivalent.json): set aside, with its reason, as Stryker's own
        // `// Stryker disable` comments are.
        row[m.status]--;
        row.Ignored++;
        row.equivalent.push({ where, mutator: m.mutatorName, replacement: m.replacement, reason: listed.reason });
        continue;
      }
      if (listed) row.wrongEntries.push({ where, mutator: m.mutatorName, replacement: m.replacement, status: m.status });
      if (m.status === 'Survived' || m.status === 'NoCoverage') row.survivors.push({ where, mutator: m.mutatorName, replacement: m.replacement, status: m.status, code });
      if (m.status === 'Ignored') row.equivalent.push({ where, mutator: m.mutatorName, replacement: m.replacement, reason: m.statusReason ?? '' });
    }
  }
  const out = [];
  for (const f of folders) {
    const r = rows[f];
    const tested = r.Killed + r.Timeout + r.Survived + r.NoCoverage;
    out.push({ folder: f, ...meta, seed: sample.seed, sampleSize: sample.size, rule: sample.rule, ...r, tested, score: tested ? (r.Killed + r.Timeout) / tested : null, scoreInterval: wilson(r.Killed + r.Timeout, tested), strictScore: tested ? r.Killed / tested : null, strictInterval: wilson(r.Killed, tested) });
  }
  return { folders: out };
}

/** Keep the rows of folders this run did not test (each row carries the commit, date and sample of its own run). */
export function merge(previous, current) {
  const tested = new Set(current.folders.map((f) => f.folder));
  const kept = (previous?.folders ?? []).filter((f) => !tested.has(f.folder) && f.commit);
  const order = (f) => FOLDER_ORDER.indexOf(f.folder);
  return { folders: [...kept, ...current.folders].sort((a, b) => order(a) - order(b)) };
}

const pct = (x) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);

export function markdown(s) {
  const rules = [...new Set(s.folders.map((f) => f.rule))];
  const lines = ['# Mutation testing', '', `Stryker over ${s.folders.map((f) => `\`${f.folder}\``).join(', ')}, one folder per run (each row names its run). Sample: ${rules.join('; ')}. A mutant counts as detected when a test fails on it, including a law whose verdict changes against the unmutated run (PATHKERNEL_VERDICT_BASELINE); timeouts are counted apart in the strict score. A row run with the light suite (\`--light\`) left the slowest law files out; leaving tests out can only lose kills, so its score is a lower bound on the full suite's.`, ''];
  lines.push('| folder | mutants | sampled | killed | timed out | survived | no coverage | equivalent (set aside) | score (95% interval) | strict score (95% interval) | run |', '|---|---|---|---|---|---|---|---|---|---|---|');
  for (const f of s.folders) lines.push(`| \`${f.folder}\` | ${f.total} | ${f.sampled} | ${f.Killed} | ${f.Timeout} | ${f.Survived} | ${f.NoCoverage} | ${f.Ignored} | ${pct(f.score)} (${pct(f.scoreInterval[0])} - ${pct(f.scoreInterval[1])}) | ${pct(f.strictScore)} (${pct(f.strictInterval[0])} - ${pct(f.strictInterval[1])}) | Stryker ${f.stryker}, seed ${f.seed}, commit \`${f.commit.slice(0, 12)}\`, ${f.date.slice(0, 10)}, ${f.minutes} min on ${f.cores} cores${f.leftOut ? `; light suite, without ${f.leftOut.map((x) => `\`${x.split('/').pop()}\``).join(', ')}: a lower bound` : ''} |`);
  const missing = FOLDER_ORDER.filter((f) => !s.folders.some((r) => r.folder === f));
  if (missing.length) lines.push('', `Not measured yet: ${missing.map((f) => `\`${f}\``).join(', ')}.`);
  for (const f of s.folders) {
    if (f.survivors.length === 0 && f.equivalent.length === 0 && !f.wrongEntries?.length) continue;
    lines.push('', `## \`${f.folder}\``);
    if (f.survivors.length) {
      lines.push('', 'Survivors:', '', '| where | mutator | replacement | status | line |', '|---|---|---|---|---|');
      for (const m of f.survivors) lines.push(`| \`${m.where}\` | ${m.mutator} | \`${m.replacement.replace(/\|/g, '\\|').replace(/\n/g, ' ').slice(0, 80)}\` | ${m.status} | \`${m.code.replace(/\|/g, '\\|')}\` |`);
    }
    if (f.wrongEntries?.length) {
      lines.push('', 'Listed as equivalent in scripts/mutants/equivalent.json, but detected (the entry is wrong):', '', '| where | mutator | replacement | status |', '|---|---|---|---|');
      for (const m of f.wrongEntries) lines.push(`| \`${m.where}\` | ${m.mutator} | \`${m.replacement.replace(/\|/g, '\\|')}\` | ${m.status} |`);
    }
    if (f.equivalent.length) {
      lines.push('', 'Set aside as equivalent (each with its reason, from a `// Stryker disable` comment in the source or from scripts/mutants/equivalent.json):', '', '| where | mutator | reason |', '|---|---|---|');
      for (const m of f.equivalent) lines.push(`| \`${m.where}\` | ${m.mutator} | ${m.reason.replace(/\|/g, '\\|')} |`);
    }
  }
  return lines.join('\n') + '\n';
}

export function writeSummary(reportFile, sampleFile, meta) {
  const current = summarise(JSON.parse(readFileSync(reportFile, 'utf8')), JSON.parse(readFileSync(sampleFile, 'utf8')), meta);
  const previous = existsSync('docs/results/mutation.json') ? JSON.parse(readFileSync('docs/results/mutation.json', 'utf8')) : null;
  const s = merge(previous, current);
  mkdirSync('docs/results', { recursive: true });
  writeFileSync('docs/results/mutation.json', JSON.stringify(s, null, 1) + '\n');
  writeFileSync('docs/results/mutation.md', markdown(s));
  return current;
}
