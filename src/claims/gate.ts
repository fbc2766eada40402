/**
 * The gate: every registered claim is checked by at least one test (unless it is pending on an open issue),
 * every claim a test cites is registered, and the dependency graph is well formed (known IDs, no cycles).
 *
 * @module
 */
import type { Claim } from './registry.js';

/** What the gate found wrong, each with a one-line explanation. */
export interface GateProblem {
  readonly kind: 'untested' | 'unregistered' | 'unknown-dependency' | 'duplicate' | 'cycle';
  readonly id: string;
  readonly message: string;
}

/**
 * Check a registry against the citations of the tests (claim ID -> the tests citing it). Pending claims may
 * be untested; they are reported by the reporter as untested with the issue that will check them.
 */
export function checkGate(claims: readonly Claim[], citations: ReadonlyMap<string, readonly string[]>): GateProblem[] {
  const problems: GateProblem[] = [];
  const ids = new Set<string>();
  for (const c of claims) {
    if (ids.has(c.id)) problems.push({ kind: 'duplicate', id: c.id, message: `claim ${c.id} is registered twice` });
    ids.add(c.id);
  }
  for (const c of claims) {
    const tests = citations.get(c.id) ?? [];
    if (tests.length === 0 && c.pending === undefined) problems.push({ kind: 'untested', id: c.id, message: `claim ${c.id} ("${c.title}") has no test` });
    for (const u of c.uses) if (!ids.has(u)) problems.push({ kind: 'unknown-dependency', id: c.id, message: `claim ${c.id} uses ${u}, which is not registered` });
  }
  for (const [id, tests] of citations) {
    if (!ids.has(id)) problems.push({ kind: 'unregistered', id, message: `tests cite ${id}, which is not registered: ${tests.join('; ')}` });
  }
  // Depth-first search for a cycle in "uses".
  const byId = new Map(claims.map((c) => [c.id, c]));
  const state = new Map<string, 'open' | 'done'>();
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'open') {
      problems.push({ kind: 'cycle', id, message: `the claims use each other in a cycle: ${[...path, id].join(' -> ')}` });
      return;
    }
    state.set(id, 'open');
    for (const u of byId.get(id)?.uses ?? []) visit(u, [...path, id]);
    state.set(id, 'done');
  };
  for (const c of claims) visit(c.id, []);
  return problems;
}
