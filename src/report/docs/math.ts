/**
 * Statements with TeX math rendered to HTML at build time by KaTeX (so the site needs no script and no CDN):
 * `$$...$$` is display math, `$...$` inline math; everything else is escaped text.
 *
 * @module
 */
import katex from 'katex';

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
