import { h } from './dom.ts';

const SVG = 'http://www.w3.org/2000/svg';
const svg = <K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>) => {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
};

/**
 * A labelled horizontal bar chart as SVG (bars, their names and counts as text), with the same figures in a
 * visually hidden list for screen readers.
 */
export const barChart = (title: string, bars: Array<[string, number]>): HTMLElement => {
  const width = 320;
  const rowHeight = 26;
  const labelWidth = 110;
  const max = Math.max(1, ...bars.map(([, value]) => value));
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${Math.max(1, bars.length) * rowHeight}`,
    role: 'img',
    'aria-hidden': 'true',
  });
  bars.forEach(([name, value], index) => {
    const y = index * rowHeight;
    const label = svg('text', { x: 0, y: y + 17, class: 'chart-label' });
    label.textContent = name;
    const barWidth = ((width - labelWidth - 40) * value) / max;
    const bar = svg('rect', {
      x: labelWidth,
      y: y + 4,
      width: Math.max(1, barWidth),
      height: 18,
      class: `bar bar-${index % 4}`,
    });
    const count = svg('text', { x: labelWidth + barWidth + 6, y: y + 17, class: 'chart-count' });
    count.textContent = String(value);
    chart.append(label, bar, count);
  });
  return h(
    'figure',
    { class: 'chart' },
    h('figcaption', {}, title),
    chart,
    h('ul', { class: 'sr-only' }, ...bars.map(([name, value]) => h('li', {}, `${name}: ${value}`))),
  );
};

/**
 * Live calls by status over time, as a small line per status drawn from the samples this page took (one per
 * refresh, the last hour at most).
 */
export const timeline = (
  title: string,
  samples: Array<{ at: number; counts: Record<string, number> }>,
  statuses: readonly string[],
): HTMLElement => {
  const width = 320;
  const height = 90;
  const now = Date.now();
  const from = now - 3_600_000;
  const max = Math.max(1, ...samples.flatMap((s) => statuses.map((status) => s.counts[status] ?? 0)));
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height + 14}`, role: 'img', 'aria-hidden': 'true' });
  statuses.forEach((status, index) => {
    const points = samples
      .map(
        (s) =>
          `${(((s.at - from) / 3_600_000) * width).toFixed(1)},${(height - ((s.counts[status] ?? 0) / max) * (height - 4)).toFixed(1)}`,
      )
      .join(' ');
    chart.append(svg('polyline', { points, class: `line line-${index % 4}`, fill: 'none' }));
    // The latest sample as a dot, so the line's end (or a first lone sample) shows.
    const last = samples.at(-1);
    if (last) {
      chart.append(
        svg('circle', {
          cx: (((last.at - from) / 3_600_000) * width).toFixed(1),
          cy: (height - ((last.counts[status] ?? 0) / max) * (height - 4)).toFixed(1),
          r: 3,
          class: `dot line-${index % 4}`,
        }),
      );
    }
  });
  const axis = svg('text', { x: 0, y: height + 12, class: 'chart-label' });
  axis.textContent = '1 h ago';
  const end = svg('text', { x: width, y: height + 12, class: 'chart-label', 'text-anchor': 'end' });
  end.textContent = 'now';
  chart.append(axis, end);
  const latest = samples.at(-1)?.counts ?? {};
  return h(
    'figure',
    { class: 'chart' },
    h('figcaption', {}, title),
    chart,
    h(
      'ul',
      { class: 'legend' },
      ...statuses.map((status, index) =>
        h(
          'li',
          {},
          h('span', { class: `swatch line-${index % 4}`, 'aria-hidden': 'true' }),
          `${status}: ${latest[status] ?? 0} now`,
        ),
      ),
    ),
  );
};
