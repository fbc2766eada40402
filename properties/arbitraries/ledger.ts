/**
 * Case accounts: every generated case a property draws is counted, and so is every case it leaves out (a
 * flow over its step budget, a run that diverged, a flow that barely moves) and every case it checks with a
 * widened tolerance, each by reason. Findings that are neither (diverged runs per optimiser and eps, where
 * Domingos' form is worst) are counted too. The accounts go into the test's metadata, the reporter shows
 * them per claim, and a property fails when more than MAX_SKIPPED_SHARE of its drawn cases were skipped or
 * widened: a check that leaves out much of what it draws is hollow.
 *
 * Use `skip` inside a fast-check predicate (it counts the case, then fc.pre(false) tells fast-check to draw
 * another), `leaveOut` in a plain loop (it counts and returns). claimTest closes every ledger its body
 * opened.
 *
 * @module
 */
import fc from 'fast-check';
import type { TestContext } from 'vitest';
import type { CaseAccount } from '../../src/claims/index.js';
import { REPLAY_PATH, SEED, replayCommand } from './config.js';

/** The largest share of drawn cases a property may skip or check with a widened tolerance (5%). */
export const MAX_SKIPPED_SHARE = 0.05;

/** A property's running account of its cases. */
export interface CaseLedger {
  /** Count one drawn case (call first in the predicate or loop body). */
  draw(): void;
  /** Leave the current case out, counted under `reason`, and let fast-check draw another (fc.pre). */
  skip(reason: string): never;
  /** Leave the current case out, counted under `reason` (outside fast-check's predicates). */
  leaveOut(reason: string): void;
  /** Count the current case as checked with a widened tolerance, under `reason`. */
  widen(reason: string): void;
  /** Count a finding that is neither a skip nor a widening (it does not count against the share). */
  find(what: string, count?: number): void;
  /** The cases drawn so far. */
  readonly drawn: number;
}

interface Open {
  readonly label: string;
  readonly file: string;
  readonly maxShare: number;
  drawn: number;
  readonly skipped: Record<string, number>;
  readonly widened: Record<string, number>;
  readonly findings: Record<string, number>;
}

const open = new Map<string, Open[]>();

const bump = (r: Record<string, number>, k: string, n = 1) => {
  r[k] = (r[k] ?? 0) + n;
};

/**
 * Open a case account for one check of the test (`label` names it when a test runs several properties).
 * `file` is the property file, for the replay command of the failure message.
 */
export function caseLedger(ctx: TestContext, label: string, file: string, options: { maxShare?: number } = {}): CaseLedger {
  const state: Open = { label, file, maxShare: options.maxShare ?? MAX_SKIPPED_SHARE, drawn: 0, skipped: {}, widened: {}, findings: {} };
  open.set(ctx.task.id, [...(open.get(ctx.task.id) ?? []), state]);
  return {
    draw: () => {
      state.drawn++;
    },
    skip: (reason) => {
      bump(state.skipped, reason);
      fc.pre(false);
      throw new Error('unreachable: fc.pre(false) returned');
    },
    leaveOut: (reason) => bump(state.skipped, reason),
    widen: (reason) => bump(state.widened, reason),
    find: (what, count = 1) => bump(state.findings, what, count),
    get drawn() {
      return state.drawn;
    },
  };
}

const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

/**
 * Close every account the test opened: record them in its metadata, and fail when one drew nothing or
 * skipped and widened more than its share. Called by claimTest after the body.
 */
export function closeLedgers(ctx: TestContext): void {
  const states = open.get(ctx.task.id) ?? [];
  open.delete(ctx.task.id);
  const accounts: CaseAccount[] = states.map((s) => ({ label: s.label, drawn: s.drawn, skipped: { ...s.skipped }, widened: { ...s.widened }, findings: { ...s.findings }, maxShare: s.maxShare }));
  ctx.task.meta.accounts = [...(ctx.task.meta.accounts ?? []), ...accounts];
  for (const s of states) {
    // A replayed counterexample runs a single case: the share is not meaningful then.
    if (REPLAY_PATH !== undefined && REPLAY_PATH !== '') continue;
    const out = total(s.skipped) + total(s.widened);
    const detail = () => `skipped: ${JSON.stringify(s.skipped)}, widened: ${JSON.stringify(s.widened)}; seed ${SEED}; replay: ${replayCommand(s.file)}`;
    if (s.drawn === 0) throw new Error(`${s.label}: no case was drawn, so nothing was checked; ${detail()}`);
    if (out > s.maxShare * s.drawn) throw new Error(`${s.label}: ${out} of ${s.drawn} drawn cases (${((100 * out) / s.drawn).toFixed(1)}%) were skipped or widened, over the ${Math.round(100 * s.maxShare)}% a check may leave out; ${detail()}`);
  }
}
