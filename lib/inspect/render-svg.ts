/**
 * toSVG(): the timeline as a self-contained SVG image — one lane per task,
 * one column per step, wake-up arrows from the step (or callback) that
 * completed a future to the step it woke, and a hover title on every mark.
 * No scripts, no external files: open it in a browser or put it in a page.
 */
import { ValueError } from '../exceptions';
import { checkOptions } from '../options';
import { formatTime, type TaskState } from './describe';
import { buildLanes } from './lanes';
import { sentence } from './render-text';
import type { TraceEvent } from './trace-events';

/** Options of `Tracer.toSVG()`. */
export interface SVGOptions {
  /** Width of one column (one step), in pixels; default 16. */
  columnWidth?: number;
  /** A title drawn above the timeline. */
  title?: string;
}

const COLORS: Record<TaskState, string> = {
  running: '#2b6cb0',
  ready: '#f6ad55',
  waiting: '#cbd5e0',
  sleeping: '#9ae6b4',
  done: '#2f855a',
};
const LANE = 26; // lane height
const BAR = 16; // bar height within a lane

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function titled(element: string, title: string): string {
  return element.replace(/\/>$/, `><title>${esc(title)}</title></${/^<(\w+)/.exec(element)?.[1]}>`);
}

/** The trace as an SVG document (a string). */
export function toSVG(events: readonly TraceEvent[], options: SVGOptions = {}): string {
  checkOptions<SVGOptions>('toSVG', options, ['columnWidth', 'title']);
  const col = options.columnWidth ?? 16;
  if (typeof col !== 'number' || !(col >= 4)) throw new ValueError(`toSVG(): columnWidth must be a number of at least 4 pixels, got ${String(col)}`);
  const l = buildLanes(events);
  const names = ['(loop)', ...l.lanes.map((x) => `Task '${x.task.name}'`)];
  const left = Math.min(200, 12 + 7 * Math.max(...names.map((n) => n.length)));
  const top = options.title ? 84 : 62;
  // Wide enough for the lanes, the legend and the title, whichever is widest.
  const legendWidth = 8 + Object.keys(COLORS).reduce((w, state) => w + 24 + state.length * 7, 0) + 80 + 80 + 58;
  const titleWidth = options.title ? 16 + options.title.length * 8 : 0;
  const width = Math.max(left + Math.max(1, l.ticks.length) * col + 20, legendWidth, titleWidth);
  const height = top + names.length * LANE + 10;
  const x = (tick: number) => left + tick * col;
  const y = (row: number) => top + row * LANE; // row 0 is the loop's lane
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="11">`,
    '<defs><marker id="wake" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#c53030"/></marker></defs>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  );
  if (options.title) out.push(`<text x="8" y="18" font-size="14" font-weight="bold">${esc(options.title)}</text>`);
  // Legend.
  let lx = 8;
  const ly = top - 44;
  for (const [state, color] of Object.entries(COLORS)) {
    out.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${color}"/><text x="${lx + 14}" y="${ly}">${state}</text>`);
    lx += 24 + state.length * 7;
  }
  out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 16}" y2="${ly - 4}" stroke="#c53030" marker-end="url(#wake)"/><text x="${lx + 22}" y="${ly}">wake-up</text>`);
  // The marks of the loop's own lane: a callback it ran, a wait while idle.
  lx += 80;
  out.push(`<circle cx="${lx + 5}" cy="${ly - 4}" r="4" fill="#4a5568"/><text x="${lx + 14}" y="${ly}">callback</text>`);
  lx += 80;
  out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 12}" y2="${ly - 4}" stroke="#a0aec0" stroke-dasharray="2,2"/><text x="${lx + 18}" y="${ly}">idle</text>`);
  // Time labels where loop time moves on, with a faint line down the lanes.
  let lastTime: number | null = null;
  const freeFrom = [0, 0]; // two rows of labels, so that close times both get one
  l.ticks.forEach((t, i) => {
    if (t.time === lastTime) return;
    lastTime = t.time;
    const label = formatTime(t.time);
    out.push(`<line x1="${x(i)}" y1="${top - 14}" x2="${x(i)}" y2="${height - 6}" stroke="#e2e8f0"/>`);
    const row = freeFrom.findIndex((f) => x(i) >= f);
    if (row >= 0) {
      out.push(`<text x="${x(i)}" y="${top - 4 - 12 * (row + 1)}">${label}</text>`);
      freeFrom[row] = x(i) + label.length * 7 + 6;
    }
  });
  // Lane names.
  names.forEach((n, row) => out.push(`<text x="6" y="${y(row) + LANE / 2 + 4}">${esc(n.length > 28 ? `${n.slice(0, 27)}…` : n)}</text>`));
  // The loop's callbacks.
  l.ticks.forEach((t, i) => {
    if (t.kind === 'idle') {
      const ly0 = y(0) + LANE / 2;
      out.push(titled(`<line x1="${x(i) + 2}" y1="${ly0}" x2="${x(i) + col - 2}" y2="${ly0}" stroke="#a0aec0" stroke-dasharray="2,2"/>`, `${formatTime(t.time)} the loop is idle`));
    }
    if (t.kind !== 'callback') return;
    const text = `${formatTime(t.time)} ${sentence(t.event) as string}`; // callbacks and steps always have a sentence
    out.push(titled(`<circle cx="${x(i) + col / 2}" cy="${y(0) + LANE / 2}" r="${Math.min(5, col / 3)}" fill="#4a5568"/>`, text));
  });
  // Each task's lane: runs of one state as one bar; every step its own bar, titled with what it did.
  l.lanes.forEach((lane, li) => {
    const row = li + 1;
    const by = y(row) + (LANE - BAR) / 2;
    let i = 0;
    while (i < lane.cells.length) {
      const s = lane.cells[i];
      let j = i + 1;
      if (s !== 'running') while (j < lane.cells.length && lane.cells[j] === s) j++;
      if (s === 'done') {
        if (lane.cells[i - 1] !== 'done') out.push(titled(`<text x="${x(i) + 2}" y="${by + BAR - 3}" fill="${COLORS.done}">✓</text>`, `Task '${lane.task.name}' is done`));
      } else if (s !== null) {
        const what = s === 'running' ? `${formatTime(l.ticks[i].time)} ${sentence(l.ticks[i].event) as string}` : `Task '${lane.task.name}' ${s} from ${formatTime(l.ticks[i].time)} to ${formatTime(l.ticks[j - 1].time)}`;
        out.push(titled(`<rect x="${x(i)}" y="${by}" width="${(j - i) * col - 1}" height="${BAR}" rx="2" fill="${COLORS[s]}"/>`, what));
      }
      i = j;
    }
  });
  // Wake-up arrows: from the middle of the completing tick to the start of the woken step.
  for (const a of l.arrows) {
    const x1 = x(a.from) + col / 2;
    const y1 = y(a.fromLane + 1) + LANE / 2;
    const x2 = x(a.to) + 1;
    const y2 = y(a.toLane + 1) + LANE / 2;
    const mid = (x1 + x2) / 2;
    out.push(titled(`<path d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}" fill="none" stroke="#c53030" stroke-width="1.2" marker-end="url(#wake)"/>`, `wake-up: ${a.label} is done`));
  }
  out.push('</svg>');
  return out.join('\n');
}
