/**
 * Waiting for events of Node's EventEmitters and the web's EventTargets —
 * JavaScript's callback world — from coroutines, the way `events.once`
 * does for async functions.
 *
 * An event comes from outside the loop (a socket, a child process, a
 * worker), so waiting for one is a host wait, as for a promise: the async
 * driver (`run()`) delivers it, and a virtual clock does not jump past it.
 * The listeners are removed as soon as the wait ends — by the event, by an
 * error, or by cancellation — so a long-lived emitter collects none.
 */
import { StopAsyncIteration } from './exceptions';
import { _getRunningLoop, getEventLoop } from './events';
import type { Coroutine, Future } from './futures';
import type { EventLoop } from './loop';
import { checkOptions } from './options';
import { repr } from './repr';

/** What `once()` needs of an EventEmitter: Node's `on` and `removeListener`. */
export interface EventEmitterLike {
  on(name: string | symbol, listener: (...args: unknown[]) => void): unknown;
  removeListener(name: string | symbol, listener: (...args: unknown[]) => void): unknown;
}

/** What `once()` needs of an EventTarget (DOM, Node's `EventTarget`, `AbortSignal`, `MessagePort`…). */
export interface EventTargetLike {
  addEventListener(type: string, listener: (event: unknown) => void): unknown;
  removeEventListener(type: string, listener: (event: unknown) => void): unknown;
}

/** Options of `once()`. */
export interface OnceOptions {
  /** The loop of the future; default the running loop, else the current one. */
  loop?: EventLoop;
}

/** Options of `on()`. */
export interface OnOptions {
  /** Events that end the iteration (Node's `close` option of `events.on`): `anext()` then throws StopAsyncIteration. */
  close?: readonly (string | symbol)[];
  /** The loop of the futures; default the running loop, else the current one. */
  loop?: EventLoop;
}

/** What an emitter's listeners report. */
interface Listeners {
  event(args: unknown[]): void;
  error(error: unknown): void;
  close(): void;
}

/**
 * Attaches `listeners` to `emitter` for `name` (an EventTarget's event is
 * `[event]`; an EventEmitter's `'error'` event is an error unless `name` is
 * `'error'`; `close` names end it); returns the function that removes them.
 */
function listen(api: string, emitter: EventEmitterLike | EventTargetLike, name: string | symbol, close: readonly (string | symbol)[], listeners: Listeners): () => void {
  // An emitter first, as Node's events.once decides (a NodeEventTarget is both).
  const target = !isEventEmitter(emitter) && isEventTarget(emitter);
  if (!target && !isEventEmitter(emitter)) {
    throw new TypeError(`${api}() needs an EventEmitter (on, removeListener) or an EventTarget (addEventListener, removeEventListener), got ${repr(emitter)}`);
  }
  for (const n of [name, ...close]) {
    if (typeof n !== 'string' && (target || typeof n !== 'symbol')) {
      throw new TypeError(`${api}() needs event names (a string${target ? '' : ' or a symbol'}), got ${repr(n)}`);
    }
  }
  const onEvent = target ? (event: unknown) => listeners.event([event]) : (...args: unknown[]) => listeners.event(args);
  const onError = (error: unknown) => listeners.error(error ?? new Error(`'error' event emitted with ${repr(error)}`));
  const onClose = () => listeners.close();
  const watchErrors = !target && name !== 'error';
  if (target) {
    const et = emitter as EventTargetLike;
    et.addEventListener(name as string, onEvent);
    for (const c of close) et.addEventListener(c as string, onClose);
    return () => {
      et.removeEventListener(name as string, onEvent);
      for (const c of close) et.removeEventListener(c as string, onClose);
    };
  }
  const ee = emitter as EventEmitterLike;
  ee.on(name, onEvent);
  if (watchErrors) ee.on('error', onError);
  for (const c of close) ee.on(c, onClose);
  return () => {
    ee.removeListener(name, onEvent);
    if (watchErrors) ee.removeListener('error', onError);
    for (const c of close) ee.removeListener(c, onClose);
  };
}

/**
 * Waits for `emitter` to emit `name` and gives the event's arguments, as
 * Node's `events.once()` does for a Promise: an array (for an EventTarget,
 * `[event]`). An `'error'` event emitted meanwhile fails the wait with its
 * error (unless `name` is `'error'` itself). Cancelling the wait removes
 * its listeners. Needs the async driver (`run()`), as every host wait does.
 * No asyncio counterpart: Python has no EventEmitter.
 * @example
 * const child = spawn('ls');
 * const [code] = yield* once<[number]>(child, 'exit');
 * yield* asyncWith(timeout(5), function* () { yield* once(server, 'listening'); }); // at most 5 s
 */
export function once<A extends unknown[] = unknown[]>(emitter: EventEmitterLike | EventTargetLike, name: string | symbol, options?: OnceOptions): Future<A> {
  const { loop } = checkOptions<OnceOptions>('once', options, ['loop']);
  const l = loop ?? _getRunningLoop() ?? getEventLoop();
  const future = l.createFuture<A>();
  const settle = (outcome: () => void) => {
    stop();
    if (!l.isClosed() && !future.done()) outcome();
  };
  const remove = listen('once', emitter, name, [], {
    event: (args) => settle(() => future.setResult(args as A)),
    error: (error) => settle(() => future.setException(error)),
    close: () => {},
  });
  const release = l._holdHostWait();
  const stop = () => {
    release();
    remove();
  };
  // Cancelled (directly, by a timeout, by a TaskGroup): nothing is left listening.
  future.addDoneCallback(stop);
  return future;
}

/**
 * `on(emitter, name)`: the events of `emitter` as an async iterator, as
 * Node's `events.on()` gives them to `for await` — each `anext()` gives the
 * next event's arguments (an array; `[event]` for an EventTarget). Events
 * that come while nobody waits are kept, in order, for the next `anext()`.
 * An `'error'` event ends the iteration: `anext()` throws it once the
 * events before it were taken, then StopAsyncIteration; so do the `close`
 * events, and `aclose()`, which also removes the listeners. Cancelling a
 * waiting `anext()` loses no event. Waiting is a host wait (`run()`).
 * @example
 * const lines = on<[string]>(readline.createInterface({ input }), 'line', { close: ['close'] });
 * yield* asyncFor(lines, function* ([line]) { console.log(line); });
 */
export function on<A extends unknown[] = unknown[]>(emitter: EventEmitterLike | EventTargetLike, name: string | symbol, options?: OnOptions): EventIterator<A> {
  const { close = [], loop } = checkOptions<OnOptions>('on', options, ['close', 'loop']);
  if (!Array.isArray(close)) throw new TypeError(`on() option close must be an array of event names, got ${repr(close)}`);
  return new EventIterator<A>(emitter, name, close, loop ?? _getRunningLoop() ?? getEventLoop());
}

/**
 * The async iterator `on()` gives: `anext()` (a Future of the next event's
 * arguments), `aclose()`, and `aiter()` (itself), so `asyncFor`, `aiter`
 * and `anext` take it like any async iterable.
 */
export class EventIterator<A extends unknown[] = unknown[]> {
  /** @internal Events that came while nobody waited. */ readonly _buffer: A[] = [];
  /** @internal Futures of the anext() calls waiting, oldest first (some may be cancelled). */ readonly _waiters: Future<A>[] = [];
  /** @internal The error that ended it, delivered after the buffered events. */ _error: unknown = undefined;
  /** @internal */ _hasError = false;
  /** @internal No more events will come (closed, or an error or a close event came). */ _ended = false;
  /** @internal */ readonly _loop: EventLoop;
  /** @internal */ readonly _name: string | symbol;
  /** @internal Removes the listeners. */ readonly _remove: () => void;

  /** @internal Made by on(). */
  constructor(emitter: EventEmitterLike | EventTargetLike, name: string | symbol, close: readonly (string | symbol)[], loop: EventLoop) {
    this._loop = loop;
    this._name = name;
    this._remove = listen('on', emitter, name, close, {
      event: (args) => this._deliver(args as A),
      error: (error) => this._end(error, true),
      close: () => this._end(undefined, false),
    });
  }

  /** Python's `__aiter__`: an iterator is its own iterable. */
  aiter(): this {
    return this;
  }

  /** Python's `__anext__`: a Future of the next event's arguments; StopAsyncIteration once it has ended. */
  anext(): Future<A> {
    const future = this._loop.createFuture<A>();
    if (this._buffer.length > 0) {
      future.setResult(this._buffer.shift() as A);
    } else if (this._hasError) {
      this._hasError = false; // thrown once; afterwards the iteration is just over
      future.setException(this._error);
      this._error = undefined;
    } else if (this._ended) {
      future.setException(new StopAsyncIteration());
    } else {
      this._waiters.push(future);
      future.addDoneCallback(this._loop._holdHostWait());
    }
    return future;
  }

  /** Ends the iteration at once: removes the listeners, drops what was kept; waiting `anext()` calls throw StopAsyncIteration. */
  *aclose(): Coroutine<void> {
    this._buffer.length = 0;
    this._hasError = false;
    this._error = undefined;
    this._end(undefined, false);
  }

  /** @internal An event: to the oldest waiter still waiting, else kept. */
  _deliver(args: A): void {
    const waiter = this._nextWaiter();
    if (waiter !== null) waiter.setResult(args);
    else this._buffer.push(args);
  }

  /** @internal No more events: an error goes to the next reader (after the buffered events), the waiters get the end. */
  _end(error: unknown, isError: boolean): void {
    if (this._ended) return;
    this._ended = true;
    this._remove();
    if (this._loop.isClosed()) return;
    if (isError) {
      const waiter = this._nextWaiter();
      if (waiter !== null) waiter.setException(error);
      else {
        this._hasError = true;
        this._error = error;
      }
    }
    for (let w = this._nextWaiter(); w !== null; w = this._nextWaiter()) w.setException(new StopAsyncIteration());
  }

  /** @internal The oldest waiting future not yet done (a cancelled anext() is skipped, and loses nothing). */
  _nextWaiter(): Future<A> | null {
    while (this._waiters.length > 0) {
      const w = this._waiters.shift() as Future<A>;
      if (!w.done()) return w;
    }
    return null;
  }

  toString(): string {
    const state = this._ended ? 'ended' : 'listening';
    return `<EventIterator ${typeof this._name === 'symbol' ? String(this._name) : repr(this._name)} ${state} buffered=${this._buffer.length} waiting=${this._waiters.filter((w) => !w.done()).length}>`;
  }
}

function isEventTarget(x: unknown): boolean {
  const t = x as Partial<EventTargetLike> | null;
  return t !== null && typeof t === 'object' && typeof t.addEventListener === 'function' && typeof t.removeEventListener === 'function';
}

function isEventEmitter(x: unknown): boolean {
  const e = x as Partial<EventEmitterLike> | null;
  return e !== null && typeof e === 'object' && typeof e.on === 'function' && typeof e.removeListener === 'function';
}
