/**
 * Static scans for checks that could leave cases out silently: a raw fc.pre outside the ledger, or a filter
 * on an arbitrary (found by the type checker: `.filter` called on an fc.Arbitrary). Both throw generated
 * cases away without counting them; properties generate constructively or count through the ledger
 * (properties/arbitraries/ledger.ts).
 *
 * @module
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** A place in a file. */
export interface Place {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

function tsFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) out.push(path);
    }
  };
  walk(folder);
  return out;
}

/**
 * Calls of fc.pre in the folder's files (the folder relative to `root`), except in the ledger itself (whose
 * `skip` counts before calling it).
 */
export function rawPreconditions(folder: string, root = process.cwd(), allowed: readonly string[] = ['ledger.ts']): Place[] {
  const out: Place[] = [];
  for (const file of tsFiles(join(root, folder))) {
    if (allowed.some((a) => file.endsWith(a))) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((text, i) => {
        const code = text.replace(/\/\/.*$/, '');
        if (/\bfc\.pre\(/.test(code)) out.push({ file: relative(root, file), line: i + 1, text: text.trim() });
      });
  }
  return out;
}

/**
 * Calls of `.filter` on a fast-check arbitrary in the folder's files, found through the type checker with the
 * compiler options of `root`'s tsconfig.json.
 */
export function arbitraryFilters(folder: string, root = process.cwd()): Place[] {
  const tsconfig = join(root, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(tsconfig, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); } });
  if (!parsed) throw new Error(`${tsconfig}: could not be read`);
  const files = tsFiles(join(root, folder));
  const program = ts.createProgram(files, { ...parsed.options, noEmit: true });
  const checker = program.getTypeChecker();
  const wanted = new Set(files);
  const out: Place[] = [];
  for (const sf of program.getSourceFiles()) {
    if (!wanted.has(sf.fileName)) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'filter') {
        const type = checker.getTypeAtLocation(node.expression.expression);
        const names = [type, ...(type.getBaseTypes?.() ?? [])].map((t) => t.getSymbol()?.getName());
        if (names.includes('Arbitrary')) {
          const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
          out.push({ file: relative(root, sf.fileName), line: line + 1, text: sf.text.split('\n')[line]!.trim() });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out;
}
