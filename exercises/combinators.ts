// Step 5 — gather.  npm run exercise -- 5
// The real thing: lib/combinators.ts; CPython's Lib/asyncio/tasks.py (ensure_future, gather).
//
// Nothing new in the machinery: gather is made of a Future and done
// callbacks — what steps 1 to 4 built. One outer future waits for all the
// children; whoever does `yield* gather([...])` waits for the outer one.
import { Future, type Coroutine } from './futures';
import { EventLoop, getRunningLoop } from './loop';
import { Task } from './tasks';

/**
 * asyncio.ensure_future. Rules: a Future is returned as it is (the same
 * object); a coroutine is wrapped in a new Task on `loop`, so it starts running.
 */
export function ensureFuture<T>(aw: Future<T> | Coroutine<T>, loop: EventLoop = getRunningLoop()): Future<T> {
  throw new Error('TODO: step 5 — ensureFuture');
}

/**
 * asyncio.gather. Rules:
 * - every awaitable goes through ensureFuture, so all of them run concurrently;
 * - return one new Future (the "outer" one) at once — gather itself never waits;
 * - when every child has a result, the outer future's result is the array of
 *   results in the order of `aws` — not the order they finished in;
 * - the first child that fails (or is cancelled: its result() throws a
 *   CancelledError) makes that error the outer future's exception; the other
 *   children are left running, and their outcomes no longer change anything;
 * - gather([]) returns a future that is already done, with [].
 * (CPython also cancels the children when the outer future is cancelled;
 * this miniature leaves that out.)
 */
export function gather<T>(aws: (Future<T> | Coroutine<T>)[]): Future<T[]> {
  throw new Error('TODO: step 5 — gather');
}
