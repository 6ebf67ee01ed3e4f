/**
 * Coroutine objects and `coroutine(genFn)` (Python 3.4's `@asyncio.coroutine`).
 *
 * With plain `yield*`, V8 resumes a suspended generator by walking through
 * every delegating frame (as CPython does for `yield from`), so a Task 200
 * frames deep pays 200 frame resumes per step. A `coroutine()` call instead
 * hands its generator to the Task, which keeps it on a stack of its own and
 * resumes only the top frame: a step costs the same at any depth, and the
 * Task knows every frame by name (`task.getStack()`).
 */
import { RuntimeError } from './exceptions';
import { _getRunningLoop } from './events';
import { captureStack, type Coroutine, type Suspension } from './futures';
import { callableName } from './repr';
import type { EventLoop } from './loop';
import type { LostEntry } from './lost-reports';

/** One frame of a suspended task, as `task.getStack()` reports it. */
export interface Frame {
  /** The generator function's name. */
  name: string;
  /** Where the call was made (`file:line:column`): recorded in debug mode, else null. */
  calledAt: string | null;
}

/**
 * The value of a call to a `coroutine()` function: a typed iterable that a
 * Task runs as a frame on its own stack when it is awaited with `yield*`.
 * Like a Python coroutine object it can be awaited only once.
 */
export class CoroutineCall<T = unknown> implements Iterable<Suspension> {
  /** @internal Set by `yield*` (the iterator), so a plain `yield call` can be told apart. */
  _awaited = false;
  /** @internal */ _started = false;
  /** @internal Debug mode: its registration with the loop, which reports it if it is never awaited (lib/lost-reports.ts). */
  _unawaited: { loop: EventLoop; entry: LostEntry<CoroutineCall<unknown>> } | null = null;

  /** @internal Made by the functions `coroutine()` returns. */
  constructor(
    private readonly fn: (...args: any[]) => Coroutine<T>,
    private readonly thisArg: unknown,
    private readonly args: unknown[],
    /** The generator function's name. */
    readonly name: string,
    /** Where the call was made (debug mode), else null. */
    readonly calledAt: string | null,
  ) {}

  /** `yield* call`: hand this call to the Task, which evaluates it on its own stack. */
  *[Symbol.iterator](): Generator<Suspension, T, unknown> {
    this._awaited = true;
    return (yield this as unknown as Suspension) as T;
  }

  /** @internal Creates the generator; a call runs at most once (Python: "cannot reuse already awaited coroutine"). */
  _start(): Coroutine<T> {
    if (this._started) throw new RuntimeError(`cannot reuse already awaited coroutine ${this}`);
    this._close();
    return this.fn.apply(this.thisArg, this.args);
  }

  /** @internal Marks the call as used — started, or (Python's `coro.close()`) dropped unstarted: it will not run, and is not reported as never awaited. */
  _close(): void {
    this._started = true;
    const unawaited = this._unawaited;
    if (unawaited === null) return;
    this._unawaited = null;
    unawaited.loop._unawaited.delete(unawaited.entry);
  }

  /** @internal */
  _frame(): Frame {
    return { name: this.name, calledAt: this.calledAt };
  }

  toString(): string {
    return `<coroutine ${this.name}()>`;
  }
}

/**
 * Wraps a generator function so that its calls run as frames on the Task's
 * own stack (constant cost per resume at any depth) and show up in
 * `task.getStack()`. Calls read and type-check like plain calls: `const x = yield* f(a)`.
 * @example
 * const fetchPage = coroutine(function* fetchPage(url: string): Coroutine<string> {
 *   yield* sleep(0.1);
 *   return `<html>${url}</html>`;
 * });
 * const html = yield* fetchPage('/');
 *
 * To recurse, call the wrapper, not the function expression: inside
 * `function* walk() {…}` the name `walk` is the raw generator function (a
 * named function expression binds its own name), so `yield* walk()` there
 * would run as plain `yield*` delegation. Give the two different names:
 * `const walk = coroutine(function* walkFrame(n: number) { … yield* walk(n - 1); })`.
 */
export function coroutine<A extends unknown[], T>(fn: (...args: A) => Coroutine<T>): (...args: A) => CoroutineCall<T> {
  if (typeof fn !== 'function') throw new TypeError(`coroutine() needs a generator function, got ${typeof fn}`);
  const name = callableName(fn);
  const wrapper = function (this: unknown, ...args: A): CoroutineCall<T> {
    const loop = _getRunningLoop();
    if (loop !== null && loop.getDebug()) {
      const call = new CoroutineCall<T>(fn, this, args, name, callSite(wrapper));
      // Removed when started; reported if it is collected first, or at close.
      const message = `coroutine '${name}' was never awaited${call.calledAt ? ` (called at ${call.calledAt})` : ''}`;
      call._unawaited = { loop, entry: loop._unawaited.add(call, { message }) };
      return call;
    }
    return new CoroutineCall<T>(fn, this, args, name, null);
  };
  Object.defineProperty(wrapper, 'name', { value: name });
  return wrapper;
}

function callSite(fn: Function): string | null {
  const line = captureStack(fn).split('\n')[0];
  const m = line ? /\(?([^()\s]+:\d+:\d+)\)?\s*$/.exec(line) : null;
  return m ? m[1] : null;
}

/** True for a coroutine: a generator object, or a call of a `coroutine()` function. */
export function isCoroutine(obj: unknown): obj is Coroutine<unknown> | CoroutineCall<unknown> {
  if (obj instanceof CoroutineCall) return true;
  if (obj === null || typeof obj !== 'object') return false;
  const g = obj as { next?: unknown; throw?: unknown; [Symbol.iterator]?: unknown };
  return typeof g.next === 'function' && typeof g.throw === 'function' && typeof g[Symbol.iterator] === 'function';
}

/** True for a generator object (but not a `coroutine()` call). */
export function isGenerator(obj: unknown): obj is Generator {
  return obj !== null && typeof obj === 'object' && !(obj instanceof CoroutineCall) && isCoroutine(obj);
}
