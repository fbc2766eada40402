/**
 * Tying a test to the claims of the paper it checks: the claim IDs (../shared/reference/paper.md) go into the
 * test's metadata, where the reporter reads them, and into its name.
 *
 * @module
 */
import { it, type TestContext } from 'vitest';
import type { Series } from '../../src/report/status.js';

declare module 'vitest' {
  interface TaskMeta {
    /** The claim IDs a test checks. */
    claims?: string[];
    /** Key figures of the check (worst relative error, fitted slope, counterexample...). */
    figures?: Record<string, number | string>;
    /** Measured curves for the docs' plots. */
    series?: Series[];
    /** Figures that belong to one of the test's claims only (a test checking several laws). */
    claimFigures?: Record<string, Record<string, number | string>>;
  }
}

/** Record a measured curve (for example error against eps) with its fitted power law, for the docs' plots. */
export function recordSeries(ctx: TestContext, series: Omit<Series, 'logX' | 'logY'> & { logX?: boolean; logY?: boolean }): void {
  const clean = { logX: true, logY: true, ...series, x: [...series.x], y: [...series.y] };
  ctx.task.meta.series = [...(ctx.task.meta.series ?? []), clean];
}

/** A test that checks the given claims; its body may record figures with {@link recordFigure}. */
export function claimTest(claims: readonly string[], name: string, body: (ctx: TestContext) => void | Promise<void>, timeout?: number): void {
  it(
    `${name} [${claims.join(', ')}]`,
    async (ctx) => {
      ctx.task.meta.claims = [...claims];
      await body(ctx);
    },
    timeout,
  );
}

/** Record a key figure of a check in the test's metadata (the worst error over the run, a slope, ...). */
export function recordFigure(ctx: TestContext, key: string, value: number | string, claim?: string): void {
  if (claim !== undefined) {
    const all = ctx.task.meta.claimFigures ?? {};
    ctx.task.meta.claimFigures = { ...all, [claim]: { ...(all[claim] ?? {}), [key]: value } };
  } else ctx.task.meta.figures = { ...(ctx.task.meta.figures ?? {}), [key]: value };
  if (process.env['PATHKERNEL_FIGURES'] === '1') console.log(`figure | ${ctx.task.name} | ${key} | ${typeof value === 'number' ? value.toExponential(4) : value}`);
}
