/**
 * Draws a View into the page. Nothing here decides anything about the loop:
 * every list, state and line comes from the View the worker read off the
 * runtime.
 */
import type { ConsoleLine, ProgramError, TaskView, View } from './protocol';
import { drawTimeline } from './timeline';

type Child = Node | string | null;

/** `el('li', { class: 'x' }, 'text')`: a DOM element. */
export function el(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) if (c !== null) e.append(c);
  return e;
}

function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

function time(t: number): string {
  return `t=${t.toFixed(3)}`;
}

/** `t=1.000 ` in muted colour, then the text. */
function timed(t: number, text: string, cls = ''): HTMLElement {
  return el('div', cls ? { class: cls } : {}, el('span', { class: 't' }, `${time(t)} `), text);
}

function fill(list: HTMLElement, items: HTMLElement[], empty: string): void {
  list.replaceChildren(...(items.length > 0 ? items : [el('li', { class: 'empty' }, empty)]));
}

/** Draws everything but the task detail (see renderTaskDetail). */
export function renderView(view: View, selected: number | null, onSelect: (id: number) => void): void {
  const status = byId('status');
  status.dataset.time = String(view.time);
  status.dataset.iteration = String(view.iteration);
  status.dataset.callbacks = String(view.callbacks);
  status.dataset.steps = String(view.steps);
  status.dataset.left = String(view.left);
  status.dataset.finished = String(view.finished);
  const where = view.left > 0 ? ` · next: callback ${view.batch - view.left + 1} of ${view.batch}` : ' · between iterations';
  status.replaceChildren(
    `${time(view.time)} · iteration ${view.iteration}${view.loaded && !view.finished ? where : ''} · ${view.callbacks} callback${view.callbacks === 1 ? '' : 's'} run`,
    view.outcome !== null ? el('span', { class: 'finished' }, ` · ${view.outcome}`) : '',
  );

  byId('last-step').replaceChildren(...view.lastStep.map((line) => el('div', line.startsWith('▶') ? { class: 'head' } : {}, line)));

  // Ready deque: this iteration's batch, a divider, then what waits for the next iteration.
  const ready: HTMLElement[] = [];
  view.ready.forEach((r, i) => {
    if (i > 0 && view.ready[i - 1].now && !r.now) ready.push(el('li', { class: 'divider' }, '— scheduled during this iteration: runs in the next —'));
    ready.push(el('li', { class: 'callback', 'data-now': String(r.now) }, r.text));
  });
  fill(byId('ready'), ready, 'empty');

  fill(
    byId('timers'),
    view.timers.map((t) => el('li', { class: 'timer', 'data-when': String(t.when) }, el('span', { class: 'when' }, time(t.when)), t.text)),
    'empty',
  );

  const rows = view.tasks.map((t) => {
    const row = el(
      'tr',
      { 'data-id': String(t.id), 'data-name': t.name, 'data-state': t.state, class: t.id === selected ? 'selected' : '' },
      el('td', {}, t.name),
      el('td', {}, el('span', { class: `state ${t.state}` }, t.state)),
      el('td', {}, t.waitingOn ?? t.outcome ?? ''),
    );
    row.addEventListener('click', () => onSelect(t.id));
    return row;
  });
  byId('tasks').querySelector('tbody')?.replaceChildren(...rows);

  fill(
    byId('futures'),
    view.futures.map((f) =>
      el(
        'li',
        { class: 'future' },
        el('div', {}, f.label, f.awaitedBy.length > 0 ? ` ← awaited by ${f.awaitedBy.join(', ')}` : ''),
        el('div', { class: 'callbacks' }, `callbacks: ${f.callbacks.length > 0 ? f.callbacks.join(', ') : '(none)'}`),
      ),
    ),
    'none',
  );

  const con = byId('console');
  con.replaceChildren(...view.console.map((c) => timed(c.time, c.text, `line ${c.level}`)));
  con.scrollTop = con.scrollHeight;

  drawTimeline(byId('timeline'), view.svg);

  const trace = byId('trace');
  const lines = view.trace.map((l) => el('div', {}, l));
  if (view.traceOmitted > 0) lines.unshift(el('div', { class: 'empty' }, `(${view.traceOmitted} earlier lines left out)`));
  trace.replaceChildren(...lines);
  trace.scrollTop = trace.scrollHeight;

  renderTaskDetail(view.tasks.find((t) => t.id === selected) ?? null);
}

/** One console line, added as soon as the program prints it (the next View redraws the whole console). */
export function appendConsole(line: ConsoleLine): void {
  const con = byId('console');
  con.append(timed(line.time, line.text, `line ${line.level}`));
  con.scrollTop = con.scrollHeight;
}

/** The clicked task: its coroutine() stack and its own lines of the trace. */
export function renderTaskDetail(task: TaskView | null): void {
  const box = byId('task-detail');
  if (task === null) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const frames = task.stack.map((f) => el('li', {}, f.name, f.calledAt ? ` — called at ${f.calledAt}` : ''));
  box.replaceChildren(
    el('h3', {}, `Task '${task.name}' — ${task.state}${task.waitingOn ? `, waiting on ${task.waitingOn}` : ''}${task.outcome ? `, ${task.outcome}` : ''}`),
    el('div', {}, task.stack.length > 0 ? 'Stack (getStack(), outermost first):' : task.state === 'done' ? 'Done: no stack.' : 'Stack: not started yet.'),
    task.stack.length > 0 ? el('ol', { class: 'stack' }, ...frames) : '',
    el('div', {}, 'Its trace:'),
    el('pre', { class: 'task-trace' }, task.trace.join('\n') || '(nothing yet)'),
  );
}

/** The message under the editor: an error of the program, or a note. Returns the text shown. */
export function renderMessage(error: ProgramError | null, note = ''): string {
  const box = byId('message');
  if (error === null) {
    box.className = note ? 'info' : '';
    box.textContent = note;
    box.removeAttribute('data-kind');
    return note;
  }
  box.className = 'error';
  box.dataset.kind = error.kind;
  const where = error.line !== undefined ? `line ${error.line}${error.column !== undefined ? `, column ${error.column}` : ''}: ` : '';
  const titles: Record<ProgramError['kind'], string> = {
    syntax: 'Syntax error',
    setup: 'Cannot run this program',
    exception: 'The program failed',
    deadlock: 'Deadlock',
    budget: 'Stopped: too many steps',
    frozen: 'Stopped: the program never yielded',
  };
  box.textContent = `${titles[error.kind]} — ${where}${error.message}`;
  return box.textContent;
}
