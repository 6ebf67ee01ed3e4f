/**
 * JavaScript's async iteration protocol (`Symbol.asyncIterator`, `for await`),
 * both ways. JavaScript's protocol runs on Promises, in Node's microtask
 * queue; tulip's runs on the loop. Each adapter crosses over once per step:
 *   - a tulip async iterator in `for await` (toAsyncIterator): each `next()`
 *     runs one `anext()` as a Task on the loop and hands back its promise;
 *     `return()` — what `for await` calls when it is left early — closes
 *     the tulip side with `aclose()`;
 *   - a JavaScript async iterable inside a coroutine (`aiter(x)`, and so
 *     `asyncFor`, `asyncCursor`): each `anext()` waits for the iterator's
 *     `next()` promise (`fromPromise`: a host wait, so the async driver is
 *     needed). A cancelled `anext()` ends the iteration on the other side:
 *     `return()` is called, and a Node stream is destroyed — its pending read
 *     would otherwise hold `return()` back until more data came.
 */
import { CancelledError, RuntimeError, StopAsyncIteration } from './exceptions';
import { _getRunningLoop, getEventLoop } from './events';
import { fromPromise } from './promises';
import { repr } from './repr';
import { copyContext } from './contextvars';
import type { Coroutine } from './futures';
import type { EventLoop } from './loop';
import type { Awaitable } from './tasks';

/**
 * Python's `typing.AsyncIterator[T]`, tulip's way: an object whose `anext()`
 * gives an awaitable of the next value, and throws StopAsyncIteration at the
 * end (Python's `__anext__`). Async generators, `asCompleted(…)` and
 * `StreamReader` are ones; `aiter(x)` makes one from anything async-iterable.
 * @example
 * class Countdown implements AsyncIteratorLike<number> {
 *   constructor(private n: number) {}
 *   *anext(): Coroutine<number> {
 *     if (this.n === 0) throw new StopAsyncIteration();
 *     yield* sleep(1);
 *     return this.n--;
 *   }
 * }
 */
export interface AsyncIteratorLike<T> {
  anext(): Awaitable<T>;
  /** Optional: end the iteration early, releasing what it holds (async generators have it). */
  aclose?(): Awaitable<unknown>;
}

/** Does `x` have the methods of JavaScript's AsyncIterable? */
export function _isJsAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof (x as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

// ---- tulip → JavaScript ----

function* nextResult<T>(it: AsyncIteratorLike<T>): Coroutine<IteratorResult<T, undefined>> {
  try {
    return { done: false, value: yield* it.anext() };
  } catch (e) {
    if (e instanceof StopAsyncIteration) return { done: true, value: undefined };
    throw e;
  }
}

function* closeIt(it: AsyncIteratorLike<unknown>): Coroutine<void> {
  if (typeof it.aclose === 'function') yield* it.aclose();
}

/**
 * @internal A tulip async iterator as a JavaScript one. Calls are queued, as
 * JavaScript's own async generators queue them, so a `return()` made while a
 * `next()` is pending closes after it.
 */
class TulipAsyncIterator<T> implements AsyncIterableIterator<T> {
  private last: Promise<unknown> = Promise.resolve();
  private done = false;
  /**
   * Where every step runs: one Context for the whole iteration, copied from
   * the one current when the iterator was made — as a CPython async
   * generator runs in the context of the task iterating it, so what one
   * step sets the next one sees. The steps never overlap (they are queued).
   */
  private readonly context = copyContext();

  constructor(private readonly it: AsyncIteratorLike<T>, private loop: EventLoop | null) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    return this.queue(() => {
      if (this.done) return { done: true, value: undefined };
      return this.onLoop().createTask(nextResult(this.it), { context: this.context }).toPromise().then((r) => {
        if (r.done) this.done = true;
        return r;
      });
    });
  }

  /** `for await` left early (break, return, throw): close the tulip side. */
  return(value?: unknown): Promise<IteratorResult<T, undefined>> {
    return this.queue(() => {
      const result = { done: true as const, value: value as undefined };
      if (this.done) return result;
      this.done = true;
      return this.onLoop().createTask(closeIt(this.it), { context: this.context }).toPromise().then(() => result);
    });
  }

  private queue<R>(call: () => R | Promise<R>): Promise<R> {
    const p = this.last.then(call, call);
    this.last = p.then(ignore, ignore);
    return p;
  }

  /**
   * The loop its steps run on, fixed at the first step: the iterator's own,
   * else the running one, else the current one. It must be running, or the
   * step would wait forever: say so instead.
   */
  private onLoop(): EventLoop {
    if (this.loop === null) this.loop = (this.it as { _loop?: EventLoop | null })._loop ?? _getRunningLoop() ?? getEventLoop();
    if (!this.loop.isRunning()) {
      throw new RuntimeError(
        `for await over ${repr(this.it)} needs a running event loop to step it, and ${this.loop} is not running: ` +
          'iterate inside run(main()) (or loop.runUntilCompleteAsync()), and make that loop the current one (setEventLoop(loop)) if you made it yourself',
      );
    }
    return this.loop;
  }
}

function ignore(): void {}

/**
 * @internal A JavaScript AsyncIterableIterator over a tulip async iterator,
 * for `for await`; each step is a Task on `loop` (default: the iterator's own
 * loop, else the running, else the current one).
 */
export function toAsyncIterator<T>(it: AsyncIteratorLike<T>, loop: EventLoop | null = null): AsyncIterableIterator<T> {
  return new TulipAsyncIterator<T>(it, loop);
}

// ---- JavaScript → tulip ----

/**
 * @internal A JavaScript AsyncIterable (a Node stream, an `async function*`,
 * anything with `Symbol.asyncIterator`) as a tulip async iterator.
 */
export class JsAsyncIterator<T> implements AsyncIteratorLike<T> {
  /** @internal */ _it: AsyncIterator<T>;
  /** @internal The iteration is over: exhausted, closed, or abandoned by a cancellation. */ _done = false;

  constructor(private readonly source: AsyncIterable<T>) {
    const it = source[Symbol.asyncIterator]();
    if (it === null || typeof it !== 'object' || typeof it.next !== 'function') {
      throw new TypeError(`${repr(source)}[Symbol.asyncIterator]() returned ${repr(it)}, not an async iterator`);
    }
    this._it = it;
  }

  /** The next value: the iterator's `next()`, awaited on the loop. */
  *anext(): Coroutine<T> {
    if (this._done) throw new StopAsyncIteration();
    let r: IteratorResult<T, unknown>;
    try {
      r = yield* fromPromise(Promise.resolve(this._it.next()));
    } catch (e) {
      if (e instanceof CancelledError) this.abandon();
      else this._done = true; // JavaScript's iterators end at their first error
      throw e;
    }
    if (r === null || typeof r !== 'object') {
      this._done = true;
      throw new RuntimeError(`the async iterator of ${repr(this.source)} resolved next() to ${repr(r)}, not an iterator result ({ done, value })`);
    }
    if (r.done) {
      this._done = true;
      throw new StopAsyncIteration();
    }
    return r.value;
  }

  /** Ends the iteration early: the iterator's `return()`, awaited (a Node stream is destroyed by it). */
  *aclose(): Coroutine<void> {
    if (this._done) return;
    this._done = true;
    if (typeof this._it.return === 'function') yield* fromPromise(Promise.resolve(this._it.return()));
  }

  toString(): string {
    return `<async iterator of ${repr(this.source)}>`;
  }

  /** A cancelled anext(): nobody will read on, so the source is told to stop, without waiting for it. */
  private abandon(): void {
    this._done = true;
    if (typeof this._it.return === 'function') {
      try {
        Promise.resolve(this._it.return()).catch(ignore);
      } catch {
        /* its return() failed at once: nothing more to stop */
      }
    }
    // A pending read holds a Node stream's return() back: destroying it is what stops the reading.
    const destroy = (this.source as { destroy?: unknown }).destroy;
    if (typeof destroy === 'function') destroy.call(this.source);
  }
}
