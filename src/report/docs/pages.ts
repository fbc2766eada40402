/**
 * The HTML pages of the companion site: the overview (the argument in the paper's order, totals, the
 * dependency graph) and one page per claim (statement, status, figures, plots, tests, source, replay).
 *
 * @module
 */
import { formatTotals, type ArgumentReport, type ClaimReport } from '../argument.js';
import { CLAIM_STATUSES } from '../status.js';
import { STATUS_COLOURS } from './graph.js';
import { escapeHtml, renderMath } from './math.js';

/** Where a claim's source lives (files whose TSDoc carries `@claim <id>`). */
export type SourceIndex = ReadonlyMap<string, readonly string[]>;

function layout(title: string, depth: number, body: string): string {
  const up = '../'.repeat(depth);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)} · pathkernel</title>
<link rel="stylesheet" href="${up}assets/katex/katex.min.css">
<link rel="stylesheet" href="${up}assets/site.css">
</head>
<body>
<header><a href="${up}index.html">pathkernel</a> · <a href="${up}api/index.html">API</a> · <a href="${up}cli.html">command line</a> · <a href="${up}seeds.html">seeds</a> · <a href="${up}mutation.html">mutation testing</a> · <a href="${up}bench.html">benchmarks</a></header>
<main>
${body}
</main>
<footer>Generated from build/argument.json by <code>npm run docs</code>.</footer>
</body>
</html>
`;
}

function badge(status: ClaimReport['status']): string {
  return `<span class="badge" style="background:${STATUS_COLOURS[status]}">${status}</span>`;
}

function figureValue(v: number | string): string {
  if (typeof v === 'string') return escapeHtml(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  return v.toExponential(3);
}

/** The site's front page. */
export function overviewPage(report: ArgumentReport, graphSvg: string): string {
  const t = report.totals;
  const sections = report.sections
    .filter((s) => s.claims.length > 0)
    .map(
      (s) => `<h2>${escapeHtml(s.title)}</h2>
<table class="claims"><tbody>
${s.claims
  .map((c) => {
    const key = Object.entries(c.figures)[0];
    const note = c.status === 'untested' && c.pending ? `pending issue ${escapeHtml(c.pending)}` : key ? `${escapeHtml(key[0])}: ${figureValue(key[1])}` : '';
    return `<tr><td>${badge(c.status)}</td><td><a href="claims/${c.id}.html"><code>${c.id}</code></a></td><td>${escapeHtml(c.title)}</td><td class="figure">${note}</td></tr>`;
  })
  .join('\n')}
</tbody></table>`,
    )
    .join('\n');
  return layout(
    'The argument',
    0,
    `<h1>${escapeHtml(report.title)}</h1>
<p class="run">Run of ${escapeHtml(report.date)} · seed <code>${report.seed}</code>${report.deep ? ' · deep mode' : ''} · ${Object.entries(report.versions)
      .map(([k, v]) => `${escapeHtml(k)} ${escapeHtml(v)}`)
      .join(' · ')}</p>
<p class="totals">${escapeHtml(formatTotals(report))} · ${t.tests} tests.</p>
<p>Each claim of the paper is checked by the tests named on its page, and each test says what stands on the other side of its comparison. <em>Verified</em>: agreement with a named independent computation (finite differences, mathjs, a closed form, PyTorch, scipy, TensorFlow.js, a second implementation), to a tolerance derived from float64 rounding or the integrator's tolerance. <em>By construction</em>: the check repeats algebra the code performs itself; shown, not counted as verified. <em>Law consistent</em>: a measured exponent whose interval holds the stated value and excludes a competitor named in advance; <em>inconclusive</em>: the interval holds both; <em>contradicted</em>: it excludes the stated value (a result, explained on the claim's page). <em>Caveat found</em>: a search over generated cases found it (with the search's size); <em>caveat pinned</em>: a hand-pinned example shows it. The graph shows which claims each one uses.</p>
<h2>Dependency graph</h2>
<div class="legend">${CLAIM_STATUSES.map((s) => badge(s)).join(' ')}</div>
<div class="graph" id="dependency-graph">${graphSvg}</div>
${sections}`,
  );
}

function evidenceRow(e: ClaimReport['evidence'][number]): string {
  const what =
    e.kind === 'verified'
      ? `verified against <strong>${escapeHtml(e.against)}</strong>`
      : e.kind === 'law'
        ? `law <strong>${e.verdict}</strong>: ${escapeHtml(e.rule.quantity)} = ${e.estimate.toFixed(4)} ± ${e.halfWidth.toFixed(4)}; stated ${e.rule.expected}, competitor ${e.rule.competitor}${e.cases.consistent + e.cases.inconclusive + e.cases.contradicted > 1 ? `; cases: ${e.cases.consistent} consistent, ${e.cases.inconclusive} inconclusive, ${e.cases.contradicted} contradicted` : ''}<div class="reason">Rule: ${escapeHtml(e.rule.reason)}</div>`
        : e.kind === 'caveat-found'
          ? `caveat <strong>found by search</strong>: ${e.hits} of ${e.searched} searched (${((100 * e.hits) / Math.max(e.searched, 1)).toFixed(1)}%)`
          : e.kind === 'caveat-pinned'
            ? `caveat shown on <strong>${e.cases} pinned</strong> example${e.cases === 1 ? '' : 's'}`
            : '<strong>by construction</strong> (not counted as verified)';
  return `<tr><td>${what}${e.detail ? `<div class="detail">${escapeHtml(e.detail)}</div>` : ''}</td><td class="figure">${escapeHtml(e.test)}</td></tr>`;
}

function evidenceHtml(claim: ClaimReport): string {
  if (claim.evidence.length === 0) return '<p>No evidence recorded in the last run.</p>';
  return `<table class="evidence"><tbody>${claim.evidence.map(evidenceRow).join('\n')}</tbody></table>`;
}

function accountsHtml(claim: ClaimReport): string {
  if (claim.accounts.length === 0) return '';
  const reasons = (r: Readonly<Record<string, number>>) => Object.entries(r).map(([k, v]) => `${v} ${escapeHtml(k)}`).join('; ') || '0';
  const rows = claim.accounts.map((a) => `<tr><td>${escapeHtml(a.label)}</td><td>${a.drawn}</td><td>${reasons(a.skipped)}</td><td>${reasons(a.widened)}</td><td>${reasons(a.findings)}</td><td class="figure">${escapeHtml(a.test)}</td></tr>`);
  return `<h3>Generated cases</h3><p>A property fails when more than ${Math.round(100 * Math.max(...claim.accounts.map((a) => a.maxShare)))}% of its drawn cases are skipped or checked with a widened tolerance.</p>
<table class="accounts"><thead><tr><th>check</th><th>drawn</th><th>skipped</th><th>widened</th><th>findings</th><th>test</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

/** One claim's page. */
export function claimPage(report: ArgumentReport, claim: ClaimReport, plots: readonly string[], sources: SourceIndex, notes: string | null = null): string {
  const figures = Object.entries(claim.figures);
  const tests = claim.tests
    .map(
      (t) => `<tr><td>${t.state === 'passed' ? '✓' : t.state === 'failed' ? '✗' : '·'}</td><td>${escapeHtml(t.name)}${t.error ? `<div class="error">${escapeHtml(t.error)}</div>` : ''}</td><td><a href="../../../${escapeHtml(t.file)}"><code>${escapeHtml(t.file)}</code></a></td><td>${(t.durationMs / 1000).toFixed(2)} s</td></tr>`,
    )
    .join('\n');
  const files = [...new Set(claim.tests.map((t) => t.file))];
  const replay = files.map((f) => `PATHKERNEL_SEED=${report.seed} npx vitest run ${f}`).join('\n');
  const src = sources.get(claim.id) ?? [];
  const uses = claim.uses.map((u) => `<a href="${u}.html"><code>${u}</code></a>`).join(', ');
  const usedBy = report.sections.flatMap((s) => s.claims).filter((c) => c.uses.includes(claim.id));
  return layout(
    claim.id,
    1,
    `<p><a href="../index.html">← the argument</a></p>
<h1><code>${claim.id}</code> · ${escapeHtml(claim.title)}</h1>
<p>${badge(claim.status)} <span class="kind">${claim.kind}</span> · ${escapeHtml(claim.source)}${claim.pending ? ` · pending issue ${escapeHtml(claim.pending)}` : ''}</p>
<div class="statement">${renderMath(claim.statement)}</div>
<p>Uses: ${uses || 'nothing (a starting point)'} · used by: ${usedBy.map((c) => `<a href="${c.id}.html"><code>${c.id}</code></a>`).join(', ') || 'nothing'}</p>
${notes ? `<h2>Notes</h2>\n<div class="notes">${notes}</div>` : ''}
<h2>Evidence</h2>
${evidenceHtml(claim)}
${accountsHtml(claim)}
<h2>Figures of the last run</h2>
${figures.length ? `<table class="figures"><tbody>${figures.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${figureValue(v)}</td></tr>`).join('\n')}</tbody></table>` : '<p>No figures recorded.</p>'}
${plots.length ? `<h2>Plots</h2>${plots.map((p) => `<div class="plot">${p}</div>`).join('\n')}` : ''}
<h2>Tests</h2>
${tests ? `<table class="tests"><tbody>${tests}</tbody></table>` : '<p>No test checks this claim yet.</p>'}
<h2>Replay</h2>
<pre>${escapeHtml(replay || 'no test to replay')}</pre>
<p>A failing property prints its own <code>PATHKERNEL_PATH</code>; add it to replay the shrunk counterexample alone.</p>
<h2>Source</h2>
${src.length ? `<ul>${src.map((f) => `<li><a href="../../../${escapeHtml(f)}"><code>${escapeHtml(f)}</code></a></li>`).join('')}</ul>` : '<p>No source file is tagged with this claim.</p>'}`,
  );
}

/** A page of the site written in markdown (the command line's, the benchmarks'), already rendered to HTML. */
export function documentPage(title: string, markdownHtml: string): string {
  return layout(title, 0, markdownHtml);
}

/** The site's stylesheet. */
export const SITE_CSS = `
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; color: #1d1d1f; line-height: 1.45; }
header { background: #263238; color: white; padding: 0.6em 1.5em; }
header a { color: white; text-decoration: none; margin-right: 0.4em; }
main { max-width: 1100px; margin: 0 auto; padding: 1em 1.5em 3em; }
footer { color: #666; font-size: 0.85em; text-align: center; padding: 1em; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1.5em; }
td { border-bottom: 1px solid #e5e5e5; padding: 0.3em 0.5em; vertical-align: top; }
td.figure { color: #444; font-size: 0.9em; }
.badge { display: inline-block; border-radius: 4px; padding: 0.05em 0.5em; font-size: 0.85em; }
.statement { background: #f7f9fb; border-left: 4px solid #90a4ae; padding: 0.7em 1em; margin: 1em 0; }
.graph svg { max-width: 100%; height: auto; }
.plot { margin: 1em 0; }
pre { background: #f4f4f4; padding: 0.7em; overflow-x: auto; }
.error { color: #b00020; font-size: 0.9em; }
.kind { color: #555; }
.reason, .detail { color: #555; font-size: 0.88em; }
th { text-align: left; font-weight: 600; padding: 0.3em 0.5em; border-bottom: 1px solid #ccc; }
.run, .totals { color: #333; }
`;
