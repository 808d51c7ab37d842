// Charts drawn by uPlot (vendored from npm by `make vendor-web`, MIT): small helpers so the
// pages share one look — thin lines, Okabe–Ito colours, dashes as a second cue besides
// colour — and resize with their container.
import uPlot from './vendor/uplot/uPlot.esm.js';

export const palette = {
  customer: '#0072b2', agent: '#b57d00', ink: '#1d232b', muted: '#8a949e', warn: '#cc79a7',
  grid: '#e3e7eb', series: ['#0072b2', '#b57d00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#1d232b'],
  dashes: [undefined, [6, 4], [2, 3], [10, 3, 2, 3], [1, 2], [8, 8], [4, 2]],
};

const axis = (extra = {}) => ({
  stroke: palette.muted, grid: { stroke: palette.grid, width: 1 }, ticks: { stroke: palette.grid, width: 1 },
  font: '11px system-ui, sans-serif', size: 28, ...extra,
});

// chart makes a uPlot in target that follows the target's width. series: [{label, stroke,
// dash, width, fill}], data: [xs, ...ys]. opts: height, time (x is Unix seconds), yRange
// [min, max] (null: follow the data), yLabel, legend (default false), xValues/yValues (tick formatters), xIncrs
// (allowed x tick steps, e.g. whole seconds so m:ss labels never repeat), xRange [min, max]
// (e.g. the requested period, so one bucket does not stretch the axis over years).
export function chart(target, series, data, opts = {}) {
  const width = Math.max(120, target.clientWidth || 300);
  const u = new uPlot({
    width, height: opts.height || 120,
    legend: { show: !!opts.legend },
    cursor: { show: opts.cursor !== false, points: { size: 5 } },
    scales: { x: { time: !!opts.time, ...(opts.xRange ? { range: () => opts.xRange } : {}) }, y: opts.yRange ? { range: yRange(opts.yRange) } : { auto: true } },
    axes: [
      axis({ ...(opts.xValues ? { values: opts.xValues } : {}), ...(opts.xIncrs ? { incrs: opts.xIncrs, space: 45 } : {}) }),
      axis({ size: 38, ...(opts.yValues ? { values: opts.yValues } : {}), ...(opts.yLabel ? { label: opts.yLabel, labelSize: 14 } : {}) }),
    ],
    series: [{}, ...series.map((s) => ({ width: 1.5, points: { show: false }, spanGaps: true, ...s }))],
  }, data, target);
  const ro = new ResizeObserver(() => {
    const w = target.clientWidth;
    if (w > 0 && Math.abs(w - u.width) > 2) u.setSize({ width: w, height: u.height });
  });
  ro.observe(target);
  return u;
}

// yRange fixes the y scale to [min, max]; a null end follows the data (e.g. [0, null]:
// counts from zero up to the largest).
function yRange([lo, hi]) {
  return (u, min, max) => {
    const a = lo ?? min;
    let b = hi ?? max * 1.1;
    if (!(b > a)) b = a + 1;
    return [a, b];
  };
}

// sparkline is a bare line (no axes, no cursor) of ys over the last windowS of xs, for
// table cells. yMax() is read on every redraw and shared by all rows, so the same height
// means the same risk on every row while low risks still show as more than a flat line.
export function sparkline(target, width, height, windowS, yMax, stroke = palette.ink) {
  return new uPlot({
    width, height, legend: { show: false }, cursor: { show: false },
    scales: {
      x: { time: false, range: (u, min, max) => [Math.max(0, max - windowS), Math.max(max, windowS / 4)] },
      y: { range: () => [0, yMax()] },
    },
    axes: [{ show: false }, { show: false }],
    series: [{}, { stroke, width: 2, fill: 'rgba(0,114,178,0.15)', points: { show: false } }],
  }, [[], []], target);
}
