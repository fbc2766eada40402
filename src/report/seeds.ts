/**
 * The seed sweep's summary: for each claim, on how many of N seeds it passed (its status one of verified,
 * law-consistent, caveat-found, caveat-pinned, by-construction) and, for the others, the seed, the status and
 * what the run said (the failing test's first error, or the law's verdict and estimate). Built from the
 * argument reports of the runs (scripts/seeds.ts writes them), shown by the docs.
 *
 * @module
 */
import { evidenceSummary, type ArgumentReport } from './argument.js';
import type { ClaimStatus } from './status.js';

/** The statuses that count as a pass of a claim on a seed. */
export const PASSING: readonly ClaimStatus[] = ['verified', 'law-consistent', 'caveat-found', 'caveat-pinned', 'by-construction'];

/** One claim across the sweep. */
export interface SeedClaimRow {
  readonly id: string;
  readonly passes: number;
  readonly runs: number;
  readonly statuses: Readonly<Partial<Record<ClaimStatus, number>>>;
  /** The seeds where it did not pass, with its status and what the run said. */
  readonly misses: readonly { readonly seed: number; readonly status: ClaimStatus; readonly detail: string }[];
}

/** The whole sweep. */
export interface SeedSweep {
  readonly date: string;
  readonly commit: string;
  readonly deep: boolean;
  readonly seeds: readonly number[];
  /** Runs whose report is missing (the test run crashed or timed out), with the reason. */
  readonly lost: readonly { readonly seed: number; readonly reason: string }[];
  readonly claims: readonly SeedClaimRow[];
}

/** Summarise the reports of a sweep (one per seed that produced one). */
export function summariseSeeds(reports: readonly ArgumentReport[], meta: { date: string; commit: string; deep: boolean; seeds: readonly number[]; lost: SeedSweep['lost'] }): SeedSweep {
  const ids = reports[0]?.sections.flatMap((s) => s.claims.map((c) => c.id)) ?? [];
  const claims = ids.map((id): SeedClaimRow => {
    const statuses: Partial<Record<ClaimStatus, number>> = {};
    const misses: { seed: number; status: ClaimStatus; detail: string }[] = [];
    let passes = 0;
    for (const r of reports) {
      const c = r.sections.flatMap((s) => s.claims).find((x) => x.id === id);
      if (!c) continue;
      statuses[c.status] = (statuses[c.status] ?? 0) + 1;
      if (PASSING.includes(c.status)) passes++;
      else misses.push({ seed: r.seed, status: c.status, detail: c.status === 'failing' ? (c.tests.find((t) => t.error)?.error ?? '') : evidenceSummary(c) });
    }
    return { id, passes, runs: reports.length + meta.lost.length, statuses, misses };
  });
  return { ...meta, claims };
}

/** The sweep as a markdown table. */
export function seedSweepMarkdown(s: SeedSweep): string {
  const lines = [s.deep ? '## Deep mode' : '# Seed sweep', '', `${s.seeds.length} seeds${s.deep ? ' (deep mode)' : ''}, commit \`${s.commit.slice(0, 12)}\`, ${s.date}. Seeds: ${s.seeds.join(', ')}.`, ''];
  if (s.lost.length) lines.push(`Runs without a report (counted as misses of every claim): ${s.lost.map((l) => `${l.seed} (${l.reason})`).join('; ')}.`, '');
  lines.push('| claim | passed | statuses | misses |', '|---|---|---|---|');
  for (const c of s.claims) {
    const st = Object.entries(c.statuses).map(([k, v]) => `${k} ${v}`).join(', ');
    const miss = c.misses.map((m) => `seed ${m.seed}: ${m.status}${m.detail ? ` (${m.detail.replace(/\|/g, '\\|')})` : ''}`).join('<br>');
    lines.push(`| \`${c.id}\` | ${c.passes} / ${c.runs} | ${st} | ${miss} |`);
  }
  return lines.join('\n') + '\n';
}
