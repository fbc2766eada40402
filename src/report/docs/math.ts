/**
 * Statements with TeX math rendered to HTML at build time by KaTeX (so the site needs no script and no CDN):
 * `$$...$$` is display math, `$...$` inline math; everything else is escaped text.
 *
 * @module
 */
import katex from 'katex';
import { marked } from 'marked';

/** Escape text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Render a statement's math with KaTeX; throws on TeX that KaTeX cannot parse (a registry error). */
export function renderMath(text: string): string {
  const parts = text.split(/(\$\$[^$]+\$\$|\$[^$]+\$)/g);
  return parts
    .map((part) => {
      if (part.startsWith('$$')) return katex.renderToString(part.slice(2, -2), { displayMode: true, throwOnError: true });
      if (part.startsWith('$') && part.length > 1) return katex.renderToString(part.slice(1, -1), { displayMode: false, throwOnError: true });
      return escapeHtml(part);
    })
    .join('');
}

/**
 * Render markdown with TeX math: the math is set aside behind placeholders, the markdown rendered by marked,
 * and KaTeX's HTML put back, so that markdown never touches the math (underscores, asterisks).
 */
export async function renderMarkdownWithMath(markdown: string): Promise<string> {
  const math: string[] = [];
  const held = markdown.replace(/\$\$[^$]+\$\$|\$[^$\n]+\$/g, (m) => {
    math.push(m.startsWith('$$') ? katex.renderToString(m.slice(2, -2), { displayMode: true, throwOnError: true }) : katex.renderToString(m.slice(1, -1), { displayMode: false, throwOnError: true }));
    return `@@MATH${math.length - 1}@@`;
  });
  const html = await marked.parse(held);
  return html.replace(/@@MATH(\d+)@@/g, (_, k: string) => math[Number(k)]!);
}
