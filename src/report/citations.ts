/**
 * Which claims the tests cite, read from the test sources: every `claimTest([...ids], 'name', ...)` call.
 *
 * @module
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A citation: a test's name and file, and the claim IDs it checks. */
export interface Citation {
  readonly file: string;
  readonly test: string;
  readonly claims: readonly string[];
}

const CALL = /claimTest\(\s*\[([^\]]*)\]\s*,\s*(['"`])((?:\\.|(?!\2).)*)\2/gs;

/** The citations in one source text. */
export function citationsIn(file: string, text: string): Citation[] {
  const out: Citation[] = [];
  for (const m of text.matchAll(CALL)) {
    const claims = [...m[1]!.matchAll(/['"]([^'"]+)['"]/g)].map((x) => x[1]!);
    out.push({ file, test: m[3]!, claims });
  }
  return out;
}

/** All citations in the `.ts` files under a folder. */
export function scanCitations(folder: string): Citation[] {
  const out: Citation[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) out.push(...citationsIn(path, readFileSync(path, 'utf8')));
    }
  };
  walk(folder);
  return out;
}

/** Claim ID -> the tests citing it. */
export function citationMap(citations: readonly Citation[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const c of citations) for (const id of c.claims) map.set(id, [...(map.get(id) ?? []), `${c.file}: ${c.test}`]);
  return map;
}
