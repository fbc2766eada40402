/**
 * The argument as data: every registered claim with its status, the tests that checked it and their figures,
 * in the paper's order; plus the run's seed, mode, versions and date. This is build/argument.json, which the
 * docs are generated from.
 *
 * @module
 */
import { CLAIMS, SECTIONS, type Claim } from '../claims/index.js';
import { claimStatus, type ClaimStatus, type Series, type TestOutcome } from './status.js';

/** One claim's entry. */
export interface ClaimReport {
  readonly id: string;
  readonly title: string;
  readonly statement: string;
  readonly source: string;
  readonly uses: readonly string[];
  readonly kind: Claim['kind'];
  readonly section: string;
  readonly pending: string | null;
  readonly status: ClaimStatus;
  readonly tests: readonly { readonly name: string; readonly file: string; readonly state: string; readonly durationMs: number; readonly error: string | null }[];
  readonly figures: Readonly<Record<string, number | string>>;
  readonly series: readonly Series[];
}

/** The whole run. */
export interface ArgumentReport {
  readonly title: string;
  readonly seed: number;
  readonly deep: boolean;
  readonly date: string;
  readonly versions: Readonly<Record<string, string>>;
  readonly totals: Readonly<Record<ClaimStatus | 'claims' | 'tests', number>>;
  readonly sections: readonly { readonly id: string; readonly title: string; readonly claims: readonly ClaimReport[] }[];
  /** Tests that cite no claim (unit tests of the engine), counted but not listed. */
  readonly uncitedTests: number;
}

/** Assemble the report from test outcomes. */
export function buildArgument(outcomes: readonly TestOutcome[], meta: { seed: number; deep: boolean; versions: Record<string, string>; date?: string }): ArgumentReport {
  const byClaim = new Map<string, TestOutcome[]>();
  for (const t of outcomes) for (const id of t.claims) byClaim.set(id, [...(byClaim.get(id) ?? []), t]);
  const totals: Record<string, number> = { claims: CLAIMS.length, tests: outcomes.length, verified: 0, measured: 0, 'caveat-shown': 0, failing: 0, untested: 0 };
  const reports = CLAIMS.map((c): ClaimReport => {
    // Tests whose first claim is this one lead (they are about it); figures recorded for this claim alone
    // come first of all.
    const tests = [...(byClaim.get(c.id) ?? [])].sort((a, b) => Number(b.claims[0] === c.id) - Number(a.claims[0] === c.id));
    const status = claimStatus(c, tests);
    totals[status] = (totals[status] ?? 0) + 1;
    const figures: Record<string, number | string> = {};
    for (const t of tests) for (const [k, v] of Object.entries(t.claimFigures?.[c.id] ?? {})) figures[k] = v;
    for (const t of tests) for (const [k, v] of Object.entries(t.figures)) if (!(k in figures)) figures[k] = v;
    return {
      id: c.id,
      title: c.title,
      statement: c.statement,
      source: c.source,
      uses: c.uses,
      kind: c.kind,
      section: c.section,
      pending: c.pending ?? null,
      status,
      tests: tests.map((t) => ({ name: t.name, file: t.file, state: t.state, durationMs: t.durationMs, error: t.error })),
      figures,
      series: tests.flatMap((t) => t.series).filter((s) => s.claim === undefined || s.claim === c.id),
    };
  });
  return {
    title: 'The argument of Domingos (2020), "Every Model Learned by Gradient Descent Is Approximately a Kernel Machine", checked',
    seed: meta.seed,
    deep: meta.deep,
    date: meta.date ?? new Date().toISOString(),
    versions: meta.versions,
    totals: totals as ArgumentReport['totals'],
    sections: SECTIONS.map((s) => ({ id: s.id, title: s.title, claims: reports.filter((r) => r.section === s.id) })),
    uncitedTests: outcomes.filter((t) => t.claims.length === 0).length,
  };
}

const MARK: Record<ClaimStatus, string> = { verified: '✓', measured: '≈', 'caveat-shown': '!', failing: '✗', untested: '·' };

function formatFigure(v: number | string): string {
  if (typeof v === 'string') return v;
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  return v.toExponential(2);
}

/** The argument as terminal text, in the paper's order. */
export function formatArgument(r: ArgumentReport, maxFigures = 2): string {
  const lines: string[] = [];
  lines.push(r.title);
  lines.push(`seed ${r.seed}${r.deep ? ', deep mode' : ''}, ${r.date}, ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const s of r.sections) {
    if (s.claims.length === 0) continue;
    lines.push('');
    lines.push(s.title);
    for (const c of s.claims) {
      const figs = Object.entries(c.figures)
        .slice(0, maxFigures)
        .map(([k, v]) => `${k}: ${formatFigure(v)}`)
        .join('; ');
      const tail = c.status === 'untested' ? (c.pending ? `pending issue ${c.pending}` : 'no test ran') : c.status === 'failing' ? `FAILED: ${c.tests.find((t) => t.error)?.error ?? ''}` : figs;
      lines.push(`  ${MARK[c.status]} ${c.id.padEnd(26)} ${c.status.padEnd(12)} ${c.title}${tail ? ` | ${tail}` : ''} (${c.tests.length} test${c.tests.length === 1 ? '' : 's'})`);
    }
  }
  const t = r.totals;
  lines.push('');
  lines.push(`${t.claims} claims: ${t.verified} verified, ${t.measured} measured, ${t['caveat-shown']} caveats shown, ${t.failing} failing, ${t.untested} untested; ${t.tests} tests (${r.uncitedTests} engine unit tests cite no claim)`);
  return lines.join('\n');
}
