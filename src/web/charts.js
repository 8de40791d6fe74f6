// The page's drawings: progress bars (HTML, sized through the CSSOM so that the strict
// Content-Security-Policy needs no inline style) and the application funnel (SVG).

import { h, s } from './dom.js';
import { formatCount, formatPercent, t } from './i18n.js';

// A progress bar for `value` out of `max`, announced as `label` with `text` as its value.
export function bar(value, max, label, text) {
  const ratio = max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
  const fill = h('span', { class: 'bar-fill' });
  fill.style.inlineSize = `${(ratio * 100).toFixed(2)}%`;
  return h(
    'div',
    {
      class: `bar${max > 0 && value >= max ? ' done' : ''}`,
      role: 'progressbar',
      'aria-label': label,
      'aria-valuemin': 0,
      'aria-valuemax': max,
      'aria-valuenow': Math.min(value, max),
      'aria-valuetext': text,
    },
    fill,
  );
}

export const FUNNEL_STAGES = ['received', 'complete', 'eligible', 'scored', 'selected'];

// The funnel of the pipeline's main stages as an SVG `width` units wide (drawn at 1:1 so that
// its text keeps its size on a phone), labels on the reading side.
export function funnel(pipeline, width, rtl) {
  const W = Math.max(300, Math.round(width));
  const compact = W < 520;
  const rowH = compact ? 40 : 44;
  const gap = 6;
  const labelW = compact ? 104 : 150;
  const valueW = compact ? 92 : 140;
  const area = W - labelW - valueW - 16;
  const centre = rtl ? valueW + 8 + area / 2 : labelW + 8 + area / 2;
  const received = Math.max(0, pipeline.received || 0);
  const max = Math.max(1, received, ...FUNNEL_STAGES.map((k) => pipeline[k] || 0));
  const widthOf = (v) => Math.max(6, (area * Math.max(0, v || 0)) / max);
  const H = FUNNEL_STAGES.length * (rowH + gap) - gap;
  const parts = FUNNEL_STAGES.map((k) => `${t(`pipeline.${k}`)} ${formatCount(pipeline[k] ?? 0)}`);
  const titleId = `funnel-title-${Math.random().toString(36).slice(2, 8)}`;
  const svg = s('svg', {
    class: 'funnel',
    viewBox: `0 0 ${W} ${H}`,
    width: W,
    height: H,
    role: 'img',
    'aria-labelledby': titleId,
  });
  svg.append(s('title', { id: titleId }, t('pipeline.summary', { stages: parts.join(', ') })));
  FUNNEL_STAGES.forEach((key, i) => {
    const value = pipeline[key] ?? 0;
    const next = i + 1 < FUNNEL_STAGES.length ? pipeline[FUNNEL_STAGES[i + 1]] ?? 0 : value;
    const top = widthOf(value);
    const bottom = Math.min(top, widthOf(next));
    const y = i * (rowH + gap);
    const points = [
      [centre - top / 2, y],
      [centre + top / 2, y],
      [centre + bottom / 2, y + rowH],
      [centre - bottom / 2, y + rowH],
    ]
      .map(([x, yy]) => `${x.toFixed(1)},${yy.toFixed(1)}`)
      .join(' ');
    const g = s('g', { class: `stage stage-${i}`, 'data-stage': key });
    g.append(s('polygon', { points, class: 'shape' }));
    const mid = y + rowH / 2;
    g.append(
      s(
        'text',
        {
          x: rtl ? W - 4 : 4,
          y: mid,
          'text-anchor': 'start',
          direction: rtl ? 'rtl' : 'ltr',
          'dominant-baseline': 'middle',
          class: 'label',
        },
        t(`pipeline.${key}`),
      ),
    );
    const share = key === 'received' ? '' : ` · ${formatPercent(value, received)}`;
    g.append(
      s(
        'text',
        {
          x: rtl ? 4 : W - 4,
          y: mid,
          'text-anchor': rtl ? 'start' : 'end',
          'dominant-baseline': 'middle',
          class: 'value',
          direction: 'ltr',
          'unicode-bidi': 'embed',
          'data-value': value,
        },
        `${formatCount(value)}${share}`,
      ),
    );
    svg.append(g);
  });
  return svg;
}
