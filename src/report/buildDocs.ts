/**
 * Builds the companion site under build/docs from build/argument.json: the overview with the dependency
 * graph, one page per claim (KaTeX rendered at build time, figures, plots as SVG, tests, source, replay),
 * the command line's page, the last `npm run bench` (build/bench.md) as the benchmarks page, the committed
 * summaries of the seed sweep and of mutation testing (docs/results/), every other markdown page of docs/
 * (docs/claims/<id>.md goes onto that claim's page as its notes), and
 * the site's assets (KaTeX's stylesheet and fonts, copied so the site works offline). typedoc writes the API pages to build/docs/api (`npm run docs` runs both).
 *
 * Run by scripts/docs.ts (`npm run docs`).
 *
 * @module
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { marked } from 'marked';
import type { ArgumentReport } from './argument.js';
import { dependencyGraphSvg } from './docs/graph.js';
import { claimPage, documentPage, overviewPage, SITE_CSS, type SourceIndex } from './docs/pages.js';
import { renderMarkdownWithMath } from './docs/math.js';
import { seriesSvg } from './docs/plot.js';
import { seedSweepMarkdown, type SeedSweep } from './seeds.js';

const require = createRequire(import.meta.url);

/** Claim ID -> source files whose TSDoc carries `@claim <id>`. */
export function claimSources(root: string): SourceIndex {
  const map = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/@claim\s+([\w.-]+)/g)) map.set(m[1]!, [...new Set([...(map.get(m[1]!) ?? []), path])]);
      }
    }
  };
  walk(root);
  return map;
}

/** Build the site; returns the files written. */
export async function buildDocs(argumentFile = 'build/argument.json', outDir = 'build/docs', benchFile = 'build/bench.md', resultsDir = 'docs/results'): Promise<string[]> {
  if (!existsSync(argumentFile)) throw new Error(`${argumentFile} not found: run the argument first (npm start, or npm test)`);
  const report = JSON.parse(readFileSync(argumentFile, 'utf8')) as ArgumentReport;
  const written: string[] = [];
  const write = (rel: string, text: string) => {
    const path = join(outDir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    written.push(path);
  };
  const katexDist = dirname(require.resolve('katex/dist/katex.min.css'));
  mkdirSync(join(outDir, 'assets/katex'), { recursive: true });
  cpSync(join(katexDist, 'katex.min.css'), join(outDir, 'assets/katex/katex.min.css'));
  cpSync(join(katexDist, 'fonts'), join(outDir, 'assets/katex/fonts'), { recursive: true });
  write('assets/site.css', SITE_CSS);
  write('index.html', overviewPage(report, await dependencyGraphSvg(report)));
  const sources = claimSources('src');
  for (const section of report.sections) {
    for (const claim of section.claims) {
      const plots = await Promise.all(claim.series.map((s) => seriesSvg(s)));
      // A claim's hand-written notes (what a contradicted law means, how an identity reduces to another).
      const notesFile = join('docs', 'claims', `${claim.id}.md`);
      const notes = existsSync(notesFile) ? await renderMarkdownWithMath(readFileSync(notesFile, 'utf8')) : null;
      write(`claims/${claim.id}.html`, claimPage(report, claim, plots, sources, notes));
    }
  }
  const cli = existsSync('docs/cli.md') ? await marked.parse(readFileSync('docs/cli.md', 'utf8')) : '<p>docs/cli.md is missing.</p>';
  write('cli.html', documentPage('Command line', cli));
  const bench = existsSync(benchFile)
    ? await marked.parse(readFileSync(benchFile, 'utf8'))
    : `<h1>Benchmarks</h1><p>No bench run yet: <code>npm run bench</code> writes ${benchFile}, and the next <code>npm run docs</code> shows it here.</p>`;
  write('bench.html', documentPage('Benchmarks', bench));
  // The committed summaries of the runs that do not fit the default run: the seed sweep and mutation testing.
  const sweepFile = (name: string) => join(resultsDir, name);
  const sweepHtml = async (name: string) => (existsSync(sweepFile(name)) ? await marked.parse(seedSweepMarkdown(JSON.parse(readFileSync(sweepFile(name), 'utf8')) as SeedSweep)) : null);
  const defaultSweep = await sweepHtml('seeds.json');
  const deepSweep = await sweepHtml('seeds-deep.json');
  const seeds = [
    defaultSweep ?? `<h1>Seed sweep</h1><p>No sweep committed yet: <code>npm run seeds -- 20</code> writes ${sweepFile('seeds.json')}.</p>`,
    deepSweep ?? `<h2>Deep mode</h2><p>No deep sweep committed yet: <code>npm run seeds -- 3 --deep</code> writes ${sweepFile('seeds-deep.json')}.</p>`,
  ].join('\n');
  write('seeds.html', documentPage('Seed sweep', seeds));
  const mutation = existsSync(join(resultsDir, 'mutation.md'))
    ? await marked.parse(readFileSync(join(resultsDir, 'mutation.md'), 'utf8'))
    : `<h1>Mutation testing</h1><p>No mutation run committed yet: <code>npm run mutants</code> writes ${join(resultsDir, 'mutation.md')}.</p>`;
  write('mutation.html', documentPage('Mutation testing', mutation));
  // Hand-written pages of docs/ (each markdown file becomes a page of the same name).
  for (const name of existsSync('docs') ? readdirSync('docs').filter((n) => n.endsWith('.md') && n !== 'cli.md') : []) {
    const html = await renderMarkdownWithMath(readFileSync(join('docs', name), 'utf8'));
    write(name.replace(/\.md$/, '.html'), documentPage(name.replace(/\.md$/, ''), html));
  }
  return written;
}
