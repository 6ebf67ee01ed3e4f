// The playground in a real browser: Debian's Chromium driven by
// playwright-core. The page is built and served as `npm run playground`
// does; the specs step through preloaded programs and check what the page
// shows — ready deque, timer heap, task states, console — against the
// library's own run of the same program (loop.runUntilComplete with a Tracer
// and loop.snapshot() after every callback), in a fresh realm like the
// page's worker. Skipped, with a notice, where /usr/bin/chromium is missing.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import * as http from 'node:http';
import * as zlib from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { availablePrograms, programs, type Program } from '../playground/src/programs';
import { MAX_SOURCE_BYTES, ShareError, decodeSource, encodeSource, fragmentCode } from '../playground/src/share';
import * as browserLibrary from '../lib/browser';
import { Session, STEP_BUDGET } from '../playground/src/session';
import { repr } from '../lib/repr';
import { getEventLoopPolicy, type Snapshot } from '../lib';

/** The page's DOM as far as these specs read it (functions passed to page.evaluate run in the page; this file compiles without the DOM library). */
interface PageElement {
  textContent: string | null;
  title: string;
  localName: string;
  attributes: ArrayLike<{ name: string }>;
  getAttribute(name: string): string | null;
  scrollLeft: number;
  getBoundingClientRect(): { left: number; right: number; top: number; bottom: number };
  dataset: Record<string, string | undefined>;
  children: ArrayLike<PageElement>;
  hidden: boolean;
  disabled: boolean;
  value: string;
}
declare const document: {
  body: PageElement;
  title: string;
  getElementById(id: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
};
declare function getComputedStyle(e: PageElement): { color: string };

const CHROMIUM = process.env.TULIP_CHROMIUM ?? '/usr/bin/chromium';
const build = require('../playground/build.js') as { buildPlayground(): Promise<string[]>; bundleForBrowser(): Promise<string> };
const { serve } = require('../playground/serve.js') as { serve(o: { port: number; dir?: string }): Promise<{ server: Server; url: string }> };

const t3 = (t: number) => `t=${t.toFixed(3)}`;
const sourceOf = (id: string) => (programs.find((p) => p.id === id) as { source: string }).source;
/** The programs the menu offers with this build of the library. */
const menu = availablePrograms(Object.keys(browserLibrary));

/** The library's own run of a program: the states after each callback, the console, the trace, the outcome. */
interface Reference {
  before: Snapshot;
  after: { snap: Snapshot; console: number }[];
  console: string[];
  narration: string[];
  outcome: string;
}

let bundle = '';

/** Runs `source` with loop.runUntilComplete in a fresh realm (so auto-named tasks count from Task-1, as in the page's fresh worker). */
function reference(source: string): Reference {
  const lines: string[] = [];
  const realm = vm.createContext({
    performance: { now: () => performance.now() },
    setTimeout,
    clearTimeout,
    print: (time: number, args: unknown[]) => lines.push(`${t3(time)} ${args.map((a) => (typeof a === 'string' ? a : repr(a))).join(' ')}`),
  });
  vm.runInContext(bundle, realm);
  realm.source = source;
  const r = vm.runInContext(
    `(() => {
      const loop = new tulip.EventLoop({ clock: 'virtual', debug: true });
      const tracer = new tulip.Tracer();
      loop.addInstrument(tracer);
      const after = [];
      let printed = 0;
      loop.addInstrument({ afterCallback() { after.push({ snap: loop.snapshot(), console: printed }); } });
      loop.setExceptionHandler((l, ctx) => { printed++; print(loop.time(), [ctx.message]); });
      tulip.setEventLoop(loop);
      const log = (...args) => { printed++; print(loop.time(), args); };
      const main = new Function('asyncio', 'console', '"use strict";\\n' + source + '\\n;return main;')(tulip, { log, info: log, warn: log, error: log });
      const task = loop.createTask(main(), { name: 'main' });
      const before = loop.snapshot();
      let outcome;
      try { outcome = 'returned ' + JSON.stringify(loop.runUntilComplete(task)); }
      catch (e) { outcome = 'error ' + e.name + ': ' + e.message; }
      return { before, after, narration: tracer.narrate().split('\\n'), outcome };
    })()`,
    realm,
  );
  return { ...r, console: lines };
}

interface PageState {
  steps: number;
  callbacks: number;
  iteration: number;
  left: number;
  finished: boolean;
  ready: string[];
  timers: string[];
  tasks: { name: string; state: string; waiting: string }[];
  console: string[];
  message: string;
  kind: string;
}

function readPage(page: Page): Promise<PageState> {
  return page.evaluate(() => {
    const status = document.getElementById('status') as PageElement;
    const texts = (sel: string) => [...document.querySelectorAll(sel)].map((e) => e.textContent ?? '');
    const message = document.getElementById('message') as PageElement;
    return {
      steps: Number(status.dataset.steps),
      callbacks: Number(status.dataset.callbacks),
      iteration: Number(status.dataset.iteration),
      left: Number(status.dataset.left),
      finished: status.dataset.finished === 'true',
      ready: texts('#ready li.callback'),
      timers: texts('#timers li.timer'),
      tasks: [...document.querySelectorAll('#tasks tbody tr')].map((tr) => ({
        name: tr.dataset.name ?? '',
        state: tr.dataset.state ?? '',
        waiting: tr.children[2]?.textContent ?? '',
      })),
      console: texts('#console .line'),
      message: message.textContent ?? '',
      kind: message.dataset.kind ?? '',
    };
  });
}

/** What the page must show for a snapshot: the ready deque, the heap, and the unfinished tasks. */
function expectShows(state: PageState, snap: Snapshot, where: string): void {
  expect(state.ready, `ready deque ${where}`).to.deep.equal(snap.ready);
  expect(state.timers, `timer heap ${where}`).to.deep.equal(snap.timers.map((t) => `${t3(t.when)}${t.description}`));
  const live = state.tasks.filter((t) => t.state !== 'done').map((t) => `${t.name} ${t.state} ${t.waiting}`);
  expect(live, `tasks ${where}`).to.deep.equal(snap.tasks.map((t) => `${t.name} ${t.state} ${t.waitingOn ?? ''}`));
}

/** The line marked as the one the program failed on: its number, text, the gutter's number and the marker's title. */
function errorMark(page: Page): Promise<{ lines: string[]; text: string; number: string; title: string }> {
  return page.evaluate(() => {
    const lines = [...document.querySelectorAll('.cm-error-line')];
    return {
      lines: lines.map((l) => l.dataset.errorLine ?? ''),
      text: lines[0]?.textContent ?? '',
      number: document.querySelector('.cm-lineNumbers .cm-error-gutter-line')?.textContent ?? '',
      title: document.querySelector('.cm-error-marker')?.title ?? '',
    };
  });
}

async function settle(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.busy === 'false' && document.getElementById('status')?.dataset.steps !== undefined, null, { timeout: 10_000 });
}

async function open(page: Page, url: string, query: string): Promise<PageState> {
  await page.goto(`${url}?${query}`);
  await settle(page);
  return readPage(page);
}

/** Opens the page with `source` in its address, as a shared link does (`#code=`). */
async function openWith(page: Page, url: string, source: string, query = ''): Promise<PageState> {
  await page.goto(`${url}${query ? `?${query}` : ''}#code=${await encodeSource(source)}`);
  await settle(page);
  return readPage(page);
}

/**
 * The editor's text, read the way a learner takes it away: Share puts it in
 * the address. (CodeMirror draws only the lines in view, so the page's DOM
 * does not hold a long program whole.)
 */
async function editorText(page: Page): Promise<string> {
  await page.$eval('#share-note', (n) => (n.textContent = ''));
  await page.click('#share');
  await page.waitForFunction(() => (document.getElementById('share-note')?.textContent ?? '') !== '');
  return decodeSource(fragmentCode(new URL(page.url()).hash) ?? '');
}

/** The menu: its value, and the text of the option selected. */
function menuShows(page: Page): Promise<{ value: string; text: string }> {
  return page.$eval('#program', (s) => {
    const select = s as unknown as PageElement & { selectedOptions: ArrayLike<PageElement> };
    return { value: select.value, text: select.selectedOptions[0]?.textContent ?? '' };
  });
}

async function click(page: Page, button: string): Promise<PageState> {
  await page.click(button);
  await settle(page);
  return readPage(page);
}

/** Runs the program at the fastest speed until the run stops. */
async function runToEnd(page: Page): Promise<PageState> {
  await page.fill('#speed', '7');
  await page.click('#run');
  await page.waitForFunction(() => document.body.dataset.state !== 'running', null, { timeout: 20_000 });
  await settle(page);
  return readPage(page);
}

describe('playground (in Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let server: Server;
  let url: string;
  let page: Page;
  const outside: string[] = [];

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      console.log(`    (browser specs skipped: no Chromium at ${CHROMIUM} — \`apt-get install chromium\` to run them)`);
      this.skip();
    }
    bundle = await build.bundleForBrowser();
    await build.buildPlayground();
    ({ server, url } = await serve({ port: 0 }));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      timeout: 30_000,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  beforeEach(async function () {
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const origin = new URL(url).origin;
    page.on('request', (req) => {
      const u = req.url();
      if (!u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:')) outside.push(u);
    });
    page.on('pageerror', (e) => outside.push(`page error: ${e.message}`));
  });

  afterEach(async () => {
    await page?.close();
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  it('serves the page: every program the library can run is in the menu, and the first one is loaded', async () => {
    const state = await open(page, url, '');
    const options = await page.$$eval('#program option:not([hidden])', (os) => os.map((o) => (o as unknown as PageElement).value));
    expect(options).to.deep.equal(menu.map((p) => p.id));
    expect(options).to.include.members(['sleep-ordering', 'gather', 'producer-consumer', 'timeouts', 'cancellation', 'deadlock']);
    expect(await menuShows(page)).to.deep.equal({ value: 'sleep-ordering', text: programs[0].title });
    expect(await editorText(page)).to.equal(programs[0].source);
    expect(state.steps).to.equal(0);
    expect(state.tasks).to.deep.equal([{ name: 'main', state: 'ready', waiting: '' }]);
    expect(state.ready).to.deep.equal(["step Task 'main'"]);
  });

  it('steps through gather one callback at a time, showing what the runtime did after every callback', async () => {
    const ref = reference(sourceOf('gather'));
    let prev = await open(page, url, 'program=gather');
    expectShows(prev, ref.before, 'before the first step');
    let iterationSteps = 0;
    for (let i = 0; i < 200 && !prev.finished; i++) {
      const cur = await click(page, '#step');
      expect(cur.steps).to.equal(prev.steps + 1);
      if (cur.callbacks === prev.callbacks) {
        // The start of an iteration: the clock jumped, and the due timers moved from the heap to the ready deque.
        iterationSteps++;
        const due = prev.timers.length - cur.timers.length;
        expect(due).to.be.greaterThan(0);
        expect(cur.ready.slice(-due)).to.deep.equal(prev.timers.slice(0, due).map((t) => t.replace(/^t=\d+\.\d{3}/, '')));
      } else {
        expect(cur.callbacks).to.equal(prev.callbacks + 1);
        const k = cur.callbacks - 1;
        if (!cur.finished) expectShows(cur, ref.after[k].snap, `after callback ${cur.callbacks}`);
        expect(cur.console).to.deep.equal(ref.console.slice(0, ref.after[k].console));
      }
      prev = cur;
    }
    expect(prev.finished).to.equal(true);
    expect(prev.callbacks).to.equal(ref.after.length);
    expect(iterationSteps).to.equal(3); // the clock jumps to t=1, t=2 and t=3
    expect(ref.outcome).to.equal('returned 3');
    expect(prev.message).to.contain('main() returned 3');
    expect(prev.console).to.deep.equal(ref.console);
    expect(prev.tasks.map((t) => `${t.name} ${t.state}`)).to.deep.equal(['main done', 'Task-1 done', 'Task-2 done', 'Task-3 done']);
    // The Tracer's narration is the page's trace.
    const trace = await page.$$eval('#trace div', (ds) => ds.map((d) => d.textContent));
    expect(trace).to.deep.equal(ref.narration);
  });

  it('steps one loop iteration at a time: each click ends between two iterations, as the loop left them', async () => {
    const ref = reference(sourceOf('sleep-ordering'));
    let prev = await open(page, url, 'program=sleep-ordering');
    for (let i = 0; i < 100 && !prev.finished; i++) {
      const cur = await click(page, '#iteration');
      expect(cur.iteration).to.equal(prev.iteration + 1);
      expect(cur.left).to.equal(0);
      expect(cur.callbacks).to.be.at.least(prev.callbacks);
      if (cur.callbacks > prev.callbacks && !cur.finished) expectShows(cur, ref.after[cur.callbacks - 1].snap, `after iteration ${cur.iteration}`);
      prev = cur;
    }
    expect(prev.finished).to.equal(true);
    expect(prev.callbacks).to.equal(ref.after.length);
    expect(prev.console).to.deep.equal(ref.console);
    expect(prev.console[0]).to.equal('t=0.000 countdown: T-minus 3');
  });

  it("shows a clicked task's coroutine() stack and its own trace lines", async () => {
    const source = [
      'const { coroutine, createTask, sleep } = asyncio;',
      'const inner = coroutine(function* inner() { yield* sleep(1); });',
      'const outer = coroutine(function* outer() { yield* inner(); });',
      'function* main() {',
      "  yield* createTask(outer(), { name: 'worker' });",
      '}',
    ].join('\n');
    const ref = reference(source);
    await openWith(page, url, source);
    let state = await click(page, '#step');
    for (let i = 0; i < 10 && !state.tasks.some((t) => t.name === 'worker' && t.state === 'sleeping'); i++) state = await click(page, '#step');
    await page.click('#tasks tr[data-name="worker"]');
    const frames = await page.$$eval('#task-detail .stack li', (ls) => ls.map((l) => l.textContent));
    expect(frames).to.deep.equal(['outer — called at line 5, column 21', 'inner — called at line 3, column 52']);
    const own = (await page.$eval('#task-detail .task-trace', (p) => p.textContent ?? '')).split('\n');
    expect(own.length).to.be.greaterThan(2);
    let at = 0;
    for (const line of own) {
      expect(line).to.contain("Task 'worker'");
      at = ref.narration.indexOf(line, at);
      expect(at, `"${line}" is a line of the library's narration, in order`).to.be.at.least(0);
    }
    // A second click hides it.
    await page.click('#tasks tr[data-name="worker"]');
    expect(await page.$eval('#task-detail', (d) => (d as PageElement).hidden)).to.equal(true);
  });

  it("keeps the timeline's lane names and legend in view when it scrolls to the newest step", async () => {
    await page.setViewportSize({ width: 1100, height: 900 });
    await open(page, url, 'program=producer-consumer');
    const state = await runToEnd(page);
    const seen = await page.evaluate(() => {
      const panel = document.getElementById('timeline') as PageElement;
      const edge = panel.getBoundingClientRect().left;
      const texts = (sel: string) => [...document.querySelectorAll(sel)].map((t) => ({ text: t.textContent ?? '', left: t.getBoundingClientRect().left - edge }));
      const scroll = document.querySelector('#timeline .timeline-scroll') as PageElement;
      return { scrolled: scroll.scrollLeft, drawn: texts('#timeline svg:not(.pinned) text'), pinned: texts('#timeline svg.pinned text') };
    });
    const lanes = ['(loop)', ...state.tasks.map((t) => `Task '${t.name}'`)];
    expect(seen.scrolled, 'the timeline is wider than its panel: it scrolled to the end').to.be.greaterThan(0);
    // The Tracer's own lane names scrolled out of view to the left…
    expect(seen.drawn.filter((t) => lanes.includes(t.text)).every((t) => t.left < 0)).to.equal(true);
    // …and their copy, with the legend's words, is in view.
    const pinned = seen.pinned.map((t) => t.text);
    expect(pinned).to.include.members([...lanes, 'running', 'ready', 'waiting', 'sleeping', 'done', 'wake-up']);
    const names = seen.pinned.filter((t) => lanes.includes(t.text));
    expect(names.map((t) => t.text)).to.deep.equal(lanes);
    expect(names.every((t) => t.left >= 0 && t.left < 12), `at the panel's left edge: ${names.map((t) => t.left)}`).to.equal(true);
    expect(seen.pinned.every((t) => t.left >= 0)).to.equal(true);
  });

  it('reports a syntax error with its line, and marks the line in the editor', async () => {
    await openWith(page, url, 'const x = 1;\nfunction* main() {\n  yield* foo(;\n}\n');
    const state = await readPage(page);
    expect(state.kind).to.equal('syntax');
    expect(state.message).to.match(/^Syntax error — line 3, column 14: SyntaxError: Unexpected token ';'/);
    expect(await errorMark(page)).to.deep.equal({ lines: ['3'], text: '  yield* foo(;', number: '3', title: state.message });
  });

  it('marks the line a running program threw on, until the text is edited', async () => {
    const source = ['function* main() {', '  yield* asyncio.sleep(1);', '  const x = null;', '  x.boom;', '}', ''].join('\n');
    await openWith(page, url, source);
    expect(await errorMark(page), 'no mark before the run').to.deep.equal({ lines: [], text: '', number: '', title: '' });
    const state = await runToEnd(page);
    expect(state.kind).to.equal('exception');
    expect(state.message).to.match(/^The program failed — line 4, column \d+: main\(\) raised TypeError: Cannot read properties of null/);
    expect(await errorMark(page)).to.deep.equal({ lines: ['4'], text: '  x.boom;', number: '4', title: state.message });
    await page.click('.cm-content .cm-line:nth-child(4)');
    await page.keyboard.press('End');
    await page.keyboard.type(' // fixed?');
    expect((await errorMark(page)).lines, 'an edit takes the mark away').to.deep.equal([]);
  });

  it('edits in CodeMirror: JavaScript highlighted, brackets matched', async () => {
    await openWith(page, url, 'function* main() {\n  yield* asyncio.sleep(1);\n}\n');
    expect(await page.$$('textarea')).to.have.length(0);
    // The keyword `function` is drawn in a token's span, in a colour of its own.
    const colours = await page.$eval('.cm-content', (content) => {
      const keyword = [...document.querySelectorAll('.cm-line span')].find((s) => s.textContent === 'function');
      return { keyword: keyword ? getComputedStyle(keyword).color : null, text: getComputedStyle(content as unknown as PageElement).color };
    });
    expect(colours.keyword).to.be.a('string');
    expect(colours.keyword).not.to.equal(colours.text);
    expect(await page.$$('.cm-matchingBracket')).to.have.length(0);
    await page.click('.cm-content');
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('End'); // just after the `{` of line 1
    const matched = await page.$$eval('.cm-matchingBracket', (bs) => bs.map((b) => b.textContent));
    expect(matched).to.deep.equal(['{', '}']);
    // Tab indents in the editor; keys typed there are not the page's shortcuts (`s` does not step).
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await page.keyboard.type('s');
    expect((await readPage(page)).steps).to.equal(0);
    expect((await editorText(page)).split('\n').slice(0, 3)).to.deep.equal(['function* main() {', '    s', '  yield* asyncio.sleep(1);']);
  });

  it('says in the menu when the program was edited, keeps the edit there, and knows an undone edit', async () => {
    await open(page, url, 'program=gather');
    expect(await menuShows(page)).to.deep.equal({ value: 'gather', text: 'gather: three at once, results in order' });
    await page.click('.cm-content');
    await page.keyboard.press('Control+End');
    await page.keyboard.type('// mine');
    expect(await menuShows(page)).to.deep.equal({ value: 'custom', text: '(edited program)' });
    expect((await readPage(page)).message).to.equal('The program was edited: the next Step or Run loads it again from the start.');
    // Undoing the edit gives gather's text back: the menu says gather again; redoing it, edited again.
    await page.keyboard.press('Control+z');
    expect((await menuShows(page)).value).to.equal('gather');
    await page.keyboard.press('Control+y');
    expect(await menuShows(page)).to.deep.equal({ value: 'custom', text: '(edited program)' });
    const mine = await editorText(page);
    expect(mine).to.equal(`${sourceOf('gather')}// mine`);
    // Another program from the menu, then back to the edited one.
    await page.selectOption('#program', 'timeouts');
    await settle(page);
    expect(await editorText(page)).to.equal(sourceOf('timeouts'));
    await page.selectOption('#program', 'custom');
    await settle(page);
    expect(await editorText(page)).to.equal(mine);
    expect(await menuShows(page)).to.deep.equal({ value: 'custom', text: '(edited program)' });
  });

  it('shares a program by its address: Share puts it in the fragment, and the address opens it', async () => {
    await open(page, url, 'program=cancellation');
    await page.click('.cm-content');
    await page.keyboard.press('Control+End');
    await page.keyboard.type("console.log('shared: ✓ tulip 🌷');");
    const source = await editorText(page);
    await page.click('#share');
    await page.waitForFunction(() => (document.getElementById('share-note')?.textContent ?? '') !== '');
    const address = new URL(page.url());
    expect(address.searchParams.has('program'), 'the menu entry is not in the link').to.equal(false);
    const code = fragmentCode(address.hash) as string;
    expect(await decodeSource(code)).to.equal(source);
    // The address in a new tab opens the program, named as shared in the menu, and runs it.
    const other = await browser.newPage();
    try {
      await other.goto(address.href);
      await settle(other);
      expect(await editorText(other)).to.equal(source);
      expect(await menuShows(other)).to.deep.equal({ value: 'custom', text: '(shared program)' });
      const state = await runToEnd(other);
      expect(state.console[0]).to.equal("t=0.000 shared: ✓ tulip 🌷");
      expect(state.message).to.equal('The run is over: main() returned undefined. Reset to run it again.');
    } finally {
      await other.close();
    }
    // A link pasted into the same tab changes only the fragment: it is opened too.
    await page.evaluate((hash) => ((globalThis as unknown as { location: { hash: string } }).location.hash = hash), `code=${await encodeSource('function* main() { return 42; }')}`);
    await page.waitForFunction(() => (document.querySelector('.cm-line')?.textContent ?? '').includes('42'));
    expect((await runToEnd(page)).message).to.contain('main() returned 42');
  });

  it('says so when a link holds no program, and opens the first one instead', async () => {
    const bomb = zlib.deflateRawSync(Buffer.alloc(MAX_SOURCE_BYTES + 1, 'a')).toString('base64url');
    for (const [code, why] of [
      ['not*base64', 'the link holds characters that base64url does not use'],
      [bomb, `the program in the link is longer than ${MAX_SOURCE_BYTES} bytes`],
    ]) {
      await page.goto(`${url}#code=${code}`);
      await settle(page);
      expect(await page.$eval('#share-note', (n) => n.textContent)).to.equal(`This link's program could not be read: ${why}.`);
      expect((await menuShows(page)).value).to.equal(programs[0].id);
      expect(await editorText(page)).to.equal(programs[0].source);
    }
  });

  it('runs the cancellation program: cancel() goes down the awaits, CancelledError comes back up through every finally', async () => {
    const ref = reference(sourceOf('cancellation'));
    await open(page, url, 'program=cancellation');
    const state = await runToEnd(page);
    // What CPython 3.13 prints for the same program written with async/await.
    expect(state.console).to.deep.equal([
      't=0.000 leaf: sleeping for 10 s',
      't=1.000 main: cancel',
      't=1.000 leaf: finally',
      't=1.000 worker: caught CancelledError(shutting down), re-raising',
      't=1.000 supervisor: finally',
      't=1.000 main: cancelled shutting down, true',
    ]);
    expect(state.console).to.deep.equal(ref.console);
    expect(state.tasks.map((t) => `${t.name} ${t.state} ${t.waiting}`)).to.deep.equal(['main done result undefined', 'supervisor done cancelled', 'worker done cancelled']);
  });

  it('runs every program of the menu as the library does (the mistakes fail as they should)', async () => {
    for (const program of menu.filter((p) => p.fails === undefined || p.fails === 'exception' || p.fails === 'deadlock')) {
      const ref = reference(program.source);
      await open(page, url, `program=${program.id}`);
      const state = await runToEnd(page);
      expect(state.console, program.id).to.deep.equal(ref.console);
      if (program.fails === undefined) {
        expect(state.kind, `${program.id}: ${state.message}`).to.equal('');
        expect(state.message).to.equal(`The run is over: main() ${ref.outcome}. Reset to run it again.`);
      } else expect(state.kind, program.id).to.equal(program.fails);
    }
  });

  it("keeps a program inside its worker: it reaches no other server, and what it posts the page cannot run there", async () => {
    const hits: string[] = [];
    const elsewhere = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      res.writeHead(200, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'text/javascript' }).end('1');
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    const there = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="document.title='onload'"><script>document.title='script'</script><image href="${there}/image"/><foreignObject><div xmlns="http://www.w3.org/1999/xhtml"><img src="${there}/img" onerror="document.title='onerror'"/></div></foreignObject><a href="javascript:document.title='link'"><text x="1" y="9" style="fill:url(${there}/style)">x</text></a><rect fill="url(${there}/fill)" width="1" height="1"/></svg>`;
    const source = [
      'function* main() {',
      '  const tried = [];',
      `  try { const x = new XMLHttpRequest(); x.open('GET', '${there}/xhr', false); x.send(); tried.push('xhr sent'); } catch (e) { tried.push('xhr: ' + e.name); }`,
      `  try { importScripts('${there}/import'); tried.push('imported'); } catch (e) { tried.push('importScripts: ' + e.name); }`,
      `  fetch('${there}/fetch').catch(() => undefined);`,
      '  console.log(tried.join(", "));',
      // A View of its own, as if the worker had sent it.
      `  postMessage({ type: 'view', view: { loaded: true, finished: false, time: 0, iteration: 0, batch: 0, left: 0, callbacks: 0, steps: 0, lastStep: [], ready: [], timers: [], tasks: [], futures: [], console: [], trace: [], traceOmitted: 0, outcome: null, error: null, svg: ${JSON.stringify(svg)} } });`,
      '  yield* asyncio.sleep(1);',
      '}',
    ].join('\n');
    // A page of its own: the attempts above are requests the browser starts (and blocks), which the other specs count.
    const alone = await browser.newPage();
    try {
      await openWith(alone, url, source);
      await click(alone, '#step');
      const drawn = await alone.$eval('#timeline', (t) => [...document.querySelectorAll('#timeline *')].map((e) => `${e.localName}[${Array.from(e.attributes).map((a) => a.name).join(',')}]`));
      expect(drawn).to.deep.equal(['div[class]', 'svg[xmlns,width,height]', 'rect[width,height]']);
      await alone.waitForTimeout(200); // time for a request to arrive, were one sent
      expect(await alone.evaluate(() => document.title)).to.equal('tulip playground: watch the event loop run');
      // The program's View replaced the worker's for one step; the next step shows the real one.
      const printed = (await click(alone, '#step')).console;
      expect(printed[0]).to.equal('t=0.000 xhr: NetworkError, importScripts: NetworkError');
      expect(hits).to.deep.equal([]);
    } finally {
      await alone.close();
      elsewhere.close();
    }
  });


  it("gives the library's own error for a bad yield, and the loop's deadlock report", async () => {
    for (const id of ['forgotten-star', 'deadlock']) {
      const ref = reference(sourceOf(id));
      await open(page, url, `program=${id}`);
      const state = await runToEnd(page);
      const error = ref.outcome.replace(/^error \w+: /, '');
      if (id === 'deadlock') {
        expect(state.kind).to.equal('deadlock');
        expect(error).to.match(/^deadlock: /);
        expect(error).to.contain('Wait cycle');
      } else {
        expect(state.kind).to.equal('exception');
        expect(error).to.contain('yield was used instead of yield*');
      }
      expect(state.message).to.contain(error);
      expect(state.console).to.deep.equal(ref.console);
    }
  });

  it('stops a coroutine that never yields, says so, and stays responsive', async () => {
    await open(page, url, 'program=never-yields&watchdog=1000');
    await page.fill('#speed', '6');
    await page.click('#run');
    await page.waitForFunction(() => document.body.dataset.state === 'stopped', null, { timeout: 20_000 });
    const state = await readPage(page);
    expect(state.kind).to.equal('frozen');
    expect(state.message).to.contain('without yielding to the loop');
    expect(state.message).to.contain('did you forget a yield');
    // The line printed just before the endless loop reached the page.
    expect(state.console[state.console.length - 1]).to.equal('t=2.500 main: now counting forever, without a yield…');
    expect(await page.$eval('#step', (b) => (b as unknown as PageElement).disabled)).to.equal(true);
    const again = await click(page, '#reset');
    expect(again.steps).to.equal(0);
    expect(again.kind).to.equal('');
    expect((await click(page, '#step')).callbacks).to.equal(1);
  });

  it('made no request outside its own origin', () => {
    expect(outside).to.deep.equal([]);
  });
});

// The worker's engine needs no browser: these run everywhere.
describe('playground session (the worker\'s engine, in Node)', () => {
  it('runs main() as asyncio.run would: pending tasks are cancelled at the end, the loop is closed', () => {
    const lines: string[] = [];
    const session = new Session(
      [
        'const { createTask, sleep } = asyncio;',
        "function* forever() { try { for (;;) yield* sleep(1); } finally { console.log('forever: cleaning up'); } }",
        "function* failing() { throw new Error('nobody reads me'); }",
        'function* main() {',
        "  createTask(forever(), { name: 'forever' });",
        "  createTask(failing(), { name: 'failing' });",
        '  yield* sleep(2.5);',
        "  return 'ok';",
        '}',
      ].join('\n'),
      (line) => lines.push(`${t3(line.time)} ${line.level} ${line.text}`),
    );
    expect(session.view().ready).to.deep.equal([{ text: "step Task 'main'", now: false }]);
    session.command({ type: 'run', steps: 1000 });
    const view = session.view();
    expect(view.finished).to.equal(true);
    expect(view.error).to.equal(null);
    expect(view.outcome).to.equal("main() returned 'ok'");
    expect(view.tasks.map((t) => `${t.name} ${t.state} ${t.outcome}`)).to.deep.equal([
      "main done result 'ok'",
      'forever done cancelled',
      'failing done exception Error: nobody reads me',
    ]);
    expect(lines).to.deep.equal(['t=2.500 log forever: cleaning up', 't=2.500 error Task exception was never retrieved: Error: nobody reads me']);
    expect(session.loop.isClosed()).to.equal(true);
    session.command({ type: 'step' }); // a finished run ignores commands
    expect(session.view().steps).to.equal(view.steps);
  });

  it("makes its loop the current one for the program's top-level code only", () => {
    const before = getEventLoopPolicy();
    const session = new Session('const f = new asyncio.Future();\nfunction* main() { asyncio.getRunningLoop().callSoon(() => f.setResult(7)); return yield* f; }');
    expect(getEventLoopPolicy()).to.equal(before);
    session.command({ type: 'run', steps: 100 });
    expect(session.view().outcome).to.equal('main() returned 7');
  });

  it('says what is wrong with a program that cannot run', () => {
    const error = (source: string) => new Session(source).view().error;
    expect(error('function* main( {')).to.include({ kind: 'syntax' });
    expect(error('const x = 1;')?.message).to.contain('The program defines no main()');
    expect(error('function main() { return 1; }')).to.deep.equal({
      kind: 'setup',
      message: 'main() must be a generator function (function* main), so that main() is a coroutine: TypeError: a coroutine was expected, got 1',
    });
    expect(error('\nthrow new TypeError("at the top");')).to.deep.include({ kind: 'exception', message: 'TypeError: at the top', line: 2 });
    expect(error('throw 42;')).to.include({ kind: 'exception', message: 'thrown: 42' });
  });

  it('gives the line where main() raised, and the deadlock report', () => {
    const failing = new Session('function* main() {\n  yield;\n  null.x;\n}');
    failing.command({ type: 'run', steps: 100 });
    expect(failing.view().error).to.deep.include({ kind: 'exception', line: 3 });
    expect(failing.view().outcome).to.match(/^main\(\) raised TypeError/);
    const stuck = new Session(sourceOf('deadlock'));
    stuck.command({ type: 'run', steps: 100 });
    expect(stuck.view().error?.kind).to.equal('deadlock');
    expect(stuck.view().error?.message).to.match(/^deadlock: /);
  });

  it('runs every preloaded program the library can run to its end, and each mistake fails as it says', () => {
    for (const program of menu.filter((p) => p.fails !== 'frozen')) {
      const session = new Session(program.source);
      session.command({ type: 'run', steps: 5000 });
      const view = session.view();
      expect(view.finished, program.id).to.equal(true);
      expect(view.error?.kind ?? null, `${program.id}: ${view.error?.message}`).to.equal(program.fails ?? null);
    }
  });

  it('offers only the programs whose library names exist: a program is added to the menu in one place', () => {
    const needs: Program = { id: 'x', title: 'x', from: 'x', requires: ['asyncGenerator', 'emit'], source: '' };
    const plain: Program = { id: 'y', title: 'y', from: 'y', source: '' };
    expect(availablePrograms(['sleep'], [needs, plain])).to.deep.equal([plain]);
    expect(availablePrograms(['sleep', 'asyncGenerator'], [needs, plain])).to.deep.equal([plain]);
    expect(availablePrograms(['asyncGenerator', 'emit'], [needs, plain])).to.deep.equal([needs, plain]);
    // The async-generator program appears once the library has async generators.
    const hasAsyncGenerators = 'asyncGenerator' in browserLibrary;
    expect(menu.some((p) => p.id === 'async-generator')).to.equal(hasAsyncGenerators);
    expect(menu.filter((p) => p.requires === undefined)).to.have.length(programs.filter((p) => p.requires === undefined).length);
    expect(new Set(programs.map((p) => p.id)).size, 'ids are unique').to.equal(programs.length);
  });

  it('stops a run that never ends after its step budget', () => {
    expect(STEP_BUDGET).to.equal(20_000);
    const session = new Session('function* main() { for (;;) yield; }', undefined, 300);
    session.command({ type: 'run', steps: 310 });
    expect(session.view().error).to.deep.equal({
      kind: 'budget',
      message: 'The run was stopped after 300 steps and is not over: does a loop in the program never end?',
    });
    expect(session.view().steps).to.equal(300);
    expect(session.view().finished).to.equal(true);
  });

  it('steps an iteration at a time, and lists the futures the tasks wait on with their callbacks', () => {
    const session = new Session(sourceOf('gather'));
    session.command({ type: 'iteration' });
    session.command({ type: 'iteration' });
    const view = session.view();
    expect(view.left).to.equal(0);
    // Auto-named tasks count on from other specs in this process: call them Task-1… by creation order.
    const names = new Map(view.tasks.map((t, i) => [t.name, i === 0 ? t.name : `Task-${i}`]));
    const rename = (s: string) => s.replace(/Task-\d+/g, (m) => names.get(m) ?? m);
    expect(view.futures.map((f) => rename(`${f.label} <- ${f.awaitedBy.join(',')}: ${f.callbacks.join(', ')}`))).to.deep.equal([
      "gather of 3 <- main: wake Task 'main'",
      "sleep until t=2.000 <- Task-1: wake Task 'Task-1'",
      "sleep until t=1.000 <- Task-2: wake Task 'Task-2'",
      "sleep until t=3.000 <- Task-3: wake Task 'Task-3'",
      "Task 'Task-1' <- : gatherChildDone (of gather of 3)",
      "Task 'Task-2' <- : gatherChildDone (of gather of 3)",
      "Task 'Task-3' <- : gatherChildDone (of gather of 3)",
      "Task 'main' <- : runUntilCompleteCallback",
    ]);
    expect(view.lastStep[0]).to.equal('▶ iteration 2, callback 1 of 3');
  });
});

// The server answers whatever reaches 127.0.0.1:<port> — including requests a
// web page in another tab makes the browser send. Raw sockets, so that the
// request line and the headers are exactly what is written here.
describe('playground server (serve.js)', () => {
  let tmp: string;
  let server: Server;
  let port: number;

  /** Sends `head` (a request line and headers) on a fresh connection; resolves to the status code and the body. */
  function request(head: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(`${head}\r\nConnection: close\r\n\r\n`));
      let data = '';
      socket.on('data', (d) => (data += d));
      socket.on('error', reject);
      socket.on('close', () => {
        const [top, ...rest] = data.split('\r\n\r\n');
        resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(top)?.[1] ?? 0), body: rest.join('\r\n\r\n') });
      });
    });
  }
  const get = (target: string, host = `127.0.0.1:${port}`) => request(`GET ${target} HTTP/1.1\r\nHost: ${host}`);
  /** `target` is refused with `status`, and the server still serves the next request. */
  async function refuses(head: string, status: number): Promise<string> {
    const answer = await request(head);
    expect(answer.status, head).to.equal(status);
    expect(answer.body).not.to.contain('the secret');
    expect((await get('/')).body, `the server is still up after ${JSON.stringify(head)}`).to.equal('<p>the page</p>');
    return answer.body;
  }

  before(async () => {
    // A served folder with a file, a symbolic link that stays inside, and one that leads out of it.
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tulip-serve-'));
    const site = path.join(tmp, 'site');
    fs.mkdirSync(path.join(site, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(site, 'index.html'), '<p>the page</p>');
    fs.writeFileSync(path.join(site, 'main.js'), 'console.log(1);');
    fs.writeFileSync(path.join(tmp, 'secret.txt'), 'the secret');
    fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(site, 'leak.txt'));
    fs.symlinkSync(tmp, path.join(site, 'sub', 'up'));
    fs.symlinkSync('main.js', path.join(site, 'alias.js'));
    let url: string;
    ({ server, url } = await serve({ port: 0, dir: site }));
    port = Number(new URL(url).port);
  });

  after(() => {
    server?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('serves the files of its folder, with their types', async () => {
    const page = await request(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}`);
    expect(page).to.deep.equal({ status: 200, body: '<p>the page</p>' });
    expect((await get('/main.js?v=1')).body).to.equal('console.log(1);');
    expect((await get('/alias.js')).body, 'a link that stays inside is followed').to.equal('console.log(1);');
    expect((await get('/index.html', `localhost:${port}`)).status).to.equal(200);
    expect((await get('/missing.js')).status).to.equal(404);
    expect((await get('/sub')).status, 'a folder is not a file').to.equal(404);
  });

  it('answers a NUL byte in the path with 400, and stays up', async () => {
    expect(await refuses(`GET /%00 HTTP/1.1\r\nHost: 127.0.0.1:${port}`, 400)).to.contain('control character');
    await refuses(`GET /index.html%00.js HTTP/1.1\r\nHost: 127.0.0.1:${port}`, 400);
    await refuses(`GET /%0a HTTP/1.1\r\nHost: 127.0.0.1:${port}`, 400);
  });

  it('answers malformed percent-encoding with 400', async () => {
    expect(await refuses(`GET /%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1:${port}`, 400)).to.contain('percent-encoded');
    await refuses(`GET /%ZZ HTTP/1.1\r\nHost: 127.0.0.1:${port}`, 400);
  });

  it('serves nothing outside its folder: .. in any spelling, and links that lead out', async () => {
    for (const target of ['/../secret.txt', '/sub/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/sub%2f..%2f..%2fsecret.txt']) {
      await refuses(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}`, 403);
    }
    await refuses(`GET /leak.txt HTTP/1.1\r\nHost: 127.0.0.1:${port}`, 403);
    await refuses(`GET /sub/up/secret.txt HTTP/1.1\r\nHost: 127.0.0.1:${port}`, 403);
  });

  it('refuses a request addressed to another name (DNS rebinding), or to no name', async () => {
    const said = await refuses(`GET / HTTP/1.1\r\nHost: evil.example:${port}`, 421);
    expect(said).to.contain(`answers only requests addressed to http://127.0.0.1:${port}/`);
    await refuses(`GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:${port + 1}`, 421);
    await refuses('GET / HTTP/1.0', 421);
  });

  it('takes an absolute-form target only when it names this server', async () => {
    expect(await request(`GET http://127.0.0.1:${port}/main.js HTTP/1.1\r\nHost: 127.0.0.1:${port}`)).to.deep.equal({ status: 200, body: 'console.log(1);' });
    await refuses(`GET http://evil.example:${port}/ HTTP/1.1\r\nHost: 127.0.0.1:${port}`, 421);
    await refuses(`GET http://127.0.0.1:${port}/%00 HTTP/1.1\r\nHost: 127.0.0.1:${port}`, 400);
    await refuses(`GET file:///etc/passwd HTTP/1.1\r\nHost: 127.0.0.1:${port}`, 400);
    await refuses(`GET index.html HTTP/1.1\r\nHost: 127.0.0.1:${port}`, 400);
  });

  it('sends the page a policy that allows nothing from elsewhere, and the worker one that allows it eval only', async () => {
    const policy = async (target: string) => {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.write(`HEAD ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`));
        let data = '';
        socket.on('data', (d) => (data += d));
        socket.on('error', reject);
        socket.on('close', () => resolve(data));
      });
      return /^content-security-policy: (.*)$/im.exec(answer)?.[1].trim();
    };
    fs.writeFileSync(path.join(tmp, 'site', 'worker.js'), 'postMessage(1);');
    const page = await policy('/');
    expect(page).to.contain("default-src 'self'");
    expect(page).to.contain("script-src 'self';");
    expect(page).not.to.contain('unsafe-eval');
    expect(await policy('/main.js')).to.equal(page);
    expect(await policy('/worker.js')).to.equal("default-src 'none'; script-src 'self' 'unsafe-eval'");
  });

  it('answers only GET and HEAD', async () => {
    const head = await request(`HEAD /main.js HTTP/1.1\r\nHost: 127.0.0.1:${port}`);
    expect(head).to.deep.equal({ status: 200, body: '' });
    await refuses(`POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 0`, 405);
    await refuses(`DELETE /index.html HTTP/1.1\r\nHost: 127.0.0.1:${port}`, 405);
  });
});

// The link format: `#code=` + base64url(deflate-raw(UTF-8)) — what zlib makes too.
describe('playground links (share.ts)', () => {
  it('writes a program into a fragment and reads it back, whatever its characters', async () => {
    for (const source of ['', 'function* main() {}', 'console.log("tulip 🌷 ✓ — é");\n'.repeat(50), sourceOf('gather')]) {
      const code = await encodeSource(source);
      expect(code).to.match(/^[A-Za-z0-9_-]*$/);
      expect(await decodeSource(code)).to.equal(source);
      expect(zlib.inflateRawSync(Buffer.from(code, 'base64url')).toString('utf8')).to.equal(source);
    }
    expect((await encodeSource(sourceOf('gather'))).length, 'compressed: shorter than the text').to.be.below(sourceOf('gather').length);
    expect(fragmentCode(`#code=${await encodeSource('x')}`)).to.equal(await encodeSource('x'));
    expect(fragmentCode('#other=1')).to.equal(null);
    expect(fragmentCode('')).to.equal(null);
  });

  it('refuses a link that holds no program, saying why, without inflating a bomb', async () => {
    const refused = async (code: string) => {
      try {
        await decodeSource(code);
      } catch (e) {
        expect(e).to.be.instanceOf(ShareError);
        return (e as Error).message;
      }
      throw new Error(`decodeSource(${code.slice(0, 20)}…) read a program`);
    };
    expect(await refused('abc+/')).to.equal('the link holds characters that base64url does not use');
    expect(await refused((await encodeSource(sourceOf('gather'))).slice(0, 40))).to.equal('the link is cut short or was not made by the Share button (it does not decompress)');
    expect(await refused(zlib.deflateRawSync(Buffer.from([0xff, 0xfe, 0x00])).toString('base64url'))).to.equal('the program in the link is not UTF-8 text');
    // 50 MB of zeros compress to ~50 KB: reading stops past the limit.
    const bomb = zlib.deflateRawSync(Buffer.alloc(50_000_000)).toString('base64url');
    expect(await refused(bomb)).to.equal(`the program in the link is longer than ${MAX_SOURCE_BYTES} bytes`);
    expect(await refused('A'.repeat(200_001))).to.equal('the link is longer than 200000 characters');
    const long = 'x'.repeat(MAX_SOURCE_BYTES + 1);
    await encodeSource(long).then(
      () => expect.fail('a program too long for a link was encoded'),
      (e: Error) => expect(e.message).to.equal(`the program is longer than ${MAX_SOURCE_BYTES} bytes, too long for a link`),
    );
  });
});
