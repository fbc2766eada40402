/**
 * The argument as data: every registered claim with its status, the tests that checked it and their figures,
 * in the paper's order; plus the run's seed, mode, versions and date. This is build/argument.json, which the
 * docs are generated from.
 *
 * @module
 */
import { CLAIMS, SECTIONS, type CaseAccount, type Claim, type Evidence } from '../claims/index.js';
import { CLAIM_STATUSES, claimStatus, type ClaimStatus, type Series, type TestOutcome } from './status.js';

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
  /** What each passed test showed about the claim, with the test's name. */
  readonly evidence: readonly (Evidence & { readonly test: string })[];
  /** The case accounts of the tests citing the claim (skips, widenings, findings per property). */
  readonly accounts: readonly (CaseAccount & { readonly test: string })[];
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
  const totals: Record<string, number> = { claims: CLAIMS.length, tests: outcomes.length, ...Object.fromEntries(CLAIM_STATUSES.map((s) => [s, 0])) };
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
      evidence: tests.filter((t) => t.state === 'passed').flatMap((t) => (t.evidence?.[c.id] ?? []).map((e) => ({ ...e, test: t.name }))),
      accounts: tests.flatMap((t) => (t.accounts ?? []).map((a) => ({ ...a, test: t.name }))),
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

/** One mark per status for the terminal. */
export const STATUS_MARKS: Record<ClaimStatus, string> = {
  verified: '✓',
  'law-consistent': '≈',
  'caveat-found': '!',
  'caveat-pinned': '¡',
  'by-construction': '=',
  inconclusive: '?',
  contradicted: '≠',
  failing: '✗',
  untested: '·',
};

/** The status names as the totals line spells them. */
export const STATUS_WORDS: Record<ClaimStatus, string> = {
  verified: 'verified against an independent computation',
  'law-consistent': 'law consistent',
  'caveat-found': 'caveats found by search',
  'caveat-pinned': 'caveats pinned',
  'by-construction': 'by construction',
  inconclusive: 'inconclusive',
  contradicted: 'contradicted',
  failing: 'failing',
  untested: 'untested',
};

/** The totals as one line: "49 claims: 30 verified against an independent computation, ...". */
export function formatTotals(r: ArgumentReport): string {
  const t = r.totals;
  return `${t.claims} claims: ${CLAIM_STATUSES.map((s) => `${t[s]} ${STATUS_WORDS[s]}`).join(', ')}`;
}

function formatFigure(v: number | string): string {
  if (typeof v === 'string') return v;
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  return v.toExponential(2);
}

/** A short account of what the evidence showed: the independent computations, the laws' estimates, the searches. */
export function evidenceSummary(c: Pick<ClaimReport, 'evidence'>): string {
  const parts: string[] = [];
  const against = [...new Set(c.evidence.flatMap((e) => (e.kind === 'verified' ? [e.against] : [])))];
  if (against.length) parts.push(`vs ${against.join(', ')}`);
  for (const e of c.evidence) {
    if (e.kind !== 'law') continue;
    const n = e.cases.consistent + e.cases.inconclusive + e.cases.contradicted;
    // A refinement stopped before two slopes (by rounding or its budget) has no estimate or no finite width.
    const fixed = (v: number | null) => (v === null || !Number.isFinite(v) ? 'none' : v.toFixed(3));
    parts.push(`${e.verdict}: ${fixed(e.estimate)} ± ${fixed(e.halfWidth)} (stated ${e.rule.expected}, competitor ${e.rule.competitor}${n > 1 ? `; cases ${e.cases.consistent}/${n} consistent` : ''})`);
  }
  for (const e of c.evidence) if (e.kind === 'caveat-found') parts.push(`found in ${e.hits} of ${e.searched} searched`);
  const pinned = c.evidence.filter((e) => e.kind === 'caveat-pinned').length;
  if (pinned) parts.push(`${pinned} pinned example${pinned === 1 ? '' : 's'}`);
  if (against.length === 0 && c.evidence.some((e) => e.kind === 'by-construction')) parts.push('by construction');
  return parts.join('; ');
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
      const shown = evidenceSummary(c);
      const tail = c.status === 'untested' ? (c.pending ? `pending issue ${c.pending}` : 'no test ran') : c.status === 'failing' ? `FAILED: ${c.tests.find((t) => t.error)?.error ?? ''}` : [shown, figs].filter((x) => x !== '').join('; ');
      lines.push(`  ${STATUS_MARKS[c.status]} ${c.id.padEnd(30)} ${c.status.padEnd(15)} ${c.title}${tail ? ` | ${tail}` : ''} (${c.tests.length} test${c.tests.length === 1 ? '' : 's'})`);
    }
  }
  lines.push('');
  lines.push(`${formatTotals(r)}; ${r.totals.tests} tests (${r.uncitedTests} engine unit tests cite no claim)`);
  return lines.join('\n');
}
