// Accessible SVG charts, drawn at the container's real width so text stays readable on a phone.
// Each chart is an <svg role="img"> named by its title, with a legend that does not rely on colour
// alone (bars are squares, the previous year is a line) and the full data as a table for screen readers.
import { h, s, uid } from './dom.js';
import { num } from './format.js';

function niceStep(span, count) {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 2.5 ? 2.5 : unit <= 5 ? 5 : 10) * power;
}

function scale(values, ticks = 4) {
  const finite = values.filter((v) => v !== null && Number.isFinite(v));
  let min = Math.min(0, ...finite);
  let max = Math.max(0, ...finite);
  if (min === max) max = min + 1;
  const step = niceStep(max - min, ticks);
  min = Math.floor(min / step) * step;
  max = Math.ceil(max / step) * step;
  const list = [];
  for (let v = min; v <= max + step / 2; v += step) list.push(Math.round(v / step) * step);
  return { min, max, ticks: list };
}

function legend(series) {
  return h(
    'ul',
    { class: 'legend' },
    series.map((serie) =>
      h(
        'li',
        null,
        s(
          'svg',
          { class: 'swatch', width: 18, height: 12, viewBox: '0 0 18 12', 'aria-hidden': 'true', focusable: 'false' },
          serie.type === 'line'
            ? [s('line', { x1: 0, y1: 6, x2: 18, y2: 6, class: `stroke ${serie.cls}` }), s('circle', { cx: 9, cy: 6, r: 3, class: `dot ${serie.cls}` })]
            : s('rect', { x: 3, y: 0, width: 12, height: 12, class: `fill ${serie.cls}` }),
        ),
        serie.name,
      ),
    ),
  );
}

function dataTable(caption, headers, rows) {
  return h(
    'details',
    { class: 'chart-data' },
    h('summary', null, caption),
    h(
      'div',
      { class: 'table-wrap' },
      h('table', null, h('thead', null, h('tr', null, headers.map((text, i) => h('th', { scope: 'col', class: i ? 'num' : null }, text)))), h('tbody', null, rows.map((cells) => h('tr', null, cells.map((text, i) => (i ? h('td', { class: 'num' }, text) : h('th', { scope: 'row' }, text))))))),
    ),
  );
}

/**
 * Columns by category (months, weeks): bar series side by side, line series on top.
 * options: { title, labels: [{key, short, long}], series: [{name, type:'bar'|'line', cls, values:[text|null]}],
 *            format(text) → string, axis(number) → string, width, dataCaption, kind }
 */
export function columnChart(options) {
  const { labels, series, width: rawWidth, format, axis } = options;
  const width = Math.max(280, Math.round(rawWidth));
  const height = Math.round(Math.min(300, Math.max(200, width * 0.45)));
  const margin = { top: 12, right: 8, bottom: 26, left: width < 420 ? 52 : 70 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const numbers = series.map((serie) => serie.values.map(num));
  const { min, max, ticks } = scale(numbers.flat());
  const y = (v) => margin.top + plotH - ((v - min) / (max - min)) * plotH;
  const band = plotW / labels.length;
  const bars = series.filter((serie) => serie.type !== 'line');
  const inner = band * (bars.length > 1 ? 0.8 : 0.62);
  const barW = inner / Math.max(1, bars.length);
  const x0 = (i) => margin.left + band * i + (band - inner) / 2;
  const cx = (i) => margin.left + band * i + band / 2;
  const titleId = uid('chart-title');
  const every = band < 30 ? 2 : 1;

  const grid = ticks.map((t) =>
    s('g', { class: 'tick' }, s('line', { x1: margin.left, x2: width - margin.right, y1: y(t), y2: y(t), class: t === 0 ? 'zero' : 'grid' }), s('text', { x: margin.left - 6, y: y(t), dy: '0.32em', 'text-anchor': 'end' }, axis(t))),
  );
  const xLabels = labels.map((label, i) => (i % every === 0 ? s('text', { x: cx(i), y: height - 8, 'text-anchor': 'middle' }, label.short) : null));
  const barNodes = bars.flatMap((serie, b) => {
    const values = numbers[series.indexOf(serie)];
    return values.map((v, i) => {
      if (v === null) return null;
      const top = y(Math.max(0, v));
      const bottom = y(Math.min(0, v));
      return s(
        'rect',
        { class: `bar fill ${serie.cls}`, x: (x0(i) + barW * b).toFixed(1), y: top.toFixed(1), width: Math.max(1, barW - 1).toFixed(1), height: Math.max(0.5, bottom - top).toFixed(1), 'data-key': labels[i].key, 'data-series': serie.cls, 'data-value': serie.values[i] },
        s('title', null, `${labels[i].long} — ${serie.name} : ${format(serie.values[i])}`),
      );
    });
  });
  const lineNodes = series
    .filter((serie) => serie.type === 'line')
    .flatMap((serie) => {
      const values = numbers[series.indexOf(serie)];
      let d = '';
      let pen = false;
      values.forEach((v, i) => {
        if (v === null) {
          pen = false;
          return;
        }
        d += `${pen ? 'L' : 'M'}${cx(i).toFixed(1)},${y(v).toFixed(1)}`;
        pen = true;
      });
      return [
        s('path', { d, class: `line stroke ${serie.cls}`, 'data-series': serie.cls }),
        ...values.map((v, i) => (v === null ? null : s('circle', { cx: cx(i).toFixed(1), cy: y(v).toFixed(1), r: 3.5, class: `dot point ${serie.cls}`, 'data-key': labels[i].key, 'data-series': serie.cls, 'data-value': serie.values[i] }, s('title', null, `${labels[i].long} — ${serie.name} : ${format(serie.values[i])}`)))),
      ];
    });

  const svg = s(
    'svg',
    { class: 'chart-svg', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': titleId, 'data-chart': options.kind ?? 'columns', 'data-categories': labels.length },
    s('title', { id: titleId }, options.title),
    grid,
    barNodes,
    lineNodes,
    xLabels,
  );
  return h(
    'figure',
    { class: 'chart' },
    h('figcaption', null, h('span', { class: 'chart-title' }, options.title), legend(series)),
    svg,
    dataTable(
      options.dataCaption,
      [options.categoryHeader, ...series.map((serie) => serie.name)],
      labels.map((label, i) => [label.long, ...series.map((serie) => format(serie.values[i]))]),
    ),
  );
}

/**
 * One horizontal bar split into segments (aged balances). Negative segments (credits not allocated yet)
 * cannot be stacked: they stay out of the drawing but are in the legend and the table.
 * options: { title, segments: [{key, label, value(text), cls}], format, width, height }
 */
export function stackedBar(options) {
  const { segments, format } = options;
  const width = Math.max(120, Math.round(options.width));
  const height = options.height ?? 28;
  const values = segments.map((segment) => Math.max(0, num(segment.value) ?? 0));
  const total = values.reduce((a, b) => a + b, 0);
  let x = 0;
  const titleId = uid('stack-title');
  const rects = segments.map((segment, i) => {
    const w = total > 0 ? (values[i] / total) * width : 0;
    const node = w > 0 ? s('rect', { class: `seg fill ${segment.cls}`, x: x.toFixed(2), y: 0, width: w.toFixed(2), height, 'data-key': segment.key, 'data-value': segment.value }, s('title', null, `${segment.label} : ${format(segment.value)}`)) : null;
    x += w;
    return node;
  });
  return s(
    'svg',
    { class: 'stack', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': titleId, 'data-chart': 'stacked' },
    s('title', { id: titleId }, options.title ?? segments.map((segment) => `${segment.label} : ${format(segment.value)}`).join(', ')),
    total > 0 ? rects : s('rect', { class: 'empty', x: 0, y: 0, width, height }),
  );
}

export function stackLegend(segments, format) {
  return h(
    'ul',
    { class: 'legend legend-values' },
    segments.map((segment) =>
      h('li', null, s('svg', { class: 'swatch', width: 12, height: 12, viewBox: '0 0 12 12', 'aria-hidden': 'true', focusable: 'false' }, s('rect', { width: 12, height: 12, class: `fill ${segment.cls}` })), h('span', null, segment.label), h('strong', { class: 'num' }, format(segment.value))),
    ),
  );
}

/** A small bar inside a table cell; `fraction` 0–1. Decorative: the figure is in the same cell. */
export function inlineBar(fraction, cls = 's-current') {
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  return s('svg', { class: 'inline-bar', viewBox: '0 0 100 8', preserveAspectRatio: 'none', 'aria-hidden': 'true', focusable: 'false' }, s('rect', { class: 'track', width: 100, height: 8 }), s('rect', { class: `fill ${cls}`, width: (f * 100).toFixed(2), height: 8, 'data-fraction': f.toFixed(4) }));
}
