/**
 * The playground page: the controls, and the worker that runs the loop.
 *
 * The loop runs in a Web Worker (worker.ts), never in the page. The page
 * sends one command at a time and waits for the View that answers it. A
 * callback that never gives the loop back (a coroutine looping without
 * yield*) cannot be interrupted from inside JavaScript, so the page waits
 * at most WATCHDOG_MS for an answer; past that it terminates the worker and
 * says why. The tab itself never freezes.
 */
import { programs } from './programs';
import { appendConsole, renderMessage, renderView } from './render';
import { locateSyntaxError } from './syntax';
import type { Command, ConsoleLine, ProgramError, Reply, View } from './protocol';

const params = new URLSearchParams(location.search);
/** How long one command may run (real time) before the page stops the worker; `?watchdog=ms` to change. */
const WATCHDOG_MS = Number(params.get('watchdog')) > 0 ? Number(params.get('watchdog')) : 2000;

/** The speed slider: steps per command, and the pause between commands. */
const SPEEDS = [
  { label: '1 step/s', steps: 1, delay: 1000 },
  { label: '2 steps/s', steps: 1, delay: 500 },
  { label: '5 steps/s', steps: 1, delay: 200 },
  { label: '10 steps/s', steps: 1, delay: 100 },
  { label: '25 steps/s', steps: 1, delay: 40 },
  { label: '60 steps/s', steps: 1, delay: 16 },
  { label: '250 steps/s', steps: 5, delay: 20 },
  { label: 'fastest', steps: 25, delay: 0 },
];

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const source = $<HTMLTextAreaElement>('source');
const gutter = $('gutter');
const select = $<HTMLSelectElement>('program');
const speed = $<HTMLInputElement>('speed');
const buttons = {
  run: $<HTMLButtonElement>('run'),
  pause: $<HTMLButtonElement>('pause'),
  step: $<HTMLButtonElement>('step'),
  iteration: $<HTMLButtonElement>('iteration'),
  reset: $<HTMLButtonElement>('reset'),
};

let worker: Worker | null = null;
/** The text the worker's run was loaded from; an edit makes the run stale. */
let loadedSource: string | null = null;
let view: View | null = null;
let running = false;
let busy = false;
let stopped: ProgramError | null = null; // the watchdog's verdict
let selected: number | null = null;
/** Console lines printed during the command in progress (the View that answers it holds them too). */
let printed: ConsoleLine[] = [];

/** A new worker, once it is up (its script loaded and run). */
function startWorker(): Promise<Worker> {
  const w = new Worker('worker.js');
  return new Promise((resolve, reject) => {
    w.onmessage = (event: MessageEvent<Reply>) => {
      if (event.data.type === 'ready') resolve(w);
    };
    w.onerror = (event) => {
      event.preventDefault();
      reject(new Error(`the playground's worker did not start: ${event.message || 'worker.js failed to load'}`));
    };
  });
}

/** Sends one command to the worker; resolves to its View, or null if the watchdog had to stop it. */
async function send(cmd: Command): Promise<View | null> {
  let w: Worker;
  try {
    w = worker ?? (worker = await startWorker());
  } catch (e) {
    stopped = { kind: 'exception', message: (e as Error).message };
    return null;
  }
  return new Promise((resolve) => {
    const watchdog = setTimeout(() => {
      w.terminate();
      worker = null;
      const where = view?.ready.find((r) => r.now)?.text ?? view?.ready[0]?.text;
      stopped = {
        kind: 'frozen',
        message:
          `The program ran for ${(WATCHDOG_MS / 1000).toFixed(1)} s of real time inside one callback${where ? ` (${where})` : ''} ` +
          'without yielding to the loop, so the playground stopped it. A coroutine runs until its next yield*: ' +
          'a loop with no yield* inside never gives the loop back — did you forget a yield? Press Reset to start again.',
      };
      resolve(null);
    }, WATCHDOG_MS);
    w.onmessage = (event: MessageEvent<Reply>) => {
      const reply = event.data;
      if (reply.type === 'print') {
        printed.push(reply.line);
        appendConsole(reply.line); // shown at once: the step that printed it may never end
        return;
      }
      if (reply.type !== 'view') return;
      clearTimeout(watchdog);
      printed = [];
      resolve(reply.view);
    };
    w.onerror = (event) => {
      event.preventDefault();
      clearTimeout(watchdog);
      w.terminate();
      worker = null;
      stopped = { kind: 'exception', message: `the playground's worker failed: ${event.message}` };
      resolve(null);
    };
    w.postMessage(cmd);
  });
}

/** Starts a new run of the editor's program in a fresh worker (fresh runtime: task names count from 1 again). */
async function load(): Promise<void> {
  worker?.terminate();
  worker = null;
  stopped = null;
  printed = [];
  selected = null;
  loadedSource = source.value;
  show(await send({ type: 'load', source: source.value }));
  const err = view?.error;
  if (err?.kind === 'syntax' && err.line === undefined) {
    const where = await locateSyntaxError(loadedSource);
    if (where !== null && view !== null && view.error === err) {
      view.error = { kind: 'syntax', message: where.message, line: where.line, column: where.column };
      show(view);
    }
  }
}

/** Draws a View (or the watchdog's message), and sets which buttons can be pressed. */
function show(next: View | null): void {
  if (next !== null) view = next;
  if (view !== null) renderView(view, selected, select_);
  for (const line of printed) appendConsole(line);
  const stale = loadedSource !== source.value;
  const error = stopped ?? view?.error ?? null;
  if (stale && view !== null) renderMessage(null, 'The program was edited: the next Step or Run loads it again from the start.');
  else if (error !== null) renderMessage(error);
  else if (view?.finished && view.loaded) renderMessage(null, `The run is over: ${view.outcome ?? ''}. Reset to run it again.`);
  else renderMessage(null);
  const over = !stale && (stopped !== null || view === null || view.finished);
  buttons.run.disabled = running || over;
  buttons.pause.disabled = !running;
  buttons.step.disabled = running || over;
  buttons.iteration.disabled = running || over;
  document.body.dataset.state = stopped !== null ? 'stopped' : running ? 'running' : view?.finished ? 'finished' : 'paused';
}

/** A click on a task shows its detail; a second click hides it. */
function select_(id: number): void {
  selected = selected === id ? null : id;
  show(null);
}

/** One command from a button; an edited program is loaded again first. */
async function act(cmd: Command): Promise<void> {
  if (busy) return;
  setBusy(true);
  try {
    if (loadedSource !== source.value || worker === null) await load();
    if (stopped === null && view !== null && !view.finished) show(await send(cmd));
  } finally {
    setBusy(false);
  }
}

/** A command is in progress (`body[data-busy]` tells tests when the page is settled). */
function setBusy(value: boolean): void {
  busy = value;
  document.body.dataset.busy = String(value);
}

async function run(): Promise<void> {
  if (running) return;
  running = true;
  show(null);
  try {
    while (busy) await new Promise((r) => setTimeout(r, 10)); // a load in progress (or a step) ends first
    while (running) {
      const s = SPEEDS[Number(speed.value)];
      await act({ type: 'run', steps: s.steps });
      if (stopped !== null || view === null || view.finished) break;
      await new Promise((r) => setTimeout(r, s.delay));
    }
  } finally {
    running = false;
    show(null);
  }
}

function pause(): void {
  running = false;
  show(null);
}

async function reset(): Promise<void> {
  running = false;
  while (busy) await new Promise((r) => setTimeout(r, 10));
  setBusy(true);
  try {
    await load();
  } finally {
    setBusy(false);
  }
}

function drawGutter(): void {
  const n = source.value.split('\n').length;
  if (gutter.children.length !== n) {
    gutter.replaceChildren(...Array.from({ length: n }, (_, i) => Object.assign(document.createElement('div'), { textContent: String(i + 1) })));
  }
  gutter.scrollTop = source.scrollTop;
}

function choose(id: string): void {
  const program = programs.find((p) => p.id === id) ?? programs[0];
  select.value = program.id;
  source.value = program.source;
  drawGutter();
  void reset();
}

// ---- wiring ----

for (const p of programs) select.append(Object.assign(document.createElement('option'), { value: p.id, textContent: `${p.title}` }));
select.addEventListener('change', () => {
  history.replaceState(null, '', `?program=${select.value}${params.has('watchdog') ? `&watchdog=${WATCHDOG_MS}` : ''}`);
  choose(select.value);
});
source.addEventListener('input', () => {
  drawGutter();
  show(null);
});
source.addEventListener('scroll', () => (gutter.scrollTop = source.scrollTop));
source.addEventListener('keydown', (e) => {
  if (e.key === 'Tab') {
    e.preventDefault();
    source.setRangeText('  ', source.selectionStart, source.selectionEnd, 'end');
    drawGutter();
  }
});
buttons.run.addEventListener('click', () => void run());
buttons.pause.addEventListener('click', pause);
buttons.step.addEventListener('click', () => void act({ type: 'step' }));
buttons.iteration.addEventListener('click', () => void act({ type: 'iteration' }));
buttons.reset.addEventListener('click', () => void reset());
const speedLabel = $<HTMLOutputElement>('speed-label');
speed.addEventListener('input', () => (speedLabel.textContent = SPEEDS[Number(speed.value)].label));
speedLabel.textContent = SPEEDS[Number(speed.value)].label;
document.addEventListener('keydown', (e) => {
  if (e.target === source || e.target === select || e.ctrlKey || e.metaKey || e.altKey) return;
  const keys: Record<string, () => void> = {
    s: () => void act({ type: 'step' }),
    i: () => void act({ type: 'iteration' }),
    r: () => void run(),
    p: pause,
    x: () => void reset(),
  };
  keys[e.key]?.();
});

choose(params.get('program') ?? programs[0].id);
