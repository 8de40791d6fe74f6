// The emblem of the European Union, drawn from its geometric description (the EU's graphic
// specifications for the flag): a blue rectangle 1.5 times as wide as it is high; twelve gold
// five-pointed stars, upright, at the positions of the hours on a clock face, on an invisible
// circle centred on the rectangle whose radius is one third of the height; each star's points
// lie on a circle whose radius is one eighteenth of the height.

export const EU_BLUE = '#003399';
export const EU_GOLD = '#FFCC00';

const round = (v) => Math.round(v * 1000) / 1000;

// The ten vertices of a regular five-pointed star of outer radius `outer` centred on (cx, cy),
// one point straight up. The inner vertices lie where the star's edges cross:
// inner / outer = sin 18° / sin 54°.
export function starPoints(cx, cy, outer) {
  const inner = (outer * Math.sin(Math.PI / 10)) / Math.sin((3 * Math.PI) / 10);
  const points = [];
  for (let k = 0; k < 10; k++) {
    const angle = -Math.PI / 2 + (k * Math.PI) / 5;
    const r = k % 2 === 0 ? outer : inner;
    points.push([round(cx + r * Math.cos(angle)), round(cy + r * Math.sin(angle))]);
  }
  return points;
}

// The emblem's geometry for a given height: the rectangle and the twelve stars' vertices.
export function emblemGeometry(height = 120) {
  const width = height * 1.5;
  const cx = width / 2;
  const cy = height / 2;
  const ring = height / 3;
  const outer = height / 18;
  const stars = [];
  for (let hour = 0; hour < 12; hour++) {
    const angle = (hour * Math.PI) / 6;
    stars.push(starPoints(cx + ring * Math.sin(angle), cy - ring * Math.cos(angle), outer));
  }
  return { width, height, stars };
}

const NS = 'http://www.w3.org/2000/svg';

// An <svg> element of the emblem, announced to screen readers as `label`.
export function emblemSvg(label, height = 120) {
  const g = emblemGeometry(height);
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${g.width} ${g.height}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('class', 'emblem');
  const title = document.createElementNS(NS, 'title');
  title.textContent = label;
  svg.append(title);
  const rect = document.createElementNS(NS, 'rect');
  rect.setAttribute('width', String(g.width));
  rect.setAttribute('height', String(g.height));
  rect.setAttribute('fill', EU_BLUE);
  svg.append(rect);
  for (const star of g.stars) {
    const p = document.createElementNS(NS, 'polygon');
    p.setAttribute('points', star.map(([x, y]) => `${x},${y}`).join(' '));
    p.setAttribute('fill', EU_GOLD);
    svg.append(p);
  }
  return svg;
}

// The same drawing as SVG markup (for the page's icon, as a data: URL).
export function emblemMarkup(height = 120) {
  const g = emblemGeometry(height);
  const stars = g.stars
    .map((star) => `<polygon fill="${EU_GOLD}" points="${star.map(([x, y]) => `${x},${y}`).join(' ')}"/>`)
    .join('');
  return (
    `<svg xmlns="${NS}" viewBox="0 0 ${g.width} ${g.height}">` +
    `<rect width="${g.width}" height="${g.height}" fill="${EU_BLUE}"/>${stars}</svg>`
  );
}
