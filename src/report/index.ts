/**
 * Reporting the argument: statuses, the report as data and as text, citations, the vitest reporter.
 *
 * @module
 */
export * from './status.js';
export * from './argument.js';
export * from './citations.js';
