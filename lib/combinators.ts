/**
 * Combinators (CPython: the second half of tasks.py): gather, shield, wait,
 * waitFor and asCompleted — ways for one task to wait on several
 * awaitables, or on one with a limit.
 *
 * They are built from the same three pieces each time: a Future the caller
 * waits on, done callbacks on the children that finish that Future, and (for
 * timeouts) a timer. A coroutine given to gather, shield or asCompleted
 * becomes a Task, as `ensure_future` does in Python; waitFor runs one inline,
 * in the caller's own task, under a `timeout()` (3.12+).
 *
 * Arguments are checked when the function is called, before anything is
 * scheduled (CPython checks some of them only once the coroutine runs).
 */
import { CancelledError, RuntimeError, StopAsyncIteration, TimeoutError, ValueError } from './exceptions';
import { _getRunningLoop, getEventLoop, getRunningLoop } from './events';
import { Future, cancelledErrorWithoutStack, isFuture, type Coroutine, type WaitInfo } from './futures';
import { ensureFuture, type Awaitable } from './tasks';
import { CoroutineCall, isCoroutine } from './coroutines';
import { asyncWith } from './contexts';
import { timeout as makeTimeout, _checkTime } from './timeouts';
import { Deque } from './deque';
import { repr } from './repr';
import { checkOptions } from './options';
import type { EventLoop } from './loop';
import type { TimerHandle } from './handles';

// ---- shared checks ----

/** The type name Python's messages show for an awaitable given where a collection was expected. */
function typeName(x: Future<unknown> | Coroutine<unknown> | CoroutineCall<unknown>): string {
  if (x instanceof CoroutineCall) return 'coroutine';
  return isFuture(x) ? x.constructor.name : 'generator';
}

function isIterable(x: unknown): x is Iterable<unknown> {
  return x !== null && x !== undefined && typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

/** A `coroutine()` call can be awaited once: refuse a used one before anything is scheduled. */
function checkAwaitable(x: unknown, api: string): void {
  if (isFuture(x)) return;
  if (!isCoroutine(x)) throw new TypeError(`${api}() needs Futures, Tasks or coroutines, got ${repr(x)}${typeof x === 'function' ? ' (a function: call it to get a coroutine)' : ''}`);
  if (x instanceof CoroutineCall && x._started) throw new RuntimeError(`${api}(): cannot reuse already awaited coroutine ${x}`);
}

/** The loop of the first Future among `aws`, else the running (or current) loop; a Future of another loop is refused. */
function commonLoop(aws: Iterable<unknown>, api: string): EventLoop {
  let loop: EventLoop | null = null;
  for (const aw of aws) {
    if (!isFuture(aw)) continue;
    if (loop === null) loop = aw._loop;
    else if (aw._loop !== loop) throw new ValueError(`${api}(): all futures must belong to the same event loop, but ${aw} belongs to another one`);
  }
  return loop ?? _getRunningLoop() ?? getEventLoop();
}

// ---- gather ----

/** The result type of an awaitable: `Future<T>`, `Task<T>`, `Coroutine<T>` and `coroutine()` calls give `T`. */
export type AwaitedResult<A> =
  A extends Future<infer T> ? T : A extends CoroutineCall<infer T> ? T : A extends Generator<unknown, infer T, unknown> ? T : never;

/** gather's results: a tuple in input order (`gather([a(), b()])` → `[A, B]`). */
export type GatherResults<A extends readonly unknown[]> = { -readonly [K in keyof A]: AwaitedResult<A[K]> };

/** gather's results with `returnExceptions: true`: each place holds the result or what was thrown. */
export type GatherResultsOrErrors<A extends readonly unknown[]> = { -readonly [K in keyof A]: AwaitedResult<A[K]> | Error };

/** Options of `gather()`. */
export interface GatherOptions {
  /** Put failures (and CancelledErrors of cancelled children) in the results instead of failing the gather. */
  returnExceptions?: boolean;
}

/**
 * @internal Python's `_GatheringFuture`: cancelling it cancels the children
 * instead of itself, the way a Task's cancel() is only a request.
 */
export class _GatheringFuture<T> extends Future<T> {
  /** @internal One entry per argument (a repeated argument repeats its child). */ _children: Future<unknown>[] = [];
  /** @internal */ _cancelRequested = false;
  /** @internal */ _nfuts = 0;
  /** @internal */ _nfinished = 0;
  /** @internal */ _returnExceptions: boolean;
  /** @internal The children's done callback, bound once per gather. */
  readonly _childDone: (fut: Future<unknown>) => void;

  constructor(loop: EventLoop, returnExceptions: boolean) {
    super({ loop });
    this._returnExceptions = returnExceptions;
    // Named, so traces and the playground show what this callback is for.
    const gatherChildDone = (fut: Future<unknown>) => this._onChildDone(fut);
    this._childDone = gatherChildDone;
  }

  /** Cancels every child still running; true if any accepted. The gather itself finishes when they do. */
  override cancel(msg?: string): boolean {
    if (this.done()) return false;
    let ret = false;
    for (const child of this._children) if (child.cancel(msg)) ret = true;
    // If any child was actually cancelled, the cancellation propagates whatever
    // returnExceptions says (bpo-32684).
    if (ret) this._cancelRequested = true;
    return ret;
  }

  /** @internal */
  override _className(): string {
    return '_GatheringFuture';
  }

  /** @internal Python's `_done_callback` inside gather(). */
  _onChildDone(fut: Future<unknown>): void {
    this._nfinished++;
    if (this.done()) {
      // The gather already failed: a later failure counts as seen, not as lost.
      if (!fut.cancelled()) fut.exception();
      return;
    }
    if (!this._returnExceptions) {
      // A cancelled child fails the gather with a CancelledError; the gather
      // itself is not cancelled, so its other children keep running.
      if (fut.cancelled()) {
        this.setException(fut._makeCancelledError());
        return;
      }
      const exc = fut.exception();
      if (exc !== null) {
        this.setException(exc);
        return;
      }
    }
    if (this._nfinished === this._nfuts) {
      const children = this._children;
      const results = new Array<unknown>(children.length);
      for (let i = 0; i < children.length; i++) {
        const child = children[i];
        if (child.cancelled()) {
          results[i] = cancelledErrorWithoutStack(child._cancelMessage ?? '');
        } else {
          const exc = child.exception();
          results[i] = exc !== null ? exc : child.result();
        }
      }
      // A cancelled gather reports the cancellation even with returnExceptions (bpo-32684).
      if (this._cancelRequested) this.setException(fut._makeCancelledError());
      else this.setResult(results as T);
    }
  }
}

/**
 * asyncio.gather: runs the awaitables concurrently and gives their results in
 * input order, typed as a tuple. Coroutines become Tasks; an awaitable given
 * twice is one child. The first failure fails the gather (the others keep
 * running); with `returnExceptions` failures take their places in the
 * results. Cancelling the gather cancels every child.
 * @example
 * const [user, posts] = yield* gather([fetchUser(1), fetchPosts(1)]); // typed [User, Post[]]
 * const outcomes = yield* gather([a(), b()], { returnExceptions: true }); // each a result or an Error
 */
export function gather<const A extends readonly Awaitable<unknown>[]>(aws: A, options?: { returnExceptions?: false }): Future<GatherResults<A>>;
export function gather<const A extends readonly Awaitable<unknown>[]>(aws: A, options: { returnExceptions: true }): Future<GatherResultsOrErrors<A>>;
export function gather<const A extends readonly Awaitable<unknown>[]>(aws: A, options?: GatherOptions): Future<GatherResultsOrErrors<A>>;
export function gather(aws: readonly unknown[], options: GatherOptions = {}): Future<unknown[]> {
  // Everything is checked before the first Task is made: bad input schedules nothing.
  if (!Array.isArray(aws)) {
    const hint = isFuture(aws) || isCoroutine(aws) ? ': put the awaitables in one array, gather([a, b]), not gather(a, b)' : '';
    throw new TypeError(`gather() needs an array of awaitables, got ${repr(aws)}${hint}`);
  }
  if (options === null || typeof options !== 'object' || isFuture(options) || isCoroutine(options)) {
    throw new TypeError(`gather() takes its awaitables in one array and { returnExceptions } as its options, got ${repr(options)} as options`);
  }
  checkOptions<GatherOptions>('gather', options, ['returnExceptions']);
  for (let i = 0; i < aws.length; i++) checkAwaitable(aws[i], 'gather');
  const loop = commonLoop(aws, 'gather');
  const outer = new _GatheringFuture<unknown[]>(loop, Boolean(options.returnExceptions));
  if (aws.length === 0) {
    outer.setResult([]);
    return outer;
  }
  // An awaitable given twice is one child (CPython's arg_to_fut dict). A
  // pending future given before already carries this gather's callback, so
  // only the other arguments need the map — hashing all 50 000 tasks of W1
  // was 15% of its time. Unless code of the user's may run while children
  // are made (a task factory, an instrument) and finish a future given
  // earlier: then every argument goes through the map.
  const quiet = loop._taskFactory === null && !loop._instrumented;
  let argToFut: Map<unknown, Future<unknown>> | null = null;
  const children = outer._children;
  let doneFuts: Future<unknown>[] | null = null;
  for (let i = 0; i < aws.length; i++) {
    const arg = aws[i];
    let fut: Future<unknown> | undefined;
    if (quiet && isFuture(arg) && !arg.done()) {
      if (arg._hasDoneCallback(outer._childDone)) {
        children.push(arg); // given before
        continue;
      }
      fut = arg; // ensureFuture(arg) of a future of this loop is the future itself
    } else {
      fut = argToFut?.get(arg);
      if (fut !== undefined) {
        children.push(fut);
        continue;
      }
      fut = ensureFuture(arg as Awaitable<unknown>, { loop });
      (argToFut ??= new Map()).set(arg, fut);
    }
    outer._nfuts++;
    if (fut.done()) (doneFuts ??= []).push(fut);
    else fut.addDoneCallback(outer._childDone);
    children.push(fut);
  }
  outer._waitInfo = { kind: 'gather', children: outer._nfuts === children.length ? children : [...new Set(children)] };
  // Children already done (e.g. eager tasks) are counted now, so a gather of
  // done awaitables is itself done before gather() returns.
  if (doneFuts !== null) for (let i = 0; i < doneFuts.length; i++) outer._onChildDone(doneFuts[i]);
  return outer;
}

// ---- shield ----

/**
 * asyncio.shield: a Future that follows `aw` but whose cancellation does not
 * reach `aw`. Cancelling the task that awaits the shield cancels only the
 * shield; `aw` runs on. If `aw` fails or is cancelled itself, the shield does
 * the same. An `aw` already done is returned as is.
 * @example
 * const save = createTask(saveToDisk(data));
 * yield* shield(save); // a cancellation of this task leaves the save running
 */
export function shield<T>(aw: Awaitable<T>): Future<T> {
  const inner = ensureFuture(aw);
  if (inner.done()) return inner;
  const outer = inner._loop.createFuture<T>();
  outer._waitInfo = { kind: 'shield', children: [inner] };
  const innerDone = (inner: Future<T>): void => {
    if (outer.cancelled()) {
      if (!inner.cancelled()) inner.exception(); // seen: the shield's owner gave up on it
      return;
    }
    if (inner.cancelled()) {
      outer.cancel();
    } else {
      const exc = inner.exception();
      if (exc !== null) outer.setException(exc);
      else outer.setResult(inner.result());
    }
  };
  inner.addDoneCallback(innerDone);
  outer.addDoneCallback(() => {
    if (!inner.done()) inner.removeDoneCallback(innerDone);
  });
  return outer;
}

// ---- wait ----

/** `wait()` returns as soon as any future finishes (concurrent.futures.FIRST_COMPLETED). */
export const FIRST_COMPLETED = 'FIRST_COMPLETED';
/** `wait()` returns when any future fails (not counting cancellation), or when all are done. */
export const FIRST_EXCEPTION = 'FIRST_EXCEPTION';
/** `wait()` returns when every future is done (the default). */
export const ALL_COMPLETED = 'ALL_COMPLETED';
/** One of FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED. */
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

/** Options of `wait()`. */
export interface WaitOptions {
  /** Seconds to wait at most (null or absent: no limit). A timeout returns; it cancels nothing. */
  timeout?: number | null;
  /** When to return (default ALL_COMPLETED). */
  returnWhen?: ReturnWhen;
}

/**
 * asyncio.wait: waits for Futures or Tasks and returns `[done, pending]`, two
 * Sets. It never throws TimeoutError and never cancels anything: what is
 * unfinished at the timeout is in `pending`. Coroutines are refused (pass
 * Tasks, as 3.11+ requires); an empty collection is a ValueError. Pass an
 * array or a Set: a generator object is a coroutine here, so it is refused.
 * @example
 * const [done, pending] = yield* wait([t1, t2], { returnWhen: FIRST_COMPLETED });
 * for (const t of pending) t.cancel();
 */
export function wait<F extends Future<unknown>>(fs: Iterable<F>, options: WaitOptions = {}): Coroutine<[Set<F>, Set<F>]> {
  // Checked at the call (CPython checks when the coroutine starts), so the mistake points at its line.
  if (isFuture(fs) || isCoroutine(fs)) throw new TypeError(`expect a list of futures, not ${typeName(fs)}`);
  if (!isIterable(fs)) throw new TypeError(`wait() needs an iterable of Futures or Tasks (an array or a Set), got ${repr(fs)}`);
  if (options === null || typeof options !== 'object') throw new TypeError(`wait() options must be an object like { timeout, returnWhen }, got ${repr(options)}`);
  checkOptions<WaitOptions>('wait', options, ['timeout', 'returnWhen']);
  const set = new Set<F>(fs);
  if (set.size === 0) throw new ValueError('Set of Tasks/Futures is empty.');
  const returnWhen = options.returnWhen ?? ALL_COMPLETED;
  if (returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION && returnWhen !== ALL_COMPLETED) {
    throw new ValueError(`Invalid return_when value: ${typeof returnWhen === 'string' ? returnWhen : repr(returnWhen)}`); // repr: String() can throw
  }
  for (const f of set) {
    if (isCoroutine(f)) throw new TypeError('Passing coroutines is forbidden, use tasks explicitly.');
    if (!isFuture(f)) throw new TypeError(`wait() needs Futures or Tasks, got ${repr(f)}`);
  }
  const timeout = options.timeout === undefined ? null : _checkTime(options.timeout, 'wait', 'the timeout');
  return waitImpl(set, timeout, returnWhen);
}

function releaseWaiter(waiter: Future<unknown>): void {
  if (!waiter.done()) waiter.setResult(undefined);
}

/** Python's `_wait`: one waiter future, released by the children's callbacks or the timer. */
function* waitImpl<F extends Future<unknown>>(fs: Set<F>, timeout: number | null, returnWhen: ReturnWhen): Coroutine<[Set<F>, Set<F>]> {
  const loop = getRunningLoop();
  const waiter = loop.createFuture<void>();
  waiter._waitInfo = { kind: 'wait', children: [...fs] };
  const timeoutHandle: TimerHandle | null = timeout === null ? null : loop.callLater(timeout, releaseWaiter, waiter);
  let counter = fs.size;
  const onCompletion = (f: Future<unknown>): void => {
    counter--;
    if (
      counter <= 0 ||
      returnWhen === FIRST_COMPLETED ||
      (returnWhen === FIRST_EXCEPTION && !f.cancelled() && f.exception() !== null)
    ) {
      if (timeoutHandle !== null) timeoutHandle.cancel();
      releaseWaiter(waiter);
    }
  };
  for (const f of fs) f.addDoneCallback(onCompletion);
  try {
    yield* waiter;
  } finally {
    // Whatever ended the wait (even its own cancellation), leave nothing behind.
    if (timeoutHandle !== null) timeoutHandle.cancel();
    for (const f of fs) f.removeDoneCallback(onCompletion);
  }
  // Computed now, not when the waiter was released: whatever finished meanwhile is done too.
  const done = new Set<F>();
  const pending = new Set<F>();
  for (const f of fs) (f.done() ? done : pending).add(f);
  return [done, pending];
}

// ---- waitFor ----

/**
 * asyncio.wait_for (3.12+): awaits `aw` with a time limit. On timeout `aw`
 * is cancelled, waitFor waits for it to finish its cleanup, then throws
 * TimeoutError; if `aw` refuses the cancellation and returns a value, that
 * value is returned. Cancelling the task running waitFor cancels `aw`.
 * `timeout` null waits forever; 0 or less cancels `aw` at once (a coroutine
 * never starts). Wrap `aw` in `shield()` to keep it running after a timeout.
 * @example
 * try {
 *   const page = yield* waitFor(fetchPage(url), 5);
 * } catch (e) {
 *   if (e instanceof TimeoutError) console.log('gave up after 5 s');
 * }
 */
export function waitFor<T>(aw: Awaitable<T>, timeout: number | null): Coroutine<T> {
  checkAwaitable(aw, 'waitFor');
  return waitForImpl(aw, _checkTime(timeout, 'waitFor', 'the timeout'));
}

function* waitForImpl<T>(aw: Awaitable<T>, timeout: number | null): Coroutine<T> {
  if (timeout !== null && timeout <= 0) {
    // No time at all: cancel `aw` before it runs (a coroutine's body never
    // starts), but still wait for it, since it may refuse the cancellation.
    const fut = ensureFuture(aw);
    if (fut.done()) return fut.result();
    yield* cancelAndWait(fut);
    try {
      return fut.result();
    } catch (exc) {
      if (exc instanceof CancelledError) throw new TimeoutError('', { cause: exc });
      throw exc;
    }
  }
  // The awaitable runs in this very task, under a timeout: on expiry the
  // task is cancelled, which cancels whatever `aw` is waiting on.
  return yield* asyncWith(makeTimeout(timeout), function* () {
    return yield* aw;
  });
}

/** Python's `_cancel_and_wait`: cancel `fut` and wait until it is done, through a waiter of our own so the wait itself stays cancellable. */
function* cancelAndWait(fut: Future<unknown>): Coroutine<void> {
  const waiter = fut._loop.createFuture<void>();
  waiter._waitInfo = { kind: 'waitFor', children: [fut] };
  const cb = (): void => releaseWaiter(waiter);
  fut.addDoneCallback(cb);
  try {
    fut.cancel();
    yield* waiter;
  } finally {
    fut.removeDoneCallback(cb);
  }
}

// ---- asCompleted ----

/** Options of `asCompleted()`. */
export interface AsCompletedOptions {
  /** Seconds after which the awaitables not yet used throw TimeoutError (null or absent: no limit). */
  timeout?: number | null;
}

/**
 * What `asCompleted()` returns: a plain iterable of coroutines (each gives
 * the result of the next awaitable to finish) and, as in Python 3.13, an
 * async iterator of the original futures and tasks in the order they finish.
 */
export interface AsCompletedIterator<T> extends IterableIterator<Coroutine<T>> {
  /** `async for fut in as_completed(aws)` (3.13): the next Future or Task to finish, itself; StopAsyncIteration after the last. */
  anext(): Coroutine<Future<T>>;
}

/**
 * @internal Python's `_AsCompletedIterator` (3.13). Completed futures go into
 * a FIFO (null marks a timeout); each element the iterator hands out is a
 * coroutine that takes the next entry from it — so whichever element is
 * awaited first gets the first completion.
 */
export class _AsCompletedIterator<T> implements AsCompletedIterator<T> {
  /** @internal Completed futures, in completion order; null: the timeout passed. */ _done = new Deque<Future<T> | null>();
  /** @internal Consumers waiting for `_done` to get an entry (Queue.get's getters). */ _getters = new Deque<Future<void>>();
  /** @internal Futures not finished yet. */ _todo: Set<Future<T>>;
  /** @internal Elements still to hand out. */ _todoLeft: number;
  /** @internal */ _timeoutHandle: TimerHandle | null = null;
  /** @internal */ _loop: EventLoop;
  /** @internal */ readonly _handleCompletionFn: (f: Future<T>) => void;
  /** @internal What a consumer waits on, for task trees: the futures still running (computed when asked). */
  readonly _waitInfo: WaitInfo;

  constructor(aws: Iterable<Awaitable<T>>, timeout: number | null, loop: EventLoop) {
    this._loop = loop;
    this._handleCompletionFn = (f) => this._handleCompletion(f);
    const todo = new Set<Future<T>>();
    for (const aw of new Set(aws)) todo.add(ensureFuture(aw, { loop }));
    for (const f of todo) f.addDoneCallback(this._handleCompletionFn);
    if (todo.size > 0 && timeout !== null) this._timeoutHandle = loop.callLater(timeout, handleTimeout, this);
    this._todo = todo;
    this._todoLeft = todo.size;
    const self = this;
    this._waitInfo = {
      kind: 'asCompleted',
      get children(): Future<unknown>[] {
        return [...self._todo];
      },
    };
  }

  [Symbol.iterator](): this {
    return this;
  }

  /** The next element: a coroutine giving the result (or throwing the error) of the next awaitable to finish. */
  next(): IteratorResult<Coroutine<T>, undefined> {
    if (this._todoLeft === 0) return { done: true, value: undefined };
    this._todoLeft--;
    return { done: false, value: this._waitForOne(true) as Coroutine<T> };
  }

  /** As an async iterator (Python's `__anext__`): the next future to finish, not its result. */
  *anext(): Coroutine<Future<T>> {
    if (this._todoLeft === 0) throw new StopAsyncIteration();
    this._todoLeft--;
    return (yield* this._waitForOne(false)) as Future<T>;
  }

  /** @internal The timer: every awaitable not finished yet becomes a TimeoutError for one consumer. */
  _handleTimeout(): void {
    for (const f of this._todo) {
      f.removeDoneCallback(this._handleCompletionFn);
      this._put(null);
    }
    this._todo.clear();
  }

  /** @internal */
  _handleCompletion(f: Future<T>): void {
    if (this._todo.size === 0) return; // the timeout came first
    this._todo.delete(f);
    this._put(f);
    if (this._todo.size === 0 && this._timeoutHandle !== null) this._timeoutHandle.cancel();
  }

  /** @internal Queue.put_nowait: store, then wake the first consumer still waiting. */
  _put(entry: Future<T> | null): void {
    this._done.push(entry);
    this._wakeupNext();
  }

  /** @internal */
  _wakeupNext(): void {
    while (this._getters.length > 0) {
      const getter = this._getters.shift() as Future<void>;
      if (!getter.done()) {
        getter.setResult(undefined);
        break;
      }
    }
  }

  /**
   * @internal Queue.get, then the future (or with `resolve`, its result):
   * wait for the next completion, whoever's turn it was meant to be.
   */
  *_waitForOne(resolve: boolean): Coroutine<T | Future<T>> {
    while (this._done.length === 0) {
      const getter = this._loop.createFuture<void>();
      getter._waitInfo = this._waitInfo;
      this._getters.push(getter);
      try {
        yield* getter;
      } catch (e) {
        getter.cancel();
        this._getters.remove(getter);
        // Cancelled after being woken: pass the wake-up on to the next consumer.
        if (this._done.length > 0 && !getter.cancelled()) this._wakeupNext();
        throw e;
      }
    }
    const f = this._done.shift() as Future<T> | null;
    if (f === null) throw new TimeoutError();
    return resolve ? f.result() : f;
  }
}

function handleTimeout(it: { _handleTimeout(): void }): void {
  it._handleTimeout();
}

/**
 * asyncio.as_completed (3.13): runs the awaitables concurrently and gives an
 * iterable of coroutines, one per distinct awaitable; whichever is awaited
 * next gives the next result to come in (or throws its error), so in the
 * usual loop the i-th awaited is the i-th to finish. Past the timeout, those
 * not yet satisfied throw TimeoutError. Coroutines become Tasks. It is also
 * an async iterator (3.13): `asyncFor(asCompleted(aws), function* (fut) …)`
 * gets the original futures and tasks themselves, as they finish.
 * @example
 * for (const next of asCompleted([fetch('/a'), fetch('/b')], { timeout: 10 })) {
 *   const page = yield* next; // fastest first
 * }
 */
export function asCompleted<T>(aws: Iterable<Awaitable<T>>, options: AsCompletedOptions = {}): AsCompletedIterator<T> {
  if (isFuture(aws) || isCoroutine(aws)) throw new TypeError(`expects an iterable of awaitables, not ${typeName(aws)}`);
  if (!isIterable(aws)) throw new TypeError(`asCompleted() needs an iterable of awaitables (an array or a Set), got ${repr(aws)}`);
  if (options === null || typeof options !== 'object') throw new TypeError(`asCompleted() options must be an object like { timeout }, got ${repr(options)}`);
  checkOptions<AsCompletedOptions>('asCompleted', options, ['timeout']);
  const list = Array.from(aws);
  for (let i = 0; i < list.length; i++) checkAwaitable(list[i], 'asCompleted');
  const timeout = options.timeout === undefined ? null : _checkTime(options.timeout, 'asCompleted', 'the timeout');
  return new _AsCompletedIterator<T>(list, timeout, commonLoop(list, 'asCompleted'));
}
