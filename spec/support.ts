// Helpers shared by the spec files: one documented copy of each small routine that several
// specs used to define for themselves. Nothing here asserts anything about tulip by itself;
// the specs that import these helpers keep every expectation. (spec/reliability has its own.)
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  EventLoop,
  allTasks,
  fromPromise,
  run,
  runSync,
  sleep,
  type Awaitable,
  type Coroutine,
  type ExceptionContext,
  type Task,
} from '../lib';

// ---- running a program ----

/**
 * Runs `main` to completion on a fresh virtual-clock loop with the sync driver (`runSync`).
 * `main` may be a coroutine or a function that makes one.
 */
export function vrun<T>(main: Coroutine<T> | (() => Coroutine<T>)): T {
  return runSync(typeof main === 'function' ? main() : main, { clock: 'virtual' });
}

/** Runs `main` on a fresh virtual-clock loop with the async driver (`run`), for real host I/O. */
export function arun<T>(main: Coroutine<T>): Promise<T> {
  return run(main, { clock: 'virtual' });
}

/**
 * Gives each spec in the enclosing `describe` (or the whole file, at top level) a fresh
 * virtual-clock loop, handed to `use` before the spec, and closes it afterwards.
 * Pass `{ mayBeRunning: true }` when a spec can end while the loop still runs (async driver):
 * such a loop is left alone instead of failing the hook.
 *
 * @example
 * let loop: EventLoop;
 * useVirtualLoop((l) => (loop = l));
 */
export function useVirtualLoop(use: (loop: EventLoop) => void, options: { mayBeRunning?: boolean } = {}): void {
  let loop: EventLoop;
  beforeEach(() => {
    loop = new EventLoop({ clock: 'virtual' });
    use(loop);
  });
  afterEach(() => {
    if (options.mayBeRunning && loop.isRunning()) return;
    if (!loop.isClosed()) loop.close();
  });
}

/** Exactly one loop iteration: stop() before running makes the run do one. */
export function iterate(loop: EventLoop): void {
  loop.stop();
  loop.runForever();
}

/** Checks that `loop` left nothing behind: no pending task, and (after one more iteration) no ready callback. */
export function expectClean(loop: EventLoop): void {
  expect(allTasks(loop).size, 'tasks left pending').to.equal(0);
  // Callbacks that were ready when the main task finished run in one more iteration.
  loop.runUntilComplete(sleep(0));
  expect(loop._ready.length, 'callbacks left in the ready deque').to.equal(0);
}

/** Runs `main` on `loop` (virtual clock), then checks that nothing was left behind (`expectClean`). */
export function runClean<T>(loop: EventLoop, main: Coroutine<T>): T {
  const r = loop.runUntilComplete(main);
  expectClean(loop);
  return r;
}

/** Installs an exception handler on `loop` that records every context it gets; returns the record. */
export function errorsOf(loop: EventLoop): ExceptionContext[] {
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, ctx) => seen.push(ctx));
  return seen;
}

// ---- outcomes ----

/** Awaits every task; each outcome is its result or the error it ended with. */
export function* settle(tasks: Task<unknown>[]): Coroutine<unknown[]> {
  const out: unknown[] = [];
  for (const t of tasks) {
    try {
      out.push(yield* t);
    } catch (e) {
      out.push(e);
    }
  }
  return out;
}

/**
 * Awaits `body` (an awaitable, or a function making one) and gives back what it threw;
 * fails if it returns instead.
 */
export function* catching(body: Awaitable<unknown> | (() => Awaitable<unknown>)): Coroutine<unknown> {
  try {
    yield* typeof body === 'function' ? body() : body;
  } catch (e) {
    return e;
  }
  throw new Error('expected the body to throw');
}

/** Calls `fn` and gives back what it threw; fails if it returns instead. */
export function throws(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

/** An error class, for tables of expected errors. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Checks a table of calls that must throw at once: each row's call throws its error class
 * with a message containing its text (an API's argument checks, in one place).
 */
export function expectEachThrows(cases: readonly (readonly [() => unknown, ErrorClass, string])[]): void {
  for (const [fn, cls, message] of cases) {
    const err = throws(fn) as Error;
    expect(err, message).to.be.instanceOf(cls);
    expect(err.message, message).to.contain(message);
  }
}

/** Replaces console[method] for the duration of fn; returns the lines it got (each call's arguments joined by spaces). */
export function capture(method: 'error' | 'warn', fn: () => void): string[] {
  const lines: string[] = [];
  const original = console[method];
  console[method] = (...a: unknown[]) => void lines.push(a.map(String).join(' '));
  try {
    fn();
  } finally {
    console[method] = original;
  }
  return lines;
}

// ---- small coroutines ----

/** Sleeps `delay` seconds, then returns `v`. */
export function* val<T>(delay: number, v: T): Coroutine<T> {
  yield* sleep(delay);
  return v;
}

/** Sleeps `delay` seconds, then throws `err`. */
export function* fail(delay: number, err: unknown): Coroutine<never> {
  yield* sleep(delay);
  throw err;
}

// ---- the host ----

/** One turn of Node's event loop (a setImmediate), outside any tulip loop. */
export const tick = (): Promise<void> => new Promise<void>((r) => setImmediate(r));

/** Waits `ms` of real host time (a setTimeout), e.g. to let a socket or a process catch up. */
export function* hostPause(ms: number): Coroutine<void> {
  yield* fromPromise(new Promise<void>((resolve) => setTimeout(resolve, ms)));
}

/** A local TCP port that was just free and now has no listener: connecting to it is refused. */
export function* closedPort(): Coroutine<number> {
  const s = net.createServer();
  yield* fromPromise(new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve)));
  const port = (s.address() as net.AddressInfo).port;
  yield* fromPromise(new Promise<void>((resolve) => s.close(() => resolve())));
  return port;
}

// ---- TLS ----

const fixtures = path.join(__dirname, 'fixtures', 'tls');

/**
 * The TEST-ONLY certificates of spec/fixtures/tls (see its README): `cert`/`key` are
 * CN=localhost (valid for localhost, 127.0.0.1 and ::1), self-signed, so a client trusts
 * them with `{ ca: cert }`; `strangerCert`/`strangerKey` are a certificate nobody trusts.
 */
export const testTls = {
  cert: fs.readFileSync(path.join(fixtures, 'localhost.crt')),
  key: fs.readFileSync(path.join(fixtures, 'localhost.key')),
  strangerCert: fs.readFileSync(path.join(fixtures, 'stranger.crt')),
  strangerKey: fs.readFileSync(path.join(fixtures, 'stranger.key')),
};

// ---- child processes ----

/** How a child process run by `runFixture` ended, and everything it printed. */
export interface FixtureResult {
  /** Its stdout lines, and its stderr lines prefixed `stderr: `, in arrival order. */
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Runs `spec/fixtures/<name>.ts` in a child Node process (ts-node,
 * transpile-only) with `args`; `onLine(line, child)` sees each stdout line
 * as it comes, so a spec can answer it (send a signal, write to stdin).
 * `input`, if given, is written to its stdin at once (stdin stays open).
 * Resolves once the child has exited.
 */
export function runFixture(
  name: string,
  args: string[] = [],
  onLine: (line: string, child: ChildProcess) => void = () => undefined,
  input?: string,
): Promise<FixtureResult> {
  const root = path.resolve(__dirname, '..');
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join('spec', 'fixtures', `${name}.ts`), ...args], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const split = (stream: NodeJS.ReadableStream, each: (line: string) => void) => {
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() as string;
      for (const line of parts) each(line);
    });
    stream.on('end', () => {
      if (rest !== '') each(rest);
    });
  };
  split(child.stdout as NodeJS.ReadableStream, (line) => {
    lines.push(line);
    onLine(line, child);
  });
  split(child.stderr as NodeJS.ReadableStream, (line) => lines.push(`stderr: ${line}`));
  if (input !== undefined) child.stdin?.write(input);
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ lines, code, signal })));
}
