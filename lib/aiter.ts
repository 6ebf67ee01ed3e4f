/**
 * Async iteration (Python's `aiter()`, `anext()` and `async for`).
 *
 *   async for x in it:              yield* asyncFor(it, function* (x) {
 *       body                            body
 *                                   });
 *
 * `asyncFor` reads like the statement, but its body is a function of its
 * own: `break` and `return` cannot leave the loop or the enclosing
 * coroutine from inside it. For those, `asyncCursor` is the loop written
 * out — what C# compiles `await foreach` into:
 *
 *   async for x in it:              for (const c = asyncCursor(it); yield* c.next(); ) {
 *       if x < 0: break                 if (c.value < 0) break;
 *       if x == 0: return 'zero'        if (c.value === 0) return 'zero';
 *       print(x)                        console.log(c.value);
 *                                   }
 *
 * Either way the iterator comes from `aiter(it)`, and each round awaits
 * `anext()` until it throws StopAsyncIteration. As in Python, leaving the
 * loop early does not close the iterator (`c.close()` does, or let
 * `run()` close async generators at the end).
 */
import { RuntimeError, StopAsyncIteration } from './exceptions';
import { JsAsyncIterator, _isJsAsyncIterable, type AsyncIteratorLike } from './async-iterables';
import type { Coroutine, Suspension } from './futures';
import type { Emission } from './asyncgen';
import type { CoroutineCall } from './coroutines';
import type { Awaitable } from './tasks';

export type { AsyncIteratorLike } from './async-iterables';

/**
 * Python's `typing.AsyncIterable[T]`: what `aiter()`, `asyncFor` and
 * `asyncCursor` take — a tulip async iterator (it has `anext()`), an object
 * whose `aiter()` makes one (Python's `__aiter__`), or any JavaScript
 * AsyncIterable (a Node stream, an `async function*`'s generator…).
 */
export type AsyncIterableLike<T> = AsyncIteratorLike<T> | { aiter(): AsyncIteratorLike<T> } | AsyncIterable<T>;

/** What `aiter()` makes of a JavaScript AsyncIterable: `anext()` is a coroutine, and `aclose()` calls the iterator's `return()`. */
export interface JsAsyncIteration<T> extends AsyncIteratorLike<T> {
  anext(): Coroutine<T>;
  aclose(): Coroutine<void>;
}

/** Python's type name in `'int' object is not …`: the JavaScript type, or the class. */
function typeName(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x !== 'object' && typeof x !== 'function') return typeof x;
  if (typeof x === 'function') return 'function';
  const name = (x as { constructor?: { name?: string } }).constructor?.name;
  if (name && name !== 'Object') return name;
  const tag = (x as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag]; // a generator, a JavaScript async generator…
  return typeof tag === 'string' ? tag : 'Object';
}

function isAsyncIterator(x: unknown): x is AsyncIteratorLike<unknown> {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof (x as { anext?: unknown }).anext === 'function';
}

/**
 * Python's builtin `aiter(x)`: the async iterator of `x`. An async iterator
 * is its own; an object with `aiter()` makes one; a JavaScript AsyncIterable
 * is adapted. Anything else is a TypeError ("'Array' object is not an async
 * iterable").
 * @example
 * const it = aiter(nodeReadable);
 * const firstChunk = yield* anext(it);
 */
export function aiter<I extends AsyncIteratorLike<unknown>>(x: I): I;
export function aiter<I extends AsyncIteratorLike<unknown>>(x: { aiter(): I }): I;
export function aiter<T>(x: AsyncIterable<T>): JsAsyncIteration<T>;
export function aiter<T>(x: AsyncIterableLike<T>): AsyncIteratorLike<T>;
export function aiter<T>(x: AsyncIterableLike<T>): AsyncIteratorLike<T> {
  if (x !== null && (typeof x === 'object' || typeof x === 'function')) {
    const own = (x as { aiter?: unknown }).aiter;
    if (typeof own === 'function') {
      const it: unknown = own.call(x);
      if (!isAsyncIterator(it)) throw new TypeError(`aiter() returned not an async iterator of type '${typeName(it)}'`);
      return it as AsyncIteratorLike<T>;
    }
    if (isAsyncIterator(x)) return x as AsyncIteratorLike<T>;
    if (_isJsAsyncIterable(x)) return new JsAsyncIterator<T>(x as AsyncIterable<T>);
  }
  throw new TypeError(`'${typeName(x)}' object is not an async iterable`);
}

/**
 * Python's builtin `anext(it)`: awaiting it gives the next value of the
 * async iterator `it` (StopAsyncIteration at the end): what `it.anext()`
 * returns — for an async generator, a coroutine (so `createTask(anext(g))`
 * works too). With a default, the end gives the default instead. `it` must
 * be an iterator: `anext(aiter(x))` for an iterable.
 * @example
 * const first = yield* anext(gen);
 * const maybe = yield* anext(gen, null); // null at the end
 */
export function anext<I extends AsyncIteratorLike<unknown>>(it: I): ReturnType<I['anext']>;
export function anext<T, D>(it: AsyncIteratorLike<T>, defaultValue: D): Coroutine<T | D>;
export function anext<T, D>(it: AsyncIteratorLike<T>, defaultValue?: D): Awaitable<T> | Coroutine<T | D> {
  if (!isAsyncIterator(it)) {
    const hint = _isJsAsyncIterable(it) ? ' (a JavaScript async iterable: take its iterator with aiter(x) first)' : '';
    throw new TypeError(`'${typeName(it)}' object is not an async iterator${hint}`);
  }
  const aw = it.anext();
  return arguments.length < 2 ? aw : orDefault(aw, defaultValue as D);
}

function* orDefault<T, D>(aw: Awaitable<T>, defaultValue: D): Coroutine<T | D> {
  try {
    return yield* aw;
  } catch (e) {
    if (e instanceof StopAsyncIteration) return defaultValue;
    throw e;
  }
}

/**
 * Python's `async for item in aiterable: body`: awaits each value in turn and
 * runs `body(item)` on it, until the iterator is exhausted. An error in the
 * body propagates, and the iterator is left as it is (as in Python). For a
 * loop that can `break` or `return`, see `asyncCursor`.
 * @example
 * yield* asyncFor(ticker(3), function* (i) {
 *   console.log(i);
 * });
 */
export function asyncFor<T, Y extends Suspension | undefined | Emission<unknown> = Suspension | undefined>(
  aiterable: AsyncIterableLike<T>,
  body: (item: T) => Generator<Y, unknown, unknown> | CoroutineCall<unknown>,
): Generator<Y | Suspension | undefined, void, unknown> {
  // Checked at the call, so a mistake fails where it was written.
  const it = aiter(aiterable);
  if (typeof body !== 'function') throw new TypeError(`asyncFor() needs a body function (a function*), got ${typeof body}`);
  return runFor(it, body);
}

function* runFor<T, Y>(it: AsyncIteratorLike<T>, body: (item: T) => Generator<Y, unknown, unknown> | CoroutineCall<unknown>): Generator<Y | Suspension | undefined, void, unknown> {
  for (;;) {
    let item: T;
    try {
      item = yield* it.anext();
    } catch (e) {
      if (e instanceof StopAsyncIteration) return;
      throw e;
    }
    yield* body(item);
  }
}

/**
 * `async for`, written as a loop of the enclosing coroutine, so its body can
 * `break`, `continue`, `return` and `throw` as any loop body can.
 * `yield* cursor.next()` awaits the next value: true, and `cursor.value`
 * holds it; false at the end. Made by `asyncCursor(aiterable)`.
 * @example
 * for (const c = asyncCursor(ticker(10)); yield* c.next(); ) {
 *   if (c.value === 3) break;
 *   console.log(c.value);
 * }
 */
export class AsyncCursor<T = unknown> {
  private readonly it: AsyncIteratorLike<T>;
  private current: T | undefined = undefined;
  private has = false;

  constructor(aiterable: AsyncIterableLike<T>) {
    this.it = aiter(aiterable);
  }

  /** The value the last `yield* next()` got (valid while that returned true). */
  get value(): T {
    if (!this.has) throw new RuntimeError('cursor.value is there only after `yield* cursor.next()` returned true');
    return this.current as T;
  }

  /** Awaits the next value: true (see `value`), or false once the iterator is exhausted. */
  *next(): Coroutine<boolean> {
    this.has = false;
    this.current = undefined;
    try {
      this.current = yield* this.it.anext();
    } catch (e) {
      if (e instanceof StopAsyncIteration) return false;
      throw e;
    }
    this.has = true;
    return true;
  }

  /**
   * Closes the iterator (`aclose()`, if it has one) — what Python's
   * `contextlib.aclosing` does at the end of the block. Use it in a
   * `finally` to close a generator the loop left early.
   */
  *close(): Coroutine<void> {
    this.has = false;
    this.current = undefined;
    if (typeof this.it.aclose === 'function') yield* this.it.aclose();
  }
}

/**
 * A cursor over `aiterable` (see AsyncCursor): the `async for` loop whose
 * body can `break` and `return` from the enclosing coroutine.
 * @example
 * function* firstNegative(it: AsyncGenerator<number>): Coroutine<number | null> {
 *   for (const c = asyncCursor(it); yield* c.next(); ) {
 *     if (c.value < 0) return c.value;
 *   }
 *   return null;
 * }
 */
export function asyncCursor<T>(aiterable: AsyncIterableLike<T>): AsyncCursor<T> {
  return new AsyncCursor<T>(aiterable);
}
