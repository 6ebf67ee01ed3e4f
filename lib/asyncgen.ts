/**
 * Async generators (PEP 525; CPython: the async generator half of
 * Objects/genobject.c), built as CPython builds them: an async generator is a
 * coroutine that marks what it produces.
 *
 * The body is a `function*`. Its `yield*`s await exactly as a coroutine's do;
 * `yield* emit(v)` yields a small marker carrying `v` instead (CPython's
 * `_PyAsyncGenWrappedValue`). The consumer, in its own Task, awaits one of
 * two awaitables, and each of them steps the body:
 *   - `anext()` / `asend(v)` (CPython's `async_gen_asend` object): every
 *     ordinary yield of the body — a Future, a bare yield — goes up to the
 *     Task unchanged; the first marker ends the await with its value;
 *   - `athrow(e)` / `aclose()` (CPython's `async_gen_athrow`): the same,
 *     after throwing `e` into the body, or returning from it.
 * So the generator's awaits cost what a coroutine's cost, a cancellation
 * reaches inside through the same `throw()`, and there is no second scheduler.
 */
import { GeneratorExit, RuntimeError, StopAsyncIteration } from './exceptions';
import { _getRunningLoop } from './events';
import type { Coroutine, Suspension } from './futures';
import type { EventLoop } from './loop';
import type { Task } from './tasks';
import { callableName, repr } from './repr';
import { _firstIter, _forget } from './asyncgen-hooks';
import { toAsyncIterator } from './async-iterables';

declare const emissionBrand: unique symbol;

/**
 * What an async generator's body yields when it emits — as a type only (the
 * counterpart of `Suspension`). Only `emit(v)` produces it, so `yield emit(v)`
 * (the forgotten star) is a compile error, and so is `emit` in a plain coroutine.
 */
export interface Emission<T> {
  readonly [emissionBrand]: T;
}

/**
 * The type of an async generator's body: it awaits (`Suspension`, or a bare
 * yield) and emits `T`s, and returns nothing — Python forbids `return value`
 * in an async generator, and so does this type.
 * @example
 * const ticker = asyncGenerator(function* ticker(n: number): AsyncGenBody<number> {
 *   for (let i = 0; i < n; i++) { yield* sleep(1); yield* emit(i); }
 * });
 */
export type AsyncGenBody<T> = Generator<Suspension | undefined | Emission<T>, void, unknown>;

/** The type a body of yield type `Y` emits (`never` if it never emits). */
export type EmittedBy<Y> = Y extends Emission<infer T> ? T : never;

/**
 * What `emit(value)` returns (CPython's `_PyAsyncGenWrappedValue`): a value
 * the body produced, as opposed to something it awaits. Like a Future, `yield*` of it yields
 * the marker itself; what comes back is what the consumer sent (`asend`).
 */
export class AsyncGenValue<T = unknown, TSend = unknown> {
  constructor(readonly value: T) {}

  [Symbol.iterator](): Iterator<Emission<T>, TSend, unknown> {
    return new EmitIterator<T, TSend>(this);
  }

  /** Seen only when the marker reached a Task: `emit` was used outside an async generator's body. */
  toString(): string {
    return `emit(${repr(this.value)}) outside an async generator's body (emit works in a function* given to asyncGenerator(); a coroutine() frame cannot emit for it)`;
  }
}

/**
 * @internal The iterator behind `yield* emit(v)`: the marker goes up, and
 * when the body is resumed, what was sent comes back. Written by hand where
 * a Future's is a generator method: an object this small costs a third less
 * per emit than a generator object (bench/asyncgen.ts).
 */
class EmitIterator<T, TSend> implements Iterator<Emission<T>, TSend, unknown> {
  private yielded = false;

  constructor(private readonly marker: AsyncGenValue<T, TSend>) {}

  next(sent?: unknown): IteratorResult<Emission<T>, TSend> {
    if (this.yielded) return { done: true, value: sent as TSend };
    this.yielded = true;
    return { done: false, value: this.marker as unknown as Emission<T> };
  }

  /** `athrow(error)`: raised at the body's `yield* emit(…)`. (No `return()`: a close passes straight through.) */
  throw(error: unknown): never {
    throw error;
  }
}

/**
 * Python's `yield value` inside an `async def`: produce `value` to whoever
 * awaits `anext()`. Evaluates to what `asend()` sent, else `undefined`.
 * Use it as `yield* emit(value)` — without the star it is a compile error.
 * @example
 * const sent = yield* emit(42);
 */
export function emit<T, TSend = unknown>(value: T): AsyncGenValue<T, TSend> {
  return new AsyncGenValue<T, TSend>(value);
}

/** What the awaitables of an async generator are doing (CPython's AWAITABLE_STATE_*). */
const INIT = 0;
const ITER = 1;
const CLOSED = 2;
type AwaitableState = typeof INIT | typeof ITER | typeof CLOSED;

/** Which method made an awaitable: Tracer events and task trees name it. */
export type AsyncGenOp = 'anext' | 'asend' | 'athrow' | 'aclose';

/**
 * How an awaitable of an async generator ended, for instruments: it produced
 * a value, the generator was exhausted (StopAsyncIteration), it was closed
 * (aclose), or the error it threw.
 */
export type AsyncGenOutcome =
  | { kind: 'value'; value: unknown }
  | { kind: 'stop' }
  | { kind: 'closed' }
  | { kind: 'error'; error: unknown };

declare module './loop' {
  interface Instrument {
    /** A task starts awaiting an async generator (`op`: anext, asend, athrow or aclose). tulip's own. */
    asyncgenStart?(agen: AsyncGenerator<unknown, unknown>, op: AsyncGenOp): void;
    /** That await is over (see AsyncGenOutcome). tulip's own. */
    asyncgenEnd?(agen: AsyncGenerator<unknown, unknown>, outcome: AsyncGenOutcome): void;
  }
}

function outcomeOf(kind: AsyncGenOutcome['kind'], payload: unknown): AsyncGenOutcome {
  if (kind === 'value') return { kind, value: payload };
  if (kind === 'error') return { kind, error: payload };
  return { kind };
}

/** Counts the awaits of async generators begun so far (for their order in task trees). */
let awaitsBegun = 0;

const DONE_RESULT: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined }) as IteratorReturnResult<undefined>;

/**
 * An async generator object (Python's `async_generator`): what calling an
 * `asyncGenerator()` function returns. Its body runs lazily, only when a
 * value is asked for, in the Task that asks. Each method returns a
 * coroutine to await with `yield*` (or to wrap with `createTask`), with
 * CPython's rules: StopAsyncIteration at the end and forever after; one
 * await at a time ("asynchronous generator is already running").
 * It is also a JavaScript async iterable: `for await (const x of gen)`.
 * @example
 * const g = ticker(3);
 * const first = yield* g.anext();   // 0
 * yield* g.aclose();                // runs its finally blocks
 */
export class AsyncGenerator<T = unknown, TSend = unknown> {
  /** @internal The body: a plain generator object. */ _gen: Generator<unknown, unknown, unknown>;
  /** @internal The body's function name. */ _name: string;
  /** @internal Python's `ag_running_async`: an awaitable is stepping the body. */ _runningAsync = false;
  /** @internal Python's `ag_closed`: exhausted, or aclose() began. */ _closed = false;
  /** @internal The body has finished (returned or thrown). */ _finished = false;
  /** @internal The body has been resumed at least once (Python: frame no longer "created"). */ _started = false;
  /** @internal Python's `ag_hooks_inited`: the loop's first-iteration hook has been called. */ _hooksInited = false;
  /** @internal The loop that registered it at its first iteration (null: none was running). */ _loop: EventLoop | null = null;
  /** @internal Its entry in that loop's registry, which it leaves when finished. */ _ref: WeakRef<AsyncGenerator<unknown, unknown>> | null = null;
  /** @internal The task awaiting it right now, and how — for task trees. */ _task: Task<unknown> | null = null;
  /** @internal */ _op: AsyncGenOp = 'anext';
  /** @internal When that await began (an ever-growing count: nested awaits sort by it). */ _since = 0;
  /** @internal How many `coroutine()` frames that task had when it began: where the await sits among them. */ _depth = 0;

  /** @internal Made by the functions `asyncGenerator()` returns. */
  constructor(gen: Generator<unknown, unknown, unknown>, name: string) {
    this._gen = gen;
    this._name = name;
  }

  /**
   * `__anext__()` (Python's `anext(gen)`): the next value the generator
   * emits. At the end, and forever after, it throws StopAsyncIteration.
   */
  anext(): Coroutine<T> {
    if (!this._hooksInited) this._initHooks(_getRunningLoop());
    return new AsyncGenASend<T>(this, undefined, 'anext') as unknown as Coroutine<T>;
  }

  /**
   * `asend(value)`: resumes the generator with `value` as what its current
   * `yield* emit(…)` evaluates to, and gives the next value it emits. Before
   * the first value only `undefined` (or null) can be sent: TypeError
   * "can't send non-None value to a just-started async generator".
   */
  asend(value: TSend): Coroutine<T> {
    if (!this._hooksInited) this._initHooks(_getRunningLoop());
    return new AsyncGenASend<T>(this, value, 'asend') as unknown as Coroutine<T>;
  }

  /**
   * `athrow(error)`: throws `error` into the generator where it is suspended.
   * If the body catches it and emits again, that value is the result; if it
   * finishes, StopAsyncIteration; otherwise the error comes back out. On a
   * generator not started yet, the error is raised without running the body
   * (which is then finished); on a finished one, nothing happens.
   */
  athrow(error: unknown): Coroutine<T> {
    if (!this._hooksInited) this._initHooks(_getRunningLoop());
    return new AsyncGenAThrow<T>(this, error, false) as unknown as Coroutine<T>;
  }

  /**
   * `aclose()`: resumes the body as a `return` — its `finally` blocks run (and
   * may await), its `catch` blocks do not (Python: GeneratorExit is not an
   * Exception). A body that emits while closing is a RuntimeError ("async
   * generator ignored GeneratorExit"). Closing a generator never started
   * does not run its body; closing twice is harmless.
   */
  aclose(): Coroutine<void> {
    if (!this._hooksInited) this._initHooks(_getRunningLoop());
    return new AsyncGenAThrow<void>(this, undefined, true) as unknown as Coroutine<void>;
  }

  /**
   * JavaScript's `for await (const x of gen)` from an `async` function: each
   * step runs as a Task on the generator's loop (the one it was first
   * iterated on, else the running one, else the current one), which
   * something must be running (`await run(main())`). Leaving the loop early
   * (`break`, `return`, an error) closes the generator, as JavaScript does.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return toAsyncIterator<T>(this, this._loop);
  }

  /** Python's `ag_running`: an await of it is in progress. */
  get running(): boolean {
    return this._runningAsync;
  }

  toString(): string {
    return `<async_generator object ${this._name}>`;
  }

  // ---- internals ----

  /**
   * @internal Python's `async_gen_init_hooks`: the first time the generator is
   * asked for anything, the running loop (if any) registers it, so that
   * `loop.shutdownAsyncgens()` can close it, and so that dropping it
   * unfinished still runs its finally blocks (see lib/asyncgen-hooks.ts).
   */
  _initHooks(loop: EventLoop | null): void {
    this._hooksInited = true;
    if (loop !== null) _firstIter(loop, this);
  }

  /** @internal The body is over: it leaves its loop's registry. */
  _setFinished(): void {
    this._finished = true;
    this._closed = true;
    if (this._ref !== null) {
      _forget(this._loop as EventLoop, this._ref);
      this._ref = null;
    }
  }
}

/** @internal A new handle on the body of a generator that was dropped unfinished, to close it. */
export function _reopen(gen: Generator<unknown, unknown, unknown>, name: string): AsyncGenerator<unknown, unknown> {
  const agen = new AsyncGenerator(gen, name);
  agen._started = true; // it may have been: never refuse the close
  agen._hooksInited = true; // it is not registered again
  return agen;
}

/**
 * @internal What the two awaitables share: stepping the body, telling its
 * awaits from its values (Python's `async_gen_unwrap_value`), and leaving
 * the generator in the right state when the await ends.
 */
abstract class AsyncGenAwaitable<T> {
  /** @internal */ _state: AwaitableState = INIT;
  /** @internal The close reached the body through this await and has not finished yet. */ _closing = false;

  constructor(readonly _agen: AsyncGenerator<unknown, unknown>, readonly _op: AsyncGenOp) {}

  [Symbol.iterator](): this {
    return this;
  }

  abstract next(arg?: unknown): IteratorResult<unknown, T>;
  abstract throw(error: unknown): IteratorResult<unknown, T>;

  /**
   * JavaScript closes a coroutine that awaits us with `return()` (Python:
   * `close()`, 3.13): close the body from where it waits, as aclose() would.
   * If its finally blocks await, they run; at the end the close goes on
   * outward as GeneratorExit (JavaScript would otherwise lose it, see docs).
   */
  return(value?: unknown): IteratorResult<unknown, T> {
    if (this._state !== ITER) {
      this._state = CLOSED;
      return { done: true, value: value as T };
    }
    const agen = this._agen;
    let r: IteratorResult<unknown, unknown>;
    try {
      r = agen._gen.return(undefined);
    } catch (e) {
      throw this._failed(e);
    }
    if (r.done) {
      agen._setFinished();
      this._end('closed');
      return { done: true, value: value as T };
    }
    if (r.value instanceof AsyncGenValue) {
      // 3.13: the close stops at the value; the generator stays where it is.
      this._end('closed');
      return { done: true, value: value as T };
    }
    this._closing = true;
    return r as IteratorResult<unknown, T>;
  }

  /** @internal One await at a time: a second one, while the first is in progress, is refused. */
  _refuseIfRunning(): void {
    if (this._agen._runningAsync) {
      this._state = CLOSED;
      throw new RuntimeError(`${this._op === 'asend' ? 'anext' : this._op}(): asynchronous generator is already running`);
    }
  }

  /** @internal The first step: mark the generator running (and tell the instruments who awaits it). */
  _begin(): void {
    const agen = this._agen;
    this._state = ITER;
    agen._runningAsync = true;
    const loop = _getRunningLoop();
    if (loop !== null) {
      const task = loop._currentTask;
      agen._task = task;
      agen._op = this._op;
      agen._since = ++awaitsBegun;
      agen._depth = task !== null && task._frames !== null ? task._frames.calls.length : 0;
      if (loop._instrumented) loop._emit('asyncgenStart', agen, this._op);
    }
  }

  /** @internal The await is over: with a value, the end (stop), the close, or an error (`payload`). */
  _end(kind: AsyncGenOutcome['kind'], payload?: unknown): void {
    const agen = this._agen;
    this._state = CLOSED;
    agen._runningAsync = false;
    agen._task = null;
    const loop = _getRunningLoop();
    if (loop !== null && loop._instrumented) loop._emit('asyncgenEnd', agen, outcomeOf(kind, payload));
  }

  /**
   * @internal Python's `async_gen_unwrap_value`: a marker ends the await with
   * its value; the end of the body is StopAsyncIteration; anything else is an
   * await of the body, handed up to the Task as it is.
   */
  _unwrap(r: IteratorResult<unknown, unknown>): IteratorResult<unknown, T> {
    if (r.done) {
      const agen = this._agen;
      agen._setFinished();
      if (this._closing) {
        this._end('closed');
        throw new GeneratorExit();
      }
      if (r.value !== undefined) {
        const error = new TypeError(`async generator ${agen._name} returned a value (${repr(r.value)}): an async generator can only emit; write \`yield* emit(value)\` (Python: 'return' with value in async generator)`);
        this._end('error', error);
        throw error;
      }
      this._end('stop');
      throw new StopAsyncIteration();
    }
    const y = r.value;
    if (y instanceof AsyncGenValue) {
      this._end('value', y.value);
      return { done: true, value: y.value as T };
    }
    return r as IteratorResult<unknown, T>;
  }

  /** @internal The body threw: it is over. Returns the error to raise in its place. */
  _failed(e: unknown): unknown {
    const agen = this._agen;
    agen._setFinished();
    // Python: a StopAsyncIteration escaping the body would end the consumer's loop silently.
    const error = e instanceof StopAsyncIteration ? new RuntimeError('async generator raised StopAsyncIteration', { cause: e }) : e;
    this._end('error', error);
    return error;
  }
}

/** @internal CPython's `async_gen_asend`: the awaitable of `anext()` and `asend(value)`. */
class AsyncGenASend<T> extends AsyncGenAwaitable<T> {
  constructor(agen: AsyncGenerator<unknown, unknown>, readonly _sendValue: unknown, op: AsyncGenOp) {
    super(agen, op);
  }

  next(arg?: unknown): IteratorResult<unknown, T> {
    const state = this._state;
    if (state === CLOSED) throw new RuntimeError('cannot reuse already awaited anext()/asend()');
    const agen = this._agen;
    if (state === INIT) {
      if (arg === undefined || arg === null) arg = this._sendValue;
      this._refuseIfRunning();
      if (!agen._started && arg !== undefined && arg !== null && !agen._finished) {
        this._state = CLOSED; // the body stays unstarted
        throw new TypeError("can't send non-None value to a just-started async generator");
      }
      this._begin();
    }
    agen._started = true;
    let r: IteratorResult<unknown, unknown>;
    try {
      r = agen._gen.next(arg);
    } catch (e) {
      throw this._failed(e);
    }
    return this._unwrap(r);
  }

  /** The Task throws into us what the body's await raised (a cancellation, a failed future). */
  throw(error: unknown): IteratorResult<unknown, T> {
    if (this._state === CLOSED) throw new RuntimeError('cannot reuse already awaited anext()/asend()');
    if (this._state === INIT) {
      this._refuseIfRunning();
      this._begin();
    }
    const agen = this._agen;
    agen._started = true;
    let r: IteratorResult<unknown, unknown>;
    try {
      r = agen._gen.throw(error);
    } catch (e) {
      throw this._failed(e);
    }
    return this._unwrap(r);
  }
}

/**
 * @internal CPython's `async_gen_athrow`: the awaitable of `athrow(error)`
 * and (with no error: "aclose mode") of `aclose()`.
 */
class AsyncGenAThrow<T> extends AsyncGenAwaitable<T> {
  constructor(agen: AsyncGenerator<unknown, unknown>, readonly _error: unknown, readonly _isClose: boolean) {
    super(agen, _isClose ? 'aclose' : 'athrow');
  }

  next(arg?: unknown): IteratorResult<unknown, T> {
    if (this._state === CLOSED) throw new RuntimeError('cannot reuse already awaited aclose()/athrow()');
    const agen = this._agen;
    if (agen._finished) {
      // Nothing to throw into or close: the await is over at once (Python: returns None).
      this._state = CLOSED;
      return DONE_RESULT as IteratorResult<unknown, T>;
    }
    let r: IteratorResult<unknown, unknown>;
    if (this._state === INIT) {
      this._refuseIfRunning();
      if (agen._closed) {
        this._state = CLOSED;
        throw new StopAsyncIteration();
      }
      if (arg !== undefined && arg !== null) throw new RuntimeError("can't send non-None value to a just-started coroutine");
      this._begin();
      agen._started = true;
      if (this._isClose) {
        agen._closed = true;
        try {
          r = agen._gen.return(undefined);
        } catch (e) {
          return this._closeFailed(e);
        }
        return this._closeStep(r);
      }
      try {
        r = agen._gen.throw(this._error);
      } catch (e) {
        throw this._failed(e);
      }
      return this._unwrap(r);
    }
    try {
      r = agen._gen.next(arg);
    } catch (e) {
      if (this._isClose) return this._closeFailed(e);
      throw this._failed(e);
    }
    return this._isClose ? this._closeStep(r) : this._unwrap(r);
  }

  /** The Task throws into us what an await of the body raised (e.g. a cancellation while a finally block awaits). */
  throw(error: unknown): IteratorResult<unknown, T> {
    if (this._state === CLOSED) throw new RuntimeError('cannot reuse already awaited aclose()/athrow()');
    if (this._state === INIT) {
      this._refuseIfRunning();
      this._begin();
    }
    const agen = this._agen;
    agen._started = true;
    let r: IteratorResult<unknown, unknown>;
    try {
      r = agen._gen.throw(error);
    } catch (e) {
      if (this._isClose) return this._closeFailed(e);
      throw this._failed(e);
    }
    return this._isClose ? this._closeStep(r) : this._unwrap(r);
  }

  /** aclose mode: the body finished (closed), emitted (refused), or awaits in a finally block (handed up). */
  private _closeStep(r: IteratorResult<unknown, unknown>): IteratorResult<unknown, T> {
    if (r.done) {
      this._agen._setFinished();
      this._end('closed');
      return DONE_RESULT as IteratorResult<unknown, T>;
    }
    if (r.value instanceof AsyncGenValue) {
      const error = new RuntimeError('async generator ignored GeneratorExit');
      this._end('error', error);
      throw error;
    }
    return r as IteratorResult<unknown, T>;
  }

  /** aclose mode, the body threw: GeneratorExit means it closed as asked; any other error comes out. */
  private _closeFailed(e: unknown): IteratorResult<unknown, T> {
    if (e instanceof GeneratorExit) {
      this._agen._setFinished();
      this._end('closed');
      return DONE_RESULT as IteratorResult<unknown, T>;
    }
    throw this._failed(e);
  }
}

/**
 * Turns a `function*` into an async generator function (Python's `async def`
 * with `yield` in it): calling it returns an AsyncGenerator whose body is the
 * generator. Inside, `yield* emit(v)` produces `v`; every other `yield*`
 * awaits as in a coroutine. The body's emitted type is inferred (or declare
 * it: `AsyncGenBody<T>`). Name the function: traces and task trees show it.
 * @example
 * const ticker = asyncGenerator(function* ticker(n: number) {
 *   for (let i = 0; i < n; i++) {
 *     yield* sleep(1);
 *     yield* emit(i);
 *   }
 * });
 * yield* asyncFor(ticker(3), function* (i) { console.log(i); }); // 0, 1, 2 — one a second
 */
export function asyncGenerator<A extends unknown[], Y extends Suspension | undefined | Emission<unknown>, TSend = unknown>(
  genFn: (...args: A) => Generator<Y, void, unknown>,
): (...args: A) => AsyncGenerator<EmittedBy<Y>, TSend> {
  if (typeof genFn !== 'function') throw new TypeError(`asyncGenerator() needs a generator function (a function*), got ${repr(genFn)}`);
  const name = callableName(genFn);
  const wrapper = function (this: unknown, ...args: A): AsyncGenerator<EmittedBy<Y>, TSend> {
    const gen = genFn.apply(this, args) as Generator<unknown, unknown, unknown>;
    if (gen === null || typeof gen !== 'object' || typeof gen.next !== 'function' || typeof gen.return !== 'function') {
      throw new TypeError(`asyncGenerator(${name}): the function must be a generator function (function*), but it returned ${repr(gen)}`);
    }
    return new AsyncGenerator<EmittedBy<Y>, TSend>(gen, name);
  };
  Object.defineProperty(wrapper, 'name', { value: name });
  return wrapper;
}

/** True for an async generator object (Python's `inspect.isasyncgen`). */
export function isAsyncGenerator(obj: unknown): obj is AsyncGenerator<unknown, unknown> {
  return obj instanceof AsyncGenerator;
}
