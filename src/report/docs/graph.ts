/**
 * The dependency graph of the claims, coloured by status (leanblueprint style), laid out by Graphviz
 * (compiled to WebAssembly, so no system package is needed) and rendered as SVG with a link per node.
 *
 * @module
 */
import { instance } from '@viz-js/viz';
import type { ArgumentReport } from '../argument.js';
import type { ClaimStatus } from '../status.js';

/** Fill colour per status. */
export const STATUS_COLOURS: Record<ClaimStatus, string> = {
  verified: '#9be29b',
  'law-consistent': '#9ec9f0',
  'caveat-found': '#f5c26b',
  'caveat-pinned': '#f9e0b0',
  'by-construction': '#d7ccc8',
  inconclusive: '#fff59d',
  contradicted: '#ce93d8',
  failing: '#f08080',
  untested: '#e0e0e0',
};

/** The SVG of the dependency graph; each node links to `claims/<id>.html` relative to `base`. */
export async function dependencyGraphSvg(report: ArgumentReport, base = ''): Promise<string> {
  const viz = await instance();
  const lines = ['digraph claims {', '  rankdir=TB; node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11]; edge [color="#888888"];'];
  for (const section of report.sections) {
    for (const c of section.claims) {
      lines.push(`  "${c.id}" [fillcolor="${STATUS_COLOURS[c.status]}", URL="${base}claims/${c.id}.html", tooltip="${c.title.replace(/"/g, "'")} (${c.status})"];`);
    }
  }
  for (const section of report.sections) for (const c of section.claims) for (const u of c.uses) lines.push(`  "${u}" -> "${c.id}";`);
  lines.push('}');
  return viz.renderString(lines.join('\n'), { format: 'svg' }).replace(/^<\?xml[^>]*>\s*<!DOCTYPE[^>]*>\s*/s, '');
}
