// Step 5 — gather. CPython: Lib/asyncio/tasks.py (ensure_future, gather); tulip: lib/combinators.ts.
import { Future, type Coroutine } from './futures';
import { EventLoop, getRunningLoop } from './loop';
import { Task } from './tasks';

/** A future stays itself; a coroutine is wrapped in a Task, so it starts running. */
export function ensureFuture<T>(aw: Future<T> | Coroutine<T>, loop: EventLoop = getRunningLoop()): Future<T> {
  return aw instanceof Future ? aw : new Task(aw, loop);
}

/**
 * Runs every awaitable concurrently; the returned future gets their results
 * in argument order — or the first exception, while the others run on.
 */
export function gather<T>(aws: (Future<T> | Coroutine<T>)[]): Future<T[]> {
  const loop = getRunningLoop();
  const children = aws.map((aw) => ensureFuture(aw, loop));
  const outer = new Future<T[]>(loop);
  if (children.length === 0) outer.setResult([]);
  let finished = 0;
  const onChildDone = (child: Future<T>): void => {
    if (outer.done()) return; // decided already: by a failure, or by cancelling the outer future
    try {
      child.result();
    } catch (e) {
      outer.setException(e as Error); // a cancelled child fails it with CancelledError
      return;
    }
    if (++finished === children.length) outer.setResult(children.map((c) => c.result()));
  };
  for (const child of children) child.addDoneCallback(onChildDone);
  return outer;
}
