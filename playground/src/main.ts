/**
 * The playground page: the controls, the editor, the menu, and the worker
 * that runs the loop.
 *
 * The loop runs in a Web Worker (worker.ts), never in the page. The page
 * sends one command at a time and waits for the View that answers it. A
 * callback that never gives the loop back (a coroutine looping without
 * yield*) cannot be interrupted from inside JavaScript, so the page waits
 * at most WATCHDOG_MS for an answer; past that it terminates the worker and
 * says why. The tab itself never freezes.
 *
 * A program may come from a link (share.ts): the page treats it as text —
 * the editor shows it, the worker runs it — and never runs it itself.
 */
import { createEditor } from './editor';
import { availablePrograms, programs, type Program } from './programs';
import { appendConsole, renderMessage, renderView } from './render';
import { FRAGMENT_KEY, decodeSource, encodeSource, fragmentCode } from './share';
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
const select = $<HTMLSelectElement>('program');
const speed = $<HTMLInputElement>('speed');
const shareNote = $<HTMLOutputElement>('share-note');
const buttons = {
  run: $<HTMLButtonElement>('run'),
  pause: $<HTMLButtonElement>('pause'),
  step: $<HTMLButtonElement>('step'),
  iteration: $<HTMLButtonElement>('iteration'),
  reset: $<HTMLButtonElement>('reset'),
  share: $<HTMLButtonElement>('share'),
};
const editor = createEditor($('editor'), edited);

/** The programs of the menu: those this build of the library can run (filled once the worker says what it exports). */
let menu: Program[] = [];
/** The menu's last entry, once the editor holds a program that is none of the others: an edited or a shared one. */
let custom: { source: string; label: string } | null = null;

let worker: Worker | null = null;
/** The worker has not loaded a program yet (the one started to learn the library's exports): load() may use it. */
let fresh = false;
/** The text the worker's run was loaded from; an edit makes the run stale. */
let loadedSource: string | null = null;
let view: View | null = null;
let running = false;
let busy = false;
let stopped: ProgramError | null = null; // the watchdog's verdict
let selected: number | null = null;
/** Console lines printed during the command in progress (the View that answers it holds them too). */
let printed: ConsoleLine[] = [];

/** A new worker, once it is up (its script loaded and run), and the names its library exports. */
function startWorker(): Promise<{ worker: Worker; exports: string[] }> {
  const w = new Worker('worker.js');
  return new Promise((resolve, reject) => {
    w.onmessage = (event: MessageEvent<Reply>) => {
      if (event.data.type === 'ready') resolve({ worker: w, exports: event.data.exports });
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
    w = worker ?? (worker = (await startWorker()).worker);
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
  if (!fresh) {
    worker?.terminate();
    worker = null;
  }
  fresh = false;
  stopped = null;
  printed = [];
  selected = null;
  loadedSource = editor.text();
  show(await send({ type: 'load', source: loadedSource }));
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
  const stale = loadedSource !== editor.text();
  const error = stopped ?? view?.error ?? null;
  if (stale && view !== null) renderMessage(null, 'The program was edited: the next Step or Run loads it again from the start.');
  else if (error !== null) editor.markError(error.line ?? null, renderMessage(error));
  else if (view?.finished && view.loaded) renderMessage(null, `The run is over: ${view.outcome ?? ''}. Reset to run it again.`);
  else renderMessage(null);
  if (stale || error === null) editor.markError(null);
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
    if (loadedSource !== editor.text() || worker === null) await load();
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

// ---- the menu, edits and links ----

/** Shows a note beside the Share button (what a link did, or why it could not). */
function note(text: string, kind: 'info' | 'error' = 'info'): void {
  shareNote.textContent = text;
  shareNote.className = kind;
}

/** The menu's last entry holds the editor's program (an edited or shared one), and is the one selected. */
function selectCustom(source: string, label: string): void {
  custom = { source, label };
  const option = select.querySelector<HTMLOptionElement>('option[value="custom"]') as HTMLOptionElement;
  option.textContent = label;
  option.hidden = false;
  select.value = 'custom';
}

/** The learner changed the text: the menu says so (unless the text is a preloaded program again). */
function edited(): void {
  const text = editor.text();
  const same = menu.find((p) => p.source === text);
  if (same !== undefined) select.value = same.id;
  else selectCustom(text, '(edited program)');
  show(null);
}

function choose(id: string): void {
  const program = menu.find((p) => p.id === id) ?? menu[0];
  select.value = program.id;
  editor.setText(program.source);
  void reset();
}

/** Loads the program a link holds (`#code=…`); false, with a note saying why, when it holds none. */
async function openShared(code: string): Promise<boolean> {
  let source: string;
  try {
    source = await decodeSource(code);
  } catch (e) {
    note(`This link's program could not be read: ${(e as Error).message}.`, 'error');
    return false;
  }
  note('');
  selectCustom(source, '(shared program)');
  editor.setText(source);
  void reset();
  return true;
}

/** Puts the editor's program in the address (`#code=…`) and copies the address. */
async function share(): Promise<void> {
  let code: string;
  try {
    code = await encodeSource(editor.text());
  } catch (e) {
    note(`Cannot share it: ${(e as Error).message}.`, 'error');
    return;
  }
  const address = new URL(location.href);
  address.searchParams.delete('program');
  address.hash = `${FRAGMENT_KEY}=${code}`;
  history.replaceState(null, '', address.href);
  try {
    await navigator.clipboard.writeText(address.href);
    note('Link copied: it opens this program.');
  } catch {
    note('The address now holds this program: copy it from the address bar.');
  }
}

// ---- wiring ----

select.addEventListener('change', () => {
  if (select.value === 'custom') {
    if (custom !== null) editor.setText(custom.source);
    void reset();
    return;
  }
  history.replaceState(null, '', `?program=${select.value}${params.has('watchdog') ? `&watchdog=${WATCHDOG_MS}` : ''}`);
  choose(select.value);
});
buttons.run.addEventListener('click', () => void run());
buttons.pause.addEventListener('click', pause);
buttons.step.addEventListener('click', () => void act({ type: 'step' }));
buttons.iteration.addEventListener('click', () => void act({ type: 'iteration' }));
buttons.reset.addEventListener('click', () => void reset());
buttons.share.addEventListener('click', () => void share());
const speedLabel = $<HTMLOutputElement>('speed-label');
speed.addEventListener('input', () => (speedLabel.textContent = SPEEDS[Number(speed.value)].label));
speedLabel.textContent = SPEEDS[Number(speed.value)].label;
document.addEventListener('keydown', (e) => {
  // Keys typed into the editor or a control are theirs.
  if (e.ctrlKey || e.metaKey || e.altKey || (e.target instanceof Element && e.target.closest('.cm-editor, select, input') !== null)) return;
  const keys: Record<string, () => void> = {
    s: () => void act({ type: 'step' }),
    i: () => void act({ type: 'iteration' }),
    r: () => void run(),
    p: pause,
    x: () => void reset(),
  };
  keys[e.key]?.();
});
// A link pasted into this tab's address bar changes only the fragment.
addEventListener('hashchange', () => {
  const code = fragmentCode(location.hash);
  if (code !== null) void openShared(code);
});

/** Starts a worker to learn what the library exports, fills the menu, then opens the program of the address. */
async function start(): Promise<void> {
  let exported: string[] = [];
  try {
    ({ worker, exports: exported } = await startWorker());
    fresh = true;
  } catch {
    // The first command tries again, and says what failed.
  }
  menu = availablePrograms(exported);
  for (const p of menu) select.append(Object.assign(document.createElement('option'), { value: p.id, textContent: p.title }));
  select.append(Object.assign(document.createElement('option'), { value: 'custom', hidden: true }));
  const code = fragmentCode(location.hash);
  if (code === null || !(await openShared(code))) choose(params.get('program') ?? menu[0].id);
}

void start();
