/**
 * Async context managers: Python's `async with`, by hand.
 *
 *   async with cm as value:        const r = yield* asyncWith(cm, function* (value) {
 *       body                            body
 *                                    });
 *
 * `enter()` runs first and hands the body its value; `exit(error)` always
 * runs after the body — with the body's error, or `undefined` when the body
 * finished normally — and returning `true` swallows that error. When an
 * async generator is closed while its body is inside the block, `exit`
 * receives a GeneratorExit, as `__aexit__` does in Python.
 */
import { GeneratorExit } from './exceptions';
import type { Coroutine, Suspension } from './futures';
import type { Emission } from './asyncgen';
import type { CoroutineCall } from './coroutines';
import { repr } from './repr';

/** Python's `__aenter__` / `__aexit__` pair. */
export interface AsyncContextManager<T> {
  /** `__aenter__`: what the body receives. */
  enter(): Coroutine<T> | CoroutineCall<T>;
  /** `__aexit__`: `error` is undefined when the body finished normally; return true to swallow the error. */
  exit(error?: unknown): Coroutine<boolean | void> | CoroutineCall<boolean | void>;
}

/**
 * What a block may yield: a coroutine's awaits, and — inside an async
 * generator's body — its emissions, which pass through to the generator.
 */
type BlockYield = Suspension | undefined | Emission<unknown>;

/**
 * `async with cm as value: body` — returns the body's result, or undefined
 * when `exit` swallowed the body's error. Inside an async generator, the
 * block may `yield* emit(…)` (its type says so: it yields what the block yields).
 * @example
 * const r = yield* asyncWith(new TaskGroup(), function* (tg) { tg.createTask(work(1)); return 7; });
 * yield* asyncWith(lock, function* () { counter++; });
 */
export function asyncWith<T, R, Y extends BlockYield = Suspension | undefined>(
  cm: AsyncContextManager<T>,
  body: (value: T) => Generator<Y, R, unknown> | CoroutineCall<R>,
): Generator<Y | Suspension | undefined, R, unknown> {
  // Checked at the call, so a mistake fails where it was written, with nothing entered.
  if (cm === null || typeof cm !== 'object' || typeof cm.enter !== 'function' || typeof cm.exit !== 'function') {
    throw new TypeError(`asyncWith() needs an async context manager (an object with enter() and exit()), got ${repr(cm)}`); // repr: never throws on the value
  }
  if (typeof body !== 'function') throw new TypeError(`asyncWith() needs a body function (a function*), got ${typeof body}`);
  return runWith(cm, body);
}

function* runWith<T, R, Y extends BlockYield>(
  cm: AsyncContextManager<T>,
  body: (value: T) => Generator<Y, R, unknown> | CoroutineCall<R>,
): Generator<Y | Suspension | undefined, R, unknown> {
  const value = yield* cm.enter();
  let result: R;
  let settled = false; // the body returned or threw; otherwise a close is passing through
  try {
    result = yield* body(value);
    settled = true;
  } catch (error) {
    settled = true;
    if ((yield* cm.exit(error)) === true) return undefined as R;
    throw error;
  } finally {
    if (!settled) {
      // An async generator's aclose() reached the body (JavaScript: return()):
      // exit sees it as Python's __aexit__ sees GeneratorExit.
      const closing = new GeneratorExit();
      const { swallowed, awaited } = yield* exitCounting(cm, closing);
      if (swallowed) return undefined as R; // as in Python: the code after the block goes on
      // An exit that awaited would make JavaScript drop the return for the
      // frames above (their yield* sees an ordinary completion): go on as GeneratorExit.
      if (awaited) throw closing;
    }
  }
  yield* cm.exit(undefined);
  return result;
}

/** `yield* cm.exit(error)`, telling also whether it awaited anything (suspended at least once). */
function* exitCounting<T>(cm: AsyncContextManager<T>, error: unknown): Coroutine<{ swallowed: boolean; awaited: boolean }> {
  const it = cm.exit(error)[Symbol.iterator]() as Iterator<unknown, boolean | void, unknown>;
  let awaited = false;
  let r = it.next();
  while (!r.done) {
    awaited = true;
    let sent: unknown;
    try {
      sent = yield r.value as Suspension;
    } catch (e) {
      if (typeof it.throw !== 'function') throw e;
      r = it.throw(e);
      continue;
    }
    r = it.next(sent);
  }
  return { swallowed: r.value === true, awaited };
}
