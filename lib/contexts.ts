/**
 * Async context managers: Python's `async with`, by hand, in two forms.
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
 *
 * `asyncWith` makes the body a function, so `return` and `break` inside it
 * cannot reach the code around it. The explicit form has no closure: it is
 * PEP 492's own expansion of `async with`, written out —
 *
 *   const scope = yield* enter(cm);      // value = await cm.__aenter__()
 *   try {
 *     body                               // scope.value; return and break work
 *   } catch (e) {
 *     yield* scope.exit(e);              // if not await cm.__aexit__(e): raise
 *   } finally {
 *     yield* scope.exit();               // await cm.__aexit__(None, None, None)
 *   }
 *
 * (JavaScript has no `try … else`: the `finally` stands for it, and the scope
 * makes its `exit()` do nothing when the `catch` already exited.)
 */
import { GeneratorExit } from './exceptions';
import type { Coroutine, Suspension } from './futures';
import type { Task } from './tasks';
import type { Emission } from './asyncgen';
import type { CoroutineCall } from './coroutines';
import { currentTask } from './tasks';
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
export type BlockYield = Suspension | undefined | Emission<unknown>;

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

/**
 * An async context manager entered by {@link enter}: holds what `enter()`
 * gave (`value`) and exits the manager exactly once — with the body's error
 * from a `catch`, or cleanly from a `finally`.
 * @example
 * const tg = new TaskGroup();
 * const scope = yield* enter(tg);
 * try {
 *   tg.createTask(work());
 * } catch (e) {
 *   yield* scope.exit(e);
 * } finally {
 *   yield* scope.exit();
 * }
 */
export class EnteredContext<T = unknown> {
  /** @internal */ readonly _cm: AsyncContextManager<T>;
  /** @internal */ _exited = false;
  /** @internal Reports a scope its task never exited; removed by exit(). */ _watch: (() => void) | null = null;
  /** @internal */ _task: Task<unknown> | null = null;

  /** @internal Made by enter(). */
  constructor(cm: AsyncContextManager<T>, readonly value: T) {
    this._cm = cm;
  }

  /** True once `exit` has run (or is running). */
  get exited(): boolean {
    return this._exited;
  }

  /**
   * Python's `__aexit__`, at most once per scope. `exit(error)` — in the
   * `catch` — passes the body's error to the manager and re-throws it unless
   * the manager swallows it (its `exit` returned `true`). `exit()` — in the
   * `finally` — is the clean exit, and does nothing if the scope was exited
   * already (by the `catch`). An error the manager itself raises propagates.
   */
  exit(error?: unknown): Coroutine<void> {
    // The number of arguments, not `error === undefined`, tells the two
    // apart: `throw undefined` must not look like a clean exit.
    return arguments.length === 0 ? this._exitClean() : this._exitWith(error);
  }

  /** @internal */
  *_exitClean(): Coroutine<void> {
    if (this._markExited()) yield* this._cm.exit(undefined);
  }

  /** @internal */
  *_exitWith(error: unknown): Coroutine<void> {
    // Already exited (say, the body called exit() early): nothing is left to
    // exit, and the error goes on as it came.
    if (this._markExited() && (yield* this._cm.exit(error)) === true) return;
    throw error;
  }

  /** @internal True the first time: this call exits the manager. */
  _markExited(): boolean {
    if (this._exited) return false;
    this._exited = true;
    if (this._watch !== null) {
      (this._task as Task<unknown>).removeDoneCallback(this._watch);
      this._watch = null;
    }
    return true;
  }

  toString(): string {
    return `<EnteredContext ${this._exited ? 'exited' : 'open'} ${repr(this._cm)}>`;
  }
}

/**
 * Python's `async with` without a closure: enters `cm` (`__aenter__`) and
 * gives the scope that exits it. Write the body in a `try`, exit with the
 * error in its `catch` and cleanly in its `finally`; then `return`, `break`
 * and `continue` in the body work as in Python, and variables set in the
 * body are visible after it. Same semantics as {@link asyncWith}.
 *
 * A task that ends while a scope it entered is still open (the `finally`
 * was forgotten) is reported to the loop's exception handler.
 * @example
 * const scope = yield* enter(timeout(1));
 * try {
 *   const data = yield* fetchData();
 *   if (data === null) return 'nothing';   // exits the timeout, then returns
 * } catch (e) {
 *   yield* scope.exit(e);                  // the expiry becomes TimeoutError here
 * } finally {
 *   yield* scope.exit();
 * }
 */
export function enter<T>(cm: AsyncContextManager<T>): Coroutine<EnteredContext<T>> {
  if (cm === null || typeof cm !== 'object' || typeof cm.enter !== 'function' || typeof cm.exit !== 'function') {
    throw new TypeError(`enter() needs an async context manager (an object with enter() and exit()), got ${repr(cm)}`);
  }
  return enterScope(cm);
}

function* enterScope<T>(cm: AsyncContextManager<T>): Coroutine<EnteredContext<T>> {
  const scope = new EnteredContext(cm, yield* cm.enter());
  const task = currentTask();
  if (task !== null) {
    scope._task = task;
    scope._watch = () => reportNeverExited(scope, task);
    task.addDoneCallback(scope._watch);
  }
  return scope;
}

function reportNeverExited(scope: EnteredContext<unknown>, task: Task<unknown>): void {
  task.getLoop().callExceptionHandler({
    message: `${repr(scope._cm)} was entered with enter() and never exited: exit every scope, \`catch (e) { yield* scope.exit(e); } finally { yield* scope.exit(); }\``,
    task,
  });
}
