/**
 * Queues (CPython: queues.py): Queue (FIFO), PriorityQueue (smallest first),
 * LifoQueue (newest first), for producers and consumers running as tasks.
 *
 * A blocked `get()` or `put()` waits on a Future in `_getters` / `_putters`.
 * Each item taken wakes the first waiting putter, each item added wakes the
 * first waiting getter — one at a time, in arrival order. A waiter that is
 * cancelled never takes or adds an item; if it had already been woken, it
 * passes the wake-up on so nobody is left waiting with room or items there.
 */
import { QueueEmpty, QueueFull, QueueShutDown, ValueError } from './exceptions';
import { Deque } from './deque';
import { Heap } from './heap';
import { Event, _LoopBound } from './locks';
import { checkOptions, isOptionsObject } from './options';
import { repr } from './repr';
import type { Coroutine, Future, WaitInfo } from './futures';

function checkMaxsize(maxsize: unknown, cls: string): number {
  if (typeof maxsize !== 'number' || !Number.isInteger(maxsize)) {
    throw new TypeError(`${cls} maxsize must be an integer (0 or less: unbounded), got ${repr(maxsize)}`);
  }
  return maxsize;
}

/** Wakes the first waiter not already done (woken or cancelled), removing the ones it passes. */
function wakeupNext(waiters: Deque<Future<void>>): void {
  while (waiters.length > 0) {
    const waiter = waiters.shift() as Future<void>;
    if (!waiter.done()) {
      waiter.setResult(undefined);
      break;
    }
  }
}

/** Wakes every waiter not already done, emptying the deque (shutdown). */
function wakeAll(waiters: Deque<Future<void>>): void {
  while (waiters.length > 0) {
    const waiter = waiters.shift() as Future<void>;
    if (!waiter.done()) waiter.setResult(undefined);
  }
}

/**
 * asyncio.Queue: a first-in, first-out queue for coordinating producer and
 * consumer tasks. With `maxsize > 0`, `put()` waits while the queue is full;
 * `get()` waits while it is empty. `taskDone()` and `join()` track whether
 * every item taken has been processed; `shutdown()` (3.13) ends it.
 * @example
 * const q = new Queue<number>(10);
 * function* producer(): Coroutine<void> { for (let i = 0; i < 100; i++) yield* q.put(i); }
 * function* consumer(): Coroutine<void> {
 *   for (;;) { const item = yield* q.get(); handle(item); q.taskDone(); }
 * }
 */
export class Queue<T = unknown> extends _LoopBound {
  /** @internal */ readonly _maxsize: number;
  /** @internal Futures of the tasks blocked in get(), oldest first. */ readonly _getters = new Deque<Future<void>>();
  /** @internal Futures of the tasks blocked in put(). */ readonly _putters = new Deque<Future<void>>();
  /** @internal Items put and not yet marked done with taskDone(). */ _unfinishedTasks = 0;
  /** @internal Set while no task is unfinished; join() waits for it. */ readonly _finished = new Event();
  /** @internal */ _isShutdown = false;
  /** @internal The items (subclasses keep theirs in a store of their own). */ _queue!: Deque<T>;
  /** @internal */ readonly _getInfo: WaitInfo = { kind: 'Queue.get', resource: this };
  /** @internal */ readonly _putInfo: WaitInfo = { kind: 'Queue.put', resource: this };

  /**
   * `maxsize`: the most items it holds; 0 or less (the default) means
   * unbounded. Given alone, as in Python, or as `{ maxsize }`.
   */
  constructor(options: number | QueueOptions = 0) {
    super();
    // A plain object is the options; anything else is the maxsize itself (and checked as one).
    const maxsize = isOptionsObject(options) ? checkOptions<QueueOptions>(new.target.name, options, ['maxsize']).maxsize ?? 0 : options;
    this._maxsize = checkMaxsize(maxsize, new.target.name);
    this._finished.set();
    this._finished._info = { kind: 'Queue.join', resource: this };
    this._init(maxsize);
  }

  // These four are what a subclass overrides to change the order (as in queues.py).

  /** @internal Creates the item store. */
  _init(_maxsize: number): void {
    this._queue = new Deque<T>();
  }

  /** @internal Takes the next item out of the store. */
  _get(): T {
    return this._queue.shift() as T;
  }

  /** @internal Adds an item to the store. */
  _put(item: T): void {
    this._queue.push(item);
  }

  /** @internal The store's items, in its own order (for toString). */
  _items(): T[] {
    return [...this._queue];
  }

  /** The number of items in the queue. */
  qsize(): number {
    return this._queue.length;
  }

  /** The most items the queue holds (0 or less: unbounded). */
  get maxsize(): number {
    return this._maxsize;
  }

  /** True when the queue holds no item. */
  empty(): boolean {
    return this.qsize() === 0;
  }

  /** True when the queue holds `maxsize` items (never, for an unbounded queue). */
  full(): boolean {
    return this._maxsize > 0 && this.qsize() >= this._maxsize;
  }

  /**
   * Puts an item in, waiting while the queue is full.
   * @throws QueueShutDown when the queue is (or, while waiting, gets) shut down.
   */
  *put(item: T): Coroutine<void> {
    while (this.full()) {
      if (this._isShutdown) throw new QueueShutDown('put() on a shut-down queue');
      const putter = this._newWaiter<void>(this._putInfo);
      this._putters.push(putter);
      try {
        yield* putter;
      } catch (error) {
        putter.cancel(); // in case it is not done yet
        // It may be gone already: taken by a getNowait() or a shutdown().
        this._putters.remove(putter);
        // Woken by a getNowait() but unable to use the room: wake the next in line.
        if (!this.full() && !putter.cancelled()) wakeupNext(this._putters);
        throw error;
      }
    }
    this.putNowait(item);
  }

  /**
   * Puts an item in without waiting.
   * @throws QueueFull when there is no room; QueueShutDown after shutdown().
   */
  putNowait(item: T): void {
    if (this._isShutdown) throw new QueueShutDown('putNowait() on a shut-down queue');
    if (this.full()) throw new QueueFull(`putNowait() on a full queue (maxsize=${this._maxsize}); use put() to wait for room`);
    this._put(item);
    this._unfinishedTasks++;
    this._finished.clear();
    wakeupNext(this._getters);
  }

  /**
   * Takes the next item, waiting while the queue is empty.
   * @throws QueueShutDown when the queue is shut down and empty (at once after `shutdown(true)`).
   */
  *get(): Coroutine<T> {
    while (this.empty()) {
      if (this._isShutdown) throw new QueueShutDown('get() on a shut-down, empty queue');
      const getter = this._newWaiter<void>(this._getInfo);
      this._getters.push(getter);
      try {
        yield* getter;
      } catch (error) {
        getter.cancel(); // in case it is not done yet
        // It may be gone already: taken by a putNowait() or a shutdown().
        this._getters.remove(getter);
        // Woken by a putNowait() but unable to take the item: wake the next in line.
        if (!this.empty() && !getter.cancelled()) wakeupNext(this._getters);
        throw error;
      }
    }
    return this.getNowait();
  }

  /**
   * Takes the next item without waiting.
   * @throws QueueEmpty when there is none; QueueShutDown when shut down and empty.
   */
  getNowait(): T {
    if (this.empty()) {
      if (this._isShutdown) throw new QueueShutDown('getNowait() on a shut-down, empty queue');
      throw new QueueEmpty('getNowait() on an empty queue; use get() to wait for an item');
    }
    const item = this._get();
    wakeupNext(this._putters);
    return item;
  }

  /**
   * Marks one item taken with `get()` as processed (Python's `task_done`).
   * When every item put has been marked, `join()` returns.
   * @throws ValueError('task_done() called too many times') with no unfinished item.
   */
  taskDone(): void {
    if (this._unfinishedTasks <= 0) throw new ValueError('task_done() called too many times');
    this._unfinishedTasks--;
    if (this._unfinishedTasks === 0) this._finished.set();
  }

  /** Waits until every item put into the queue has been taken and marked with `taskDone()`. */
  *join(): Coroutine<void> {
    if (this._unfinishedTasks > 0) yield* this._finished.wait();
  }

  /**
   * Shuts the queue down (3.13): `put()` and `putNowait()` raise
   * QueueShutDown from now on, and so do `get()` and `getNowait()` once the
   * queue is empty. Every blocked `put()` and `get()` wakes to re-check. With
   * `immediate`, the items left are dropped — each counts as done for
   * `join()` — so getters raise at once.
   * @example
   * q.shutdown();      // consumers finish what is queued, then get QueueShutDown
   * q.shutdown(true);  // consumers stop now
   */
  shutdown(immediate = false): void {
    this._isShutdown = true;
    if (immediate) {
      while (!this.empty()) {
        this._get();
        if (this._unfinishedTasks > 0) this._unfinishedTasks--;
      }
      if (this._unfinishedTasks === 0) this._finished.set();
    }
    // Every blocked getter and putter must re-check, to raise QueueShutDown.
    wakeAll(this._getters);
    wakeAll(this._putters);
  }

  /** `<Queue maxsize=0 _queue=[1, 2] _getters[1] tasks=2 shutdown>`, as queues.py's str(). */
  override toString(): string {
    let s = `maxsize=${this._maxsize}`;
    if (this.qsize() > 0) s += ` _queue=${repr(this._items())}`;
    if (this._getters.length > 0) s += ` _getters[${this._getters.length}]`;
    if (this._putters.length > 0) s += ` _putters[${this._putters.length}]`;
    if (this._unfinishedTasks > 0) s += ` tasks=${this._unfinishedTasks}`;
    if (this._isShutdown) s += ' shutdown';
    return `<${this.constructor.name} ${s}>`;
  }
}

/**
 * Options of `new Queue()` and `new LifoQueue()`: Python's keyword argument.
 * `new Queue(10)` and `new Queue({ maxsize: 10 })` are the same queue.
 */
export interface QueueOptions {
  /** The most items it holds; 0 or less (the default) means unbounded. */
  maxsize?: number;
}

/** Marks "no error" for PriorityQueue._orderError (undefined could be thrown). */
const NO_ERROR: unique symbol = Symbol('no error');
const keepAll = (): boolean => true;

/** Options of `new PriorityQueue()`: `maxsize` as for every queue, and the order. */
export interface PriorityQueueOptions<T> extends QueueOptions {
  /**
   * The order: negative when `a` comes before `b` (as for `Array.sort`).
   * Default: Python's `<` — numbers, strings, and arrays compared element by
   * element like tuples; anything else is a TypeError.
   */
  compare?: (a: T, b: T) => number;
}

/**
 * asyncio.PriorityQueue: a Queue that hands out the smallest item first.
 * Items are typically `[priority, data]` arrays, compared like Python
 * tuples; or pass `compare`. Equal items come out in no particular order.
 * @example
 * const q = new PriorityQueue<[number, string]>();
 * q.putNowait([2, 'later']); q.putNowait([1, 'first']);
 * q.getNowait(); // [1, 'first']
 * const byDeadline = new PriorityQueue<Job>({ compare: (a, b) => a.deadline - b.deadline });
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  /** @internal The items, smallest on top. */ readonly _heap: Heap<T>;
  /** @internal The first error the order threw in the current heap operation. */ _orderError: unknown = NO_ERROR;
  /** @internal An error cut a sift short: the heap order is rebuilt before its next use. */ _unordered = false;

  /** `options`: `{ maxsize?, compare? }`, or just the maxsize as in Python. */
  constructor(options: number | PriorityQueueOptions<T> = {}) {
    const opts = isOptionsObject(options) ? checkOptions<PriorityQueueOptions<T>>('PriorityQueue', options, ['maxsize', 'compare']) : { maxsize: options };
    const compare = opts.compare;
    if (compare !== undefined && typeof compare !== 'function') {
      throw new TypeError(`PriorityQueue compare must be a function (a, b) => number, got ${repr(compare)}`);
    }
    super(checkMaxsize(opts.maxsize === undefined ? 0 : opts.maxsize, 'PriorityQueue'));
    const less: (a: T, b: T) => boolean = compare === undefined ? pyLess : (a, b) => compare(a, b) < 0;
    // An order that throws (incomparable items) must not throw in the middle
    // of a sift, which would leave an item lost or doubled in the heap: the
    // error is kept, the sift stops there, and get/put raise it afterwards.
    this._heap = new Heap<T>((a, b) => {
      try {
        return less(a, b);
      } catch (error) {
        if (this._orderError === NO_ERROR) this._orderError = error;
        return false;
      }
    });
  }

  /** @internal The heap needs the constructor's `compare`, so the constructor makes it. */
  override _init(_maxsize: number): void {}

  /** @internal */
  override _get(): T {
    if (this._unordered) this._reorder();
    const item = this._heap.pop() as T;
    if (this._orderError !== NO_ERROR) {
      this._heap.push(item); // a get that raises takes nothing
      this._raiseOrderError();
    }
    return item;
  }

  /** @internal */
  override _put(item: T): void {
    if (this._unordered) this._reorder();
    this._heap.push(item);
    if (this._orderError !== NO_ERROR) {
      // A put that raises (Python: TypeError, incomparable items) inserts nothing.
      let removed = false;
      this._heap.filter((x) => {
        if (removed || x !== item) return true;
        removed = true; // just this one: the same object may be queued twice
        return false;
      });
      this._raiseOrderError();
    }
  }

  /** @internal */
  _raiseOrderError(): never {
    const error = this._orderError;
    this._orderError = NO_ERROR;
    this._unordered = true;
    throw error;
  }

  /** @internal Rebuilds the heap order, as far as the order allows. */
  _reorder(): void {
    this._heap.filter(keepAll);
    this._orderError = NO_ERROR; // pairs that still cannot be compared raise when a get or put meets them
    this._unordered = false;
  }

  /** @internal */
  override _items(): T[] {
    return this._heap.toArray();
  }

  override qsize(): number {
    return this._heap.length;
  }
}

/**
 * asyncio.LifoQueue: a Queue that hands out the newest item first (a stack).
 * @example
 * const q = new LifoQueue<number>();
 * q.putNowait(1); q.putNowait(2);
 * q.getNowait(); // 2
 */
export class LifoQueue<T = unknown> extends Queue<T> {
  // `declare`: set by _init(), which the Queue constructor calls; a field
  // initializer here would run after it and overwrite the store.
  /** @internal */ declare _stack: T[];

  /** @internal */
  override _init(_maxsize: number): void {
    this._stack = [];
  }

  /** @internal */
  override _get(): T {
    return this._stack.pop() as T;
  }

  /** @internal */
  override _put(item: T): void {
    this._stack.push(item);
  }

  /** @internal */
  override _items(): T[] {
    return this._stack.slice();
  }

  override qsize(): number {
    return this._stack.length;
  }
}

// ---- Python's `<`, for PriorityQueue's default order ----

type Kind = 'number' | 'string' | 'array' | 'other';

function kindOf(x: unknown): Kind {
  const t = typeof x;
  // Python's bool is an int, and ints and floats compare with each other.
  if (t === 'number' || t === 'bigint' || t === 'boolean') return 'number';
  if (t === 'string') return 'string';
  return Array.isArray(x) ? 'array' : 'other';
}

function typeName(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'array';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}

/** Python's `==` on the values Python's `<` orders here: arrays element by element, numbers by value. */
function pyEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ka = kindOf(a);
  if (ka !== kindOf(b)) return false;
  if (ka === 'number') return a == b; // 1 == 1n == true, as in Python
  if (ka !== 'array') return false;
  const x = a as unknown[];
  const y = b as unknown[];
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (!pyEqual(x[i], y[i])) return false;
  return true;
}

/**
 * Python's `a < b` for numbers, strings and arrays (compared like tuples:
 * the first unequal pair of elements decides, else the shorter is smaller).
 * Anything else — or two values of different kinds — is a TypeError, as in
 * Python. (Strings compare by UTF-16 code units, JavaScript's `<`.)
 */
function pyLess(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a < b; // the common case first
  const ka = kindOf(a);
  if (ka === 'other' || ka !== kindOf(b)) {
    throw new TypeError(
      `'<' not supported between instances of '${typeName(a)}' and '${typeName(b)}': ` +
        `PriorityQueue orders numbers, strings and arrays of them; pass { compare } for anything else`,
    );
  }
  if (ka !== 'array') return (a as number | string) < (b as number | string);
  const x = a as unknown[];
  const y = b as unknown[];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    if (!pyEqual(x[i], y[i])) return pyLess(x[i], y[i]);
  }
  return x.length < y.length;
}
