/**
 * Bad yields: what a coroutine must not yield to its Task, and the errors
 * that say so.
 *
 * A Task accepts two things from its coroutine: a Future handed over by
 * `yield* fut` (wait for it) and `undefined` (a bare `yield`: give up the
 * loop for one iteration). Anything else is a mistake. As in CPython's
 * `Task.__step_run_and_handle_result`, the Task throws a RuntimeError back
 * into the coroutine at its next step, so the error points at the line that
 * made the mistake; the message names the mistake and what to write instead.
 */
import { RuntimeError } from './exceptions';
import { Future } from './futures';
import { CoroutineCall, isGenerator } from './coroutines';
import { repr } from './repr';
import type { Task } from './tasks';

/** The RuntimeError for a value `task`'s coroutine should not have yielded (every case but a blocking Future of the task's loop and `undefined`). */
export function badYieldError(task: Task<unknown>, y: unknown): RuntimeError {
  if (y instanceof Future) {
    if (y.getLoop() !== task.getLoop()) return new RuntimeError(`Task ${task} got Future ${y} attached to a different loop`);
    // Only Future[Symbol.iterator] sets the flag: it was not yielded by `yield*`.
    if (!y._asyncioFutureBlocking) return new RuntimeError(`yield was used instead of yield* in task ${task} with ${y}: write \`yield* fut\` to wait for a future`);
    return new RuntimeError(`Task cannot await on itself: ${task}`);
  }
  if (y instanceof CoroutineCall) return new RuntimeError(`yield was used instead of yield* in task ${task} with ${y}: write \`yield* ${y.name}(…)\``);
  if (isGenerator(y)) return new RuntimeError(`yield was used instead of yield* for generator in task ${task} with ${repr(y)}: write \`yield* coro\` to await a coroutine`);
  if (y !== null && typeof (y as { then?: unknown }).then === 'function') {
    // A Promise settles outside the loop: say how to wait for one.
    return new RuntimeError('Task got bad yield: <Promise>: a Promise cannot be yielded; wait for it with `yield* fromPromise(promise)`');
  }
  return new RuntimeError(`Task got bad yield: ${repr(y)}`);
}

/** V8's words when `gen.throw()` reaches a `yield*` whose iterator has no throw(). */
const NO_THROW_METHOD = /iterator does not provide a 'throw' method/;

/**
 * What to raise when `thrown` was thrown into a coroutine and `raised` came
 * out. Usually `raised` itself. One case needs telling: `yield* [1, 2, 3]`
 * (an Array, a Set, a string — an iterable that is not a generator) hands
 * its items to the Task one by one. The first one is a bad yield, so the
 * Task throws its RuntimeError in; but an array's iterator has no throw(),
 * so V8 closes it and raises "The iterator does not provide a 'throw'
 * method" at the `yield*` instead — which says nothing about the mistake.
 * (In Python, `yield from [1, 2, 3]` gets the Task's "Task got bad yield: 1".)
 */
export function explainLostThrow(thrown: unknown, raised: unknown): unknown {
  if (raised === thrown || !(raised instanceof TypeError) || !NO_THROW_METHOD.test(raised.message)) return raised;
  const what = thrown instanceof RuntimeError ? `${thrown.message}.` : `${repr(thrown)} could not be thrown into the coroutine.`;
  return new RuntimeError(
    `${what} It came from \`yield*\` over an iterable that is not a coroutine (an Array, a Set, a string…): ` +
      '`yield*` hands its items to the Task one by one, and only a Future or a coroutine can be awaited. ' +
      'Write `yield* gather(...items)` to wait for several awaitables, or `for (const x of items)` to loop over values.',
    { cause: raised },
  );
}
