/**
 * Context variables (CPython: contextvars, PEP 567): values that follow a
 * Task, and the callbacks it schedules, without being passed along.
 *
 * - A `ContextVar` is only a key. Its values live in contexts.
 * - A `Context` holds an immutable map from vars to values. `var.set()`
 *   gives the *current* context a new map (the old one is never changed),
 *   so copying a context is making a new holder for the same map: O(1), and
 *   what either side sets later does not show on the other.
 * - One context is current at a time (Python has one per thread; JavaScript
 *   has one thread). The loop switches it (lib/tasks.ts, lib/handles.ts):
 *   a Task runs every step in its own Context, copied when the task was
 *   created; a callback runs in a copy of the context that was current when
 *   it was scheduled, or in the Context it was given.
 *
 * "A copy of the context current when it was scheduled" costs nothing here
 * until it is used: scheduling keeps a pointer to the current map (the map
 * never changes, so the pointer is the copy), and running the callback makes
 * that map current *bare*, with no Context around it. Only if the callback
 * sets a variable is a Context made for it — and dropped when it returns,
 * exactly like Python's copy. Most callbacks never set one, so the loop's
 * hot paths allocate nothing for contexts.
 *
 * A Task's copy is made the same way: it keeps the bindings current at its
 * creation, its steps run them bare, and its Context is made only when it
 * is first needed — the task's code sets a variable, or someone asks for
 * `getContext()`. From then on the task keeps that Context, and every later
 * step enters it. Most tasks never set a variable: no Context per task (40
 * bytes of every sleeping task, M1 in bench/NOTES.md).
 */
import { LookupError, RuntimeError, ValueError } from './exceptions';
import { checkOptions } from './options';
import { repr } from './repr';

/** @internal The bindings of a context: a map that is never changed once made (a set makes a new one). */
export type Bindings = ReadonlyMap<ContextVar<unknown>, unknown>;

/** @internal What is current: a Context, or bare bindings — a copy not made yet (see the top of this file). */
export type CurrentContext = Context | Bindings;

const EMPTY: Bindings = new Map();

/**
 * contextvars.Context: a mapping from ContextVars to values, and a place to
 * run code in (`run`). `new Context()` is empty; `copyContext()` copies the
 * current one. Iterating a Context gives its ContextVars (Python's
 * `for var in ctx`), in the order they were first set.
 * @example
 * const requestId = new ContextVar<string>('requestId');
 * const ctx = new Context();
 * ctx.run(() => requestId.set('r1'));
 * ctx.get(requestId); // 'r1' — and outside, requestId still has no value
 */
export class Context implements Iterable<ContextVar<unknown>> {
  /** @internal */ _bindings: Bindings = EMPTY;
  /** @internal Current somewhere right now (in a `run`, a task's step or a callback): it cannot be entered twice. */
  _entered = false;

  constructor() {
    if (arguments.length > 0) throw new TypeError('Context() does not accept any arguments (copyContext() copies the current context)');
  }

  /**
   * Calls `fn(...args)` with this context current, and returns what it
   * returns: what `fn` sets stays in this context. A context is current in
   * one place at a time: running it again from inside, or while a task
   * runs in it, is `RuntimeError('cannot enter context: … is already entered')`.
   */
  run<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R {
    if (typeof fn !== 'function') throw new TypeError(`Context.run() needs a function, got ${repr(fn)}`);
    const outer = _enter(this);
    try {
      return fn(...args);
    } finally {
      _leave(this, outer);
    }
  }

  /** A new Context with the same values (Python's `ctx.copy()`); O(1). */
  copy(): Context {
    return contextOf(this._bindings);
  }

  /** The value of `v` in this context, else `fallback` (undefined when not given). */
  get<T>(v: ContextVar<T>): T | undefined;
  get<T, D>(v: ContextVar<T>, fallback: D): T | D;
  get<T, D>(v: ContextVar<T>, fallback?: D): T | D | undefined {
    checkKey(v);
    return this._bindings.has(v) ? (this._bindings.get(v) as T) : fallback;
  }

  /** Has `v` a value in this context (Python's `v in ctx`)? */
  has(v: ContextVar<unknown>): boolean {
    checkKey(v);
    return this._bindings.has(v);
  }

  /** How many variables have a value here (Python's `len(ctx)`). */
  get size(): number {
    return this._bindings.size;
  }

  /** The variables that have a value here (Python's `ctx.keys()`). */
  keys(): IterableIterator<ContextVar<unknown>> {
    return this._bindings.keys();
  }

  /** Their values (Python's `ctx.values()`). */
  values(): IterableIterator<unknown> {
    return this._bindings.values();
  }

  /** `[variable, value]` pairs (Python's `ctx.items()`). */
  entries(): IterableIterator<[ContextVar<unknown>, unknown]> {
    return this._bindings.entries();
  }

  /** `for (const v of ctx)`: the variables, as `keys()` (Python's `iter(ctx)`). */
  [Symbol.iterator](): IterableIterator<ContextVar<unknown>> {
    return this._bindings.keys();
  }

  toString(): string {
    const shown = [...this._bindings].slice(0, 5).map(([v, value]) => `${repr(v.name)}: ${repr(value)}`);
    if (this._bindings.size > 5) shown.push('…');
    return `<Context {${shown.join(', ')}}>`;
  }
}

function contextOf(bindings: Bindings): Context {
  const ctx = new Context();
  ctx._bindings = bindings;
  return ctx;
}

/** @internal Checks a `{ context }` option: a Context, or null/undefined for the default. */
export function _checkContextOption(context: unknown, api: string): Context | null {
  if (context == null) return null;
  if (!(context instanceof Context)) throw new TypeError(`${api}(): context must be a Context (copyContext(), task.getContext()…), got ${repr(context)}`);
  return context;
}

function checkKey(v: unknown): void {
  if (!(v instanceof ContextVar)) throw new TypeError(`a ContextVar key was expected, got ${repr(v)}`);
}

// ---- which context is current ----

/**
 * The context of code outside any task or callback (Python's per-thread
 * context): what a program's top level sets stays set there.
 */
const topLevel = new Context();
topLevel._entered = true;

let current: CurrentContext = topLevel;
/** The bindings of `current`, kept beside it so that reading them is one load (every callSoon and get reads them). */
let currentBindings: Bindings = EMPTY;

/**
 * @internal The current bindings — the "copy" a callback scheduled now
 * keeps (a pointer: bindings never change).
 */
export function _currentBindings(): Bindings {
  return currentBindings;
}

/** @internal What a Task keeps: its Context, or its bindings bare — a copy not made yet. */
export interface ContextOwner {
  _context: CurrentContext;
}

/**
 * The task whose bare bindings its running step made current (null in a
 * callback, and outside any step). A Context made for those bindings is
 * that task's from then on.
 */
let bareOwner: ContextOwner | null = null;

/**
 * The current Context, made now if the current bindings are bare: a
 * callback's first `set` (its copy, dropped when it returns: _leaveBare),
 * or a task step's (the task's Context for good).
 */
function currentContext(): Context {
  const c = current;
  if (c instanceof Context) return c;
  const owner = bareOwner;
  let made: Context;
  if (owner === null) {
    made = contextOf(currentBindings);
  } else if (owner._context instanceof Context) {
    made = owner._context; // made by getContext() inside a Context.run of this step: now current again
  } else {
    made = contextOf(currentBindings);
    owner._context = made;
  }
  made._entered = true;
  current = made;
  return made;
}

/**
 * @internal Makes the Context `ctx` current — around `Context.run`, a
 * task's step, a callback given a Context — and returns what was current,
 * for `_leave`. A Context is current in one place at a time.
 */
export function _enter(ctx: Context): CurrentContext {
  if (ctx._entered) throw new RuntimeError(`cannot enter context: ${ctx} is already entered`);
  ctx._entered = true;
  const outer = current;
  current = ctx;
  currentBindings = ctx._bindings;
  return outer;
}

/** @internal Undoes `_enter(ctx)`. */
export function _leave(ctx: Context, outer: CurrentContext): void {
  ctx._entered = false;
  current = outer;
  currentBindings = outer instanceof Context ? outer._bindings : outer;
}

/**
 * @internal Makes `bindings` current bare, around a callback: a copy of
 * the context they were taken from, not made unless the callback sets a
 * variable. Returns what was current, for `_leaveBare`.
 */
export function _enterBare(bindings: Bindings): CurrentContext {
  const outer = current;
  current = bindings;
  currentBindings = bindings;
  return outer;
}

/**
 * @internal Undoes `_enterBare`, given what it returned and the bindings
 * current before it. A Context that a `set` made meanwhile is dropped, as
 * Python drops a callback's copy.
 */
export function _leaveBare(outer: CurrentContext, outerBindings: Bindings): void {
  current = outer;
  currentBindings = outerBindings;
}

/**
 * @internal Makes a task's context current for one step: its Context, or
 * its bindings bare (see the top of this file). Returns what was current,
 * for `_leaveTask` with the bindings and the owner current before it
 * (`_currentBindings()`, `_bareOwner()`).
 */
export function _enterTask(task: ContextOwner): CurrentContext {
  const ctx = task._context;
  if (ctx instanceof Context) return _enter(ctx);
  const outer = current;
  current = ctx;
  currentBindings = ctx;
  bareOwner = task;
  return outer;
}

/** @internal Undoes `_enterTask`: a Context the step made (or entered) is left, and the task keeps it. */
export function _leaveTask(task: ContextOwner, outer: CurrentContext, outerBindings: Bindings, outerOwner: ContextOwner | null): void {
  const ctx = task._context;
  if (ctx instanceof Context) ctx._entered = false;
  current = outer;
  currentBindings = outerBindings;
  bareOwner = outerOwner;
}

/** @internal The task whose bare bindings are current (see `_enterTask`), to restore after a step. */
export function _bareOwner(): ContextOwner | null {
  return bareOwner;
}

/**
 * @internal A task's Context (`task.getContext()`), made now if the task
 * still has bare bindings. If its step is running with them current, the
 * new Context becomes current: what the step sets from then on goes into it.
 * (One case is not seen: asked from inside an eager task that the task's
 * step started, the Context is not marked entered, so `run()` on it works
 * there, where CPython would refuse; the step's later sets still go to it.)
 */
export function _contextOf(task: ContextOwner): Context {
  const c = task._context;
  if (c instanceof Context) return c;
  if (bareOwner === task) {
    if (current === c) return currentContext();
    // Its step is running, inside a Context.run (or an eager task's step): entered, as the step's context is.
    const made = contextOf(c);
    made._entered = true;
    task._context = made;
    return made;
  }
  return (task._context = contextOf(c));
}

/**
 * contextvars.copy_context: a new Context with the current context's
 * values — O(1), the map is shared until one side sets a variable.
 * @example
 * const ctx = copyContext();
 * loop.callSoonIn(ctx, report); // report runs in ctx itself, and what it sets stays there
 */
export function copyContext(): Context {
  return contextOf(_currentBindings());
}

// ---- variables and tokens ----

/** Options of `new ContextVar()`. */
export interface ContextVarOptions<T> {
  /** What `get()` returns when the variable has no value (without one, `get()` throws LookupError). */
  default?: T;
}

/**
 * contextvars.ContextVar: a variable whose value depends on the current
 * context — so each Task sees its own. `get()` with no value, no default and
 * no fallback throws `LookupError`.
 * @example
 * const requestId = new ContextVar<string>('requestId', { default: '-' });
 * function log(msg: string): void { console.log(`[${requestId.get()}] ${msg}`); }
 * function* handle(id: string): Coroutine<void> {
 *   requestId.set(id); // only this task's context changes
 *   yield* sleep(1);
 *   log('done');       // [<id>] done, whatever other tasks set meanwhile
 * }
 */
export class ContextVar<T = unknown> {
  readonly name: string;
  /** @internal */ readonly _hasDefault: boolean;
  /** @internal */ readonly _default: T | undefined;

  constructor(name: string, options?: ContextVarOptions<T>) {
    if (typeof name !== 'string') throw new TypeError('context variable name must be a str');
    const opts = checkOptions<ContextVarOptions<T>>('ContextVar', options, ['default']);
    this.name = name;
    this._hasDefault = 'default' in opts; // { default: undefined } is a default too
    this._default = opts.default;
  }

  /**
   * The value in the current context; else `fallback` if given; else the
   * variable's default; else `LookupError`.
   */
  get(): T;
  get<D>(fallback: D): T | D;
  get<D>(fallback?: D): T | D {
    const bindings = currentBindings;
    const value = bindings.get(this);
    if (value !== undefined || bindings.has(this)) return value as T;
    if (arguments.length > 0) return fallback as D;
    if (this._hasDefault) return this._default as T;
    throw new LookupError(String(this)); // CPython: LookupError(<ContextVar name='…'>)
  }

  /**
   * Sets the value in the current context (only there: another task's
   * context, or a copy made earlier, keeps its own). Returns a Token that
   * `reset` takes to restore the value before.
   */
  set(value: T): Token<T> {
    const ctx = currentContext();
    const before = ctx._bindings;
    const oldValue = before.has(this) ? (before.get(this) as T) : MISSING;
    const after = new Map(before); // a new map: copies of this context keep the old one
    after.set(this, value);
    ctx._bindings = after;
    currentBindings = after; // ctx is current
    return new Token(ctx, this, oldValue);
  }

  /**
   * Restores the value the variable had before the `set` that made `token`
   * (no value at all, if it had none). A token works once, for its own
   * variable, in the context it was made in: else `RuntimeError('… has
   * already been used once')`, `ValueError('… was created by a different
   * ContextVar')`, `ValueError('… was created in a different Context')`.
   */
  reset(token: Token<T>): void {
    if (!(token instanceof Token)) throw new TypeError(`expected an instance of Token, got ${repr(token)}`);
    if (token._used) throw new RuntimeError(`${token} has already been used once`);
    if (token.var !== this) throw new ValueError(`${token} was created by a different ContextVar`);
    const ctx = token._context;
    if (current !== ctx) throw new ValueError(`${token} was created in a different Context`);
    token._used = true;
    const after = new Map(ctx._bindings);
    if (token.oldValue === MISSING) after.delete(this);
    else after.set(this, token.oldValue);
    ctx._bindings = after;
    currentBindings = after; // ctx is current
  }

  toString(): string {
    return `<ContextVar name=${repr(this.name)}${this._hasDefault ? ` default=${repr(this._default)}` : ''}>`;
  }
}

/** The type of `Token.MISSING`: a symbol of its own, so `oldValue === Token.MISSING` narrows. */
export type Missing = symbol & { readonly __tokenMissing: true };

const MISSING = Symbol('Token.MISSING') as Missing;

/**
 * contextvars.Token: what `ContextVar.set` returns; `var.reset(token)` puts
 * back `token.oldValue` — `Token.MISSING` when the variable had no value.
 * @example
 * const token = requestId.set('r2');
 * try { yield* work(); } finally { requestId.reset(token); }
 */
export class Token<T = unknown> {
  /** The `oldValue` of a token whose variable had no value before the set. */
  static readonly MISSING: Missing = MISSING;
  /** The variable that was set. */
  readonly var: ContextVar<T>;
  /** Its value before the set, or `Token.MISSING`. */
  readonly oldValue: T | Missing;
  /** @internal The context the set was made in. */ readonly _context: Context;
  /** @internal */ _used = false;

  /** @internal Made by `ContextVar.set` only. */
  constructor(context: Context, v: ContextVar<T>, oldValue: T | Missing) {
    this._context = context;
    this.var = v;
    this.oldValue = oldValue;
  }

  toString(): string {
    return `<Token${this._used ? ' used' : ''} var=${this.var}>`;
  }
}
