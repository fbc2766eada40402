/**
 * Plots of measured laws as SVG, rendered without a browser by vega-lite and vega: the measured points on
 * log-log axes with the fitted power law y = exp(intercept) x^slope drawn through them.
 *
 * @module
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { Series } from '../status.js';

/** The SVG of one series. */
export async function seriesSvg(series: Series): Promise<string> {
  const points = series.x.map((x, i) => ({ x, y: series.y[i]!, kind: 'measured' }));
  const fitted = series.fit ? series.x.map((x) => ({ x, y: Math.exp(series.fit!.intercept) * x ** series.fit!.slope, kind: `fit: slope ${series.fit!.slope.toFixed(3)}${series.fit!.halfWidth95 ? ` ± ${series.fit!.halfWidth95.toFixed(3)}` : ''}` })) : [];
  const scale = (log: boolean) => (log ? { type: 'log' as const } : { type: 'linear' as const });
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 420,
    height: 260,
    title: series.name,
    data: { values: [...points, ...fitted] },
    layer: [
      {
        transform: [{ filter: "datum.kind === 'measured'" }],
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: series.xLabel, scale: scale(series.logX) },
          y: { field: 'y', type: 'quantitative', title: series.yLabel, scale: scale(series.logY) },
          color: { field: 'kind', type: 'nominal', title: null, legend: { labelLimit: 320, orient: 'bottom' } },
        },
      },
      {
        transform: [{ filter: "datum.kind !== 'measured'" }],
        mark: { type: 'line' },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale: scale(series.logX) },
          y: { field: 'y', type: 'quantitative', scale: scale(series.logY) },
          color: { field: 'kind', type: 'nominal', title: null },
        },
      },
    ],
  };
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}
