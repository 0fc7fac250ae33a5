/**
 * Charts as inline SVG, drawn on the server: no script, no external file, so they pass a
 * strict Content-Security-Policy. Colours are set with presentation attributes (not style
 * attributes, which the policy forbids); every mark has a <title> tooltip.
 */
import { html, type SafeHtml } from './html.js';

/**
 * Okabe–Ito colours, distinguishable with the common colour-vision deficiencies; the pale
 * yellow is left out (it vanishes on white), and grey is kept for "other".
 */
export const PALETTE: readonly string[] = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#882255',
];
export const OTHER_COLOUR = '#8C8C8C';

export interface ChartSeries {
  name: string;
  /** Defaults to the palette, in order. */
  colour?: string;
}

export interface StackedColumnsInput {
  /** Unique in the page (for aria-labelledby). */
  id: string;
  title: string;
  /** Read by screen readers: what the chart shows. */
  description: string;
  /** The x values, e.g. days, left to right. */
  categories: readonly string[];
  /** How a category is written under its column (default: as is). */
  categoryLabel?: (category: string) => string;
  /** One value per category, per series, stacked bottom to top. */
  series: readonly (ChartSeries & { values: readonly number[] })[];
  xTitle: string;
  yTitle: string;
  /** The unit in tooltips, e.g. ['incident', 'incidents']. */
  unit: readonly [string, string];
  /** Shown instead of columns when every value is 0. */
  empty: string;
}

export interface HorizontalBarsInput {
  id: string;
  title: string;
  description: string;
  rows: readonly {
    label: string;
    /** One per series; undefined draws nothing and says so in the row's tooltip. */
    values: readonly (number | undefined)[];
  }[];
  series: readonly ChartSeries[];
  xTitle: string;
  /** How a value is written at the end of its bar and on the axis. */
  format: (value: number) => string;
  /** Axis ticks in this unit, e.g. 3600 to tick in hours; default 1. */
  tickUnit?: number;
  empty: string;
}

const LEGEND_ROW = 18;

/**
 * 0 and round steps (1, 2 or 5 × 10^n) up to at least `max`, about `count` of them;
 * whole steps only for counts.
 */
export function niceTicks(
  max: number,
  options: { count?: number; integer?: boolean } = {},
): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / (options.count ?? 4);
  const power = 10 ** Math.floor(Math.log10(rough));
  const nice = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const step = options.integer ? Math.max(1, Math.round(nice)) : nice;
  const ticks: number[] = [];
  for (let t = 0; t < max + step; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function colourOf(series: ChartSeries, index: number): string {
  return series.colour ?? PALETTE[index % PALETTE.length] ?? OTHER_COLOUR;
}

/** Shortens long labels; the full text stays in the tooltip. */
function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function legend(series: readonly ChartSeries[], x: number, y: number): SafeHtml {
  const items = series.map(
    (s, i) =>
      html`<g class="legend-item" transform="translate(${x} ${y + i * LEGEND_ROW})">
        <rect width="12" height="12" rx="2" fill="${colourOf(s, i)}"></rect>
        <text x="18" y="10" class="legend-text">${clip(s.name, 30)}<title>${s.name}</title></text>
      </g>`,
  );
  return html`<g class="legend">${items}</g>`;
}

function frame(
  input: { id: string; title: string; description: string },
  width: number,
  height: number,
  body: SafeHtml,
): SafeHtml {
  return html`<svg
    class="chart"
    id="${input.id}"
    viewBox="0 0 ${width} ${height}"
    width="${width}"
    height="${height}"
    role="img"
    aria-labelledby="${input.id}-title ${input.id}-desc"
    xmlns="http://www.w3.org/2000/svg"
  >
    <title id="${input.id}-title">${input.title}</title>
    <desc id="${input.id}-desc">${input.description}</desc>
    ${body}
  </svg>`;
}

/** Columns of stacked segments, one column per category, with a legend on the right. */
export function stackedColumns(input: StackedColumnsInput): SafeHtml {
  const width = 1160;
  const legendWidth = 250;
  const margin = { top: 16, right: legendWidth, bottom: 56, left: 56 };
  const plotHeight = 200;
  const height = Math.max(
    margin.top + plotHeight + margin.bottom,
    margin.top + input.series.length * LEGEND_ROW + 8,
  );
  const plotWidth = width - margin.left - margin.right;
  const n = Math.max(1, input.categories.length);
  const slot = plotWidth / n;
  const barWidth = Math.max(2, Math.min(36, slot * 0.7));
  const totals = input.categories.map((_, c) =>
    input.series.reduce((sum, s) => sum + (s.values[c] ?? 0), 0),
  );
  const max = Math.max(0, ...totals);
  const ticks = niceTicks(max, { integer: true });
  const top = ticks.at(-1) ?? 1;
  const y = (value: number) =>
    Math.round((margin.top + plotHeight - (value / top) * plotHeight) * 10) / 10;
  const label = input.categoryLabel ?? ((c: string) => c);
  // About 10 labels fit under the axis; the tooltips name every column.
  const every = Math.max(1, Math.ceil(n / 10));
  const [one, many] = input.unit;

  const grid = ticks.map(
    (t) =>
      html`<g class="tick">
        <line
          x1="${margin.left}"
          x2="${margin.left + plotWidth}"
          y1="${y(t)}"
          y2="${y(t)}"
          class="grid"
        ></line>
        <text x="${margin.left - 8}" y="${y(t) + 4}" text-anchor="end">${t}</text>
      </g>`,
  );
  const columns = input.categories.map((category, c) => {
    const x = margin.left + c * slot + (slot - barWidth) / 2;
    let base = 0;
    const segments = input.series.map((s, i) => {
      const value = s.values[c] ?? 0;
      if (value <= 0) return html``;
      const y0 = y(base);
      base += value;
      const y1 = y(base);
      return html`<rect
        class="bar"
        x="${x.toFixed(1)}"
        y="${y1.toFixed(1)}"
        width="${barWidth.toFixed(1)}"
        height="${(y0 - y1).toFixed(1)}"
        fill="${colourOf(s, i)}"
        stroke="#ffffff"
        stroke-width="1"
        ><title>${category} · ${s.name}: ${value} ${value === 1 ? one : many}</title></rect
      >`;
    });
    // The last column is labelled too, unless that would crowd the label before it.
    const tick =
      c % every === 0 || (c === n - 1 && c % every >= every / 2)
        ? html`<text
            x="${(x + barWidth / 2).toFixed(1)}"
            y="${margin.top + plotHeight + 18}"
            text-anchor="middle"
            >${label(category)}</text
          >`
        : html``;
    return html`<g class="column">${segments}${tick}</g>`;
  });
  const empty =
    max === 0
      ? html`<text
          class="empty"
          x="${margin.left + plotWidth / 2}"
          y="${margin.top + plotHeight / 2}"
          text-anchor="middle"
          >${input.empty}</text
        >`
      : html``;
  const axes = html`<line
      class="axis"
      x1="${margin.left}"
      x2="${margin.left + plotWidth}"
      y1="${y(0)}"
      y2="${y(0)}"
    ></line>
    <text
      class="axis-title"
      x="${margin.left + plotWidth / 2}"
      y="${height - 10}"
      text-anchor="middle"
      >${input.xTitle}</text
    >
    <text
      class="axis-title"
      transform="translate(16 ${margin.top + plotHeight / 2}) rotate(-90)"
      text-anchor="middle"
      >${input.yTitle}</text
    >`;
  return frame(
    input,
    width,
    height,
    html`${grid}${axes}${columns}${empty}${legend(input.series, width - legendWidth + 24, margin.top)}`,
  );
}

/** Horizontal bars, one group per row and one bar per series, values written at the ends. */
export function horizontalBars(input: HorizontalBarsInput): SafeHtml {
  const width = 560;
  const labelWidth = 170;
  const valueWidth = 70;
  const barHeight = 14;
  const gap = 3;
  const rowHeight = input.series.length * (barHeight + gap) + 10;
  const legendHeight = input.series.length * LEGEND_ROW + 6;
  const margin = { top: 8 + legendHeight, right: valueWidth, bottom: 44, left: labelWidth };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = Math.max(rowHeight, input.rows.length * rowHeight);
  const height = margin.top + plotHeight + margin.bottom;
  const unit = input.tickUnit ?? 1;
  const max = Math.max(0, ...input.rows.flatMap((r) => r.values.map((v) => v ?? 0)));
  const ticks = niceTicks(max / unit).map((t) => t * unit);
  const right = ticks.at(-1) ?? 1;
  const x = (value: number) => Math.round((margin.left + (value / right) * plotWidth) * 10) / 10;

  const grid = ticks.map(
    (t) =>
      html`<g class="tick">
        <line
          x1="${x(t)}"
          x2="${x(t)}"
          y1="${margin.top}"
          y2="${margin.top + plotHeight}"
          class="grid"
        ></line>
        <text x="${x(t)}" y="${margin.top + plotHeight + 16}" text-anchor="middle"
          >${input.format(t)}</text
        >
      </g>`,
  );
  const rows = input.rows.map((row, r) => {
    const y0 = margin.top + r * rowHeight + 5;
    const bars = input.series.map((s, i) => {
      const value = row.values[i];
      const y = y0 + i * (barHeight + gap);
      if (value === undefined) {
        return html`<text class="no-data" x="${margin.left + 4}" y="${y + barHeight - 3}"
          >no data<title>${row.label} · ${s.name}: no data</title></text
        >`;
      }
      // A tiny value still shows a sliver, so it does not read as "missing".
      const w = value > 0 ? Math.max(2, x(value) - margin.left) : 0;
      return html`<rect
          class="bar"
          x="${margin.left}"
          y="${y}"
          width="${w.toFixed(1)}"
          height="${barHeight}"
          rx="2"
          fill="${colourOf(s, i)}"
          ><title>${row.label} · ${s.name}: ${input.format(value)}</title></rect
        >
        <text class="value" x="${(margin.left + w + 4).toFixed(1)}" y="${y + barHeight - 3}"
          >${input.format(value)}</text
        >`;
    });
    return html`<g class="row">
      <text
        class="row-label"
        x="${margin.left - 8}"
        y="${y0 + (input.series.length * (barHeight + gap)) / 2 + 2}"
        text-anchor="end"
        >${clip(row.label, 26)}<title>${row.label}</title></text
      >
      ${bars}
    </g>`;
  });
  const empty =
    input.rows.length === 0
      ? html`<text
          class="empty"
          x="${margin.left + plotWidth / 2}"
          y="${margin.top + plotHeight / 2 + 4}"
          text-anchor="middle"
          >${input.empty}</text
        >`
      : html``;
  const axes = html`<line
      class="axis"
      x1="${margin.left}"
      x2="${margin.left}"
      y1="${margin.top}"
      y2="${margin.top + plotHeight}"
    ></line>
    <text
      class="axis-title"
      x="${margin.left + plotWidth / 2}"
      y="${height - 8}"
      text-anchor="middle"
      >${input.xTitle}</text
    >`;
  return frame(
    input,
    width,
    height,
    html`${grid}${axes}${rows}${empty}${legend(input.series, margin.left, 8)}`,
  );
}
