// A grouped bar chart in SVG (no library): one group per day, one bar per series. The figure
// has a text alternative; the same figures are in a table next to it.

const NS = 'http://www.w3.org/2000/svg';

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** A "nice" axis maximum and step for `max`. */
function scale(max) {
  if (max <= 4) return { top: Math.max(max, 1), step: 1 };
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((x) => x >= raw);
  return { top: Math.ceil(max / step) * step, step };
}

/**
 * `labels`: x labels; `series`: [{ name, cls, values }]; `title`/`desc`: the accessible name and
 * description.
 */
export function barChart({ labels, series, title, desc }) {
  const width = 760;
  const height = 280;
  const pad = { left: 44, right: 12, top: 12, bottom: 44 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const max = Math.max(0, ...series.flatMap((x) => x.values));
  const { top, step } = scale(max);
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'chart-title chart-desc' });
  svg.append(s('title', { id: 'chart-title' }, title), s('desc', { id: 'chart-desc' }, desc));
  const y = (v) => pad.top + plotH - (v / top) * plotH;
  for (let v = 0; v <= top; v += step) {
    svg.append(s('line', { class: 'grid', x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v) }));
    svg.append(s('text', { x: pad.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, String(v)));
  }
  const n = Math.max(labels.length, 1);
  const groupW = plotW / n;
  const barW = Math.max(1, (groupW * 0.8) / series.length);
  const every = Math.ceil(n / 12); // at most ~12 x labels
  labels.forEach((label, i) => {
    const gx = pad.left + i * groupW + groupW * 0.1;
    series.forEach((ser, k) => {
      const v = ser.values[i] || 0;
      if (v === 0) return;
      const rect = s('rect', { class: ser.cls, x: gx + k * barW, y: y(v), width: Math.max(barW - 1, 1), height: pad.top + plotH - y(v) });
      rect.append(s('title', {}, `${label}: ${ser.name} ${v}`));
      svg.append(rect);
    });
    if (i % every === 0) {
      svg.append(s('text', { x: pad.left + i * groupW + groupW / 2, y: height - pad.bottom + 16, 'text-anchor': 'middle' }, label));
    }
  });
  svg.append(s('line', { class: 'axis', x1: pad.left, x2: width - pad.right, y1: y(0), y2: y(0) }));
  svg.append(s('line', { class: 'axis', x1: pad.left, x2: pad.left, y1: pad.top, y2: y(0) }));
  return svg;
}
