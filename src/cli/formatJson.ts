/**
 * JSON for people and for diff: objects one key per line (small flat ones on one line), arrays of plain values on one line (so a kernel's
 * row or a loss curve is one line, not one number per line). JSON.parse of the text gives what JSON.parse of
 * JSON.stringify would: numbers keep their shortest round-trip form, and a non-finite number becomes null.
 *
 * @module
 */

// A small flat object (a layout block, the versions) fits on one line up to this many characters.
const INLINE_WIDTH = 100;

function isPlain(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

function scalar(value: unknown): string {
  // JSON.stringify gives 'null' for NaN and +-Infinity, and undefined for undefined and functions.
  return JSON.stringify(value) ?? 'null';
}

/** The JSON text of `value`, indented by two spaces per level, plain arrays inline. */
export function formatJson(value: unknown, indent = ''): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every(isPlain)) return `[${value.map(scalar).join(', ')}]`;
    return `[\n${value.map((v) => inner + formatJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
    if (entries.length === 0) return '{}';
    const inline = `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${scalar(v)}`).join(', ')} }`;
    if (entries.every(([, v]) => isPlain(v)) && inline.length <= INLINE_WIDTH) return inline;
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return scalar(value);
}
