/**
 * A Task's own stack of `coroutine()` frames (see lib/coroutines.ts).
 *
 * With plain `yield*`, V8 resumes a suspended task by walking through every
 * delegating generator. A `coroutine()` call is different: `yield* call`
 * yields the call itself to the Task, which starts its generator as a new
 * frame here, on top of the frame that awaited it. From then on only the top
 * frame is resumed, whatever the depth:
 *   - when the top frame returns, its value is sent into the frame below —
 *     that is what `yield* call` evaluates to;
 *   - when it throws, the error is thrown into the frame below, at its
 *     `yield* call`;
 *   - when it yields anything else (a Future, a bare yield, a mistake), the
 *     stack stops there and hands the value to the Task.
 * So to the Task the whole stack behaves like one generator: `resume()`
 * answers exactly as `gen.next()` / `gen.throw()` of a plain coroutine would.
 */
import { CoroutineCall } from './coroutines';
import { explainLostThrow } from './bad-yields';

type Gen = Generator<unknown, unknown, unknown>;

/** True for a `coroutine()` call yielded through `yield*` (a plain `yield call` is a mistake the Task reports). */
export function isAwaitedCall(value: unknown): value is CoroutineCall<unknown> {
  return value instanceof CoroutineCall && value._awaited;
}

/** @internal The frames of one Task, bottom (the coroutine the task was made with) to top. */
export class FrameStack {
  /** The frame that runs now. */
  private top: Gen;
  /** The frames below `top`, outermost first: each is suspended at a `yield* call`. */
  private readonly below: Gen[] = [];
  /** The `coroutine()` calls on the stack, outermost first (what `task.getStack()` lists). */
  readonly calls: CoroutineCall<unknown>[];

  /** `base`: the task's generator; `call`: the coroutine() call it came from, if the task was made from one. */
  constructor(base: Gen, call: CoroutineCall<unknown> | null) {
    this.top = base;
    this.calls = call === null ? [] : [call];
  }

  /** The top frame yielded `call` (`yield* call`): run it as a new frame on top. */
  enter(call: CoroutineCall<unknown>): IteratorResult<unknown, unknown> {
    try {
      this.push(call);
    } catch (e) {
      return this.resume(true, e); // e.g. a call awaited twice: raised in the frame that awaited it
    }
    return this.resume(false, undefined);
  }

  /**
   * Sends `undefined` into the top frame (or throws `exc` into it), then runs
   * frames until one suspends on something that is not a `coroutine()` call,
   * or the bottom frame returns or throws.
   */
  resume(hasExc: boolean, exc: unknown): IteratorResult<unknown, unknown> {
    let value: unknown = undefined;
    for (;;) {
      let r: IteratorResult<unknown, unknown>;
      try {
        r = hasExc ? this.top.throw(exc) : this.top.next(value);
      } catch (e) {
        if (this.below.length === 0) throw e; // the bottom frame raised: the task's exception
        this.pop(); // the error propagates into the calling frame
        exc = hasExc ? explainLostThrow(exc, e) : e;
        hasExc = true;
        continue;
      }
      if (r.done) {
        if (this.below.length === 0) return r; // the bottom frame returned: the task's result
        this.pop();
        hasExc = false;
        value = r.value; // what `yield* call` evaluates to in the calling frame
        continue;
      }
      if (!isAwaitedCall(r.value)) return r; // a Future, a bare yield or a mistake: the Task's business
      try {
        this.push(r.value);
        hasExc = false;
      } catch (e) {
        hasExc = true;
        exc = e;
      }
      value = undefined;
    }
  }

  private push(call: CoroutineCall<unknown>): void {
    const gen = call._start(); // throws if the call was awaited before: nothing is pushed then
    this.below.push(this.top);
    this.calls.push(call);
    this.top = gen;
  }

  private pop(): void {
    this.calls.pop();
    this.top = this.below.pop() as Gen;
  }
}
