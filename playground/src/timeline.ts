/**
 * The timeline panel: the Tracer's SVG (`tracer.toSVG()`), drawn so that the
 * lane names stay in view when the timeline scrolls.
 *
 * The SVG arrives from the worker, where the learner's program runs — and a
 * program can post the page a message of its own. So the page never hands
 * that text to innerHTML: it parses it as SVG and keeps only the elements
 * and attributes the Tracer draws with (no script, no event handler, no
 * link, no outside resource).
 *
 * The timeline follows the newest step, scrolled to its right end; the
 * legend and the lane names sit at its left edge. A copy of them, laid over
 * the panel's left edge outside the part that scrolls, keeps them readable
 * however far it is scrolled.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';
const ELEMENTS = new Set(['svg', 'defs', 'marker', 'path', 'rect', 'text', 'tspan', 'line', 'circle', 'g', 'title']);
const ATTRIBUTES = new Set([
  'xmlns', 'width', 'height', 'viewBox', 'font-family', 'font-size', 'font-weight', 'id',
  'refX', 'refY', 'markerWidth', 'markerHeight', 'orient', 'd', 'fill', 'x', 'y', 'x1', 'y1', 'x2', 'y2',
  'cx', 'cy', 'r', 'rx', 'stroke', 'stroke-width', 'stroke-dasharray', 'marker-end', 'text-anchor',
]);

/** An attribute value that refers to nothing outside the SVG: `url(#id)` at most. */
function harmless(value: string): boolean {
  const urls = value.match(/url\s*\(/gi)?.length ?? 0;
  return urls === 0 || (urls === 1 && /^url\(#[\w-]+\)$/.test(value.trim()));
}

/** `element` and its descendants, less anything the Tracer does not draw with. */
function clean(element: Element): void {
  for (const child of [...element.children]) {
    if (child.namespaceURI !== SVG_NS || !ELEMENTS.has(child.localName)) child.remove();
    else clean(child);
  }
  for (const attr of [...element.attributes]) {
    if (!ATTRIBUTES.has(attr.name) || !harmless(attr.value)) element.removeAttribute(attr.name);
  }
}

/** The SVG text as an element of this document, cleaned; null if it is not an SVG document. */
export function safeSvg(text: string): SVGSVGElement | null {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.namespaceURI !== SVG_NS || root.localName !== 'svg' || doc.getElementsByTagName('parsererror').length > 0) return null;
  clean(root);
  return document.importNode(root, true) as unknown as SVGSVGElement;
}

/** Sets SVG attributes. */
function attrs<E extends Element>(element: E, values: Record<string, string | number>): E {
  for (const [name, value] of Object.entries(values)) element.setAttribute(name, String(value));
  return element;
}

/**
 * What must stay in view of `svg` however far it is scrolled: the legend (the
 * top row) and the lane names (the texts at the left margin), copied onto a
 * transparent SVG of their own with a white ground under each; null when
 * the timeline has no lanes yet. Measures the texts: `svg` must be in the
 * document.
 */
function pinned(svg: SVGSVGElement): SVGSVGElement | null {
  const texts = [...svg.querySelectorAll('text')].map((t) => ({ t, box: t.getBBox() }));
  if (texts.length === 0) return null;
  // The legend is the top row of the drawing; the lane names sit at its left margin, below.
  const legendTop = Math.min(...texts.map((x) => x.box.y));
  const legendRow = texts.filter((x) => x.box.y < legendTop + 4);
  const legendBottom = Math.max(...legendRow.map((x) => x.box.y + x.box.height)) + 3;
  const names = texts.filter((x) => Number(x.t.getAttribute('x')) < 8 && x.box.y >= legendBottom);
  if (names.length === 0) return null;
  const namesRight = Math.ceil(Math.max(...names.map((x) => x.box.x + x.box.width)) + 6);
  const namesTop = Math.floor(Math.min(...names.map((x) => x.box.y)) - 6);
  const width = Number(svg.getAttribute('width'));
  const height = Number(svg.getAttribute('height'));
  // Everything drawn within the legend's row: its swatches, arrow, marks and words.
  const legend = [...svg.children].filter((e): e is SVGGraphicsElement => {
    if (!(e instanceof SVGGraphicsElement) || e.localName === 'defs') return false;
    const box = e.getBBox();
    return box.y + box.height <= legendBottom && box.width < width;
  });
  const legendRight = Math.ceil(Math.max(...legend.map((e) => e.getBBox().x + e.getBBox().width)) + 8);
  const copy = attrs(document.createElementNS(SVG_NS, 'svg'), {
    width: Math.max(namesRight, legendRight),
    height,
    'font-family': svg.getAttribute('font-family') ?? 'monospace',
    'font-size': svg.getAttribute('font-size') ?? '11',
    class: 'pinned',
    'aria-hidden': 'true',
  });
  const ground = (x: number, y: number, w: number, h: number) => attrs(document.createElementNS(SVG_NS, 'rect'), { x, y, width: w, height: h, fill: '#ffffff' });
  copy.append(
    ...[...svg.querySelectorAll('defs')].map((d) => d.cloneNode(true)),
    ground(0, 0, legendRight, legendBottom),
    ground(0, namesTop, namesRight, height - namesTop),
    ...legend.map((e) => e.cloneNode(true)),
    ...names.map((x) => x.t.cloneNode(true)),
  );
  return copy;
}

/** The panel's scrolling part, made on the first draw (it keeps its scroll position and listener from then on). */
function scroller(panel: HTMLElement): HTMLElement {
  const existing = panel.querySelector<HTMLElement>(':scope > .timeline-scroll');
  if (existing !== null) return existing;
  const scroll = document.createElement('div');
  scroll.className = 'timeline-scroll';
  // The shadow at the pinned copy's edge shows only while something is scrolled under it.
  scroll.addEventListener('scroll', () => panel.classList.toggle('scrolled', scroll.scrollLeft > 0));
  panel.replaceChildren(scroll);
  return scroll;
}

/** Draws the timeline in `panel`, scrolled to the newest step, with its legend and lane names pinned over its left edge. */
export function drawTimeline(panel: HTMLElement, svgText: string): void {
  const scroll = scroller(panel);
  panel.querySelector(':scope > svg.pinned')?.remove();
  const svg = safeSvg(svgText);
  scroll.replaceChildren(...(svg === null ? [] : [svg]));
  if (svg === null) return;
  // Over the panel, not inside what scrolls: it stays at the left edge however far the timeline goes.
  const keep = pinned(svg);
  if (keep !== null) {
    keep.style.top = `${scroll.offsetTop}px`;
    panel.append(keep);
  }
  scroll.scrollLeft = scroll.scrollWidth;
  panel.classList.toggle('scrolled', scroll.scrollLeft > 0);
}
