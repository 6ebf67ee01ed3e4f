/**
 * Specimens: one live object of each of the loop's hot classes, kept for
 * the life of the process. Nothing here changes what a program does; it
 * changes how fast the engine runs it after a lull.
 *
 * Why. V8 compiles hot functions (the loop's `_runReady`, a Task's step, a
 * Future's `_scheduleCallbacks`…) into optimised code that checks the
 * hidden classes ("maps") of the objects it meets — Handle, Task, Future…
 * — and holds those maps weakly. A map lives as long as some object has
 * it. When a program's last Task, Future and Handle are garbage and a full
 * collection comes — one `runSync()` has ended and the next has not begun,
 * or a server fell idle between bursts — the maps are collected, and V8
 * throws away every optimised function that used them (`--trace-deopt`:
 * "marking dependent code for deoptimization, reason: weak objects"). The
 * next burst of work then starts over in the interpreter and must be
 * optimised again. Promises do not have this problem (their maps are the
 * engine's own), and CPython has no JIT to lose.
 *
 * So the first time any loop runs, a loop of its own is set up here and run
 * until its tasks park — a task waiting on a Future, one sleeping in a
 * `coroutine()` frame, a held Lock with a waiter, a Queue getter, a gather of
 * two sleepers, a ready Handle — and is then never run again. That is a few
 * kilobytes, once per process. Measured (bench/NOTES.md, "Specimens"): with
 * a full collection before every run, as the benchmark's rules ask, W2
 * (task switches) ran 7.1M → 10.9M switches/s and W7 (a contended Lock)
 * 0.77M → 1.9M acquisitions/s.
 *
 * The specimen tasks are named, so they take no number from the default
 * `Task-<n>` names; the specimen loop has no instruments, and no other
 * loop's `allTasks()` sees its tasks.
 */
import { EventLoop } from './loop';
import { Future, type Coroutine } from './futures';
import { Task } from './tasks';
import { sleep } from './sleep';
import { coroutine } from './coroutines';
import { gather } from './combinators';
import { Lock } from './locks';
import { Queue } from './queues';

const DAY = 86400;

let specimens: readonly unknown[] | null = null;

/**
 * @internal Makes the specimens, once per process; called as a loop starts
 * running (lib/loop.ts), when no loop is running yet.
 */
export function keepSpecimens(): void {
  if (specimens !== null) return;
  specimens = []; // before the run below, whose own start calls here again
  const loop = new EventLoop();
  const kept: unknown[] = [];
  loop.runUntilComplete(new Task(parkSpecimens(loop, kept), { loop, name: 'specimens' }));
  loop.callSoon(nothing); // a Handle waiting in the ready deque
  kept.push(loop, sleep(0)); // the loop holds its parked tasks; sleep(0)'s coroutine object is one more class
  specimens = kept;
}

/** @internal For the benchmark's comparison only: make no specimens in this process. */
export function _forgoSpecimens(): void {
  if (specimens === null) specimens = [];
}

function nothing(): void {}

function* parkSpecimens(loop: EventLoop, kept: unknown[]): Coroutine<void> {
  const task = (coro: Coroutine<unknown> | ReturnType<typeof inFrame>, name: string) => new Task(coro, { loop, name: `specimen: ${name}` });
  task(waitOn(loop.createFuture<void>()), 'waits on a Future');
  task(inFrame(), 'sleeps in a coroutine() frame');
  const lock = new Lock();
  task(holdForADay(lock), 'holds a Lock');
  task(holdForADay(lock), 'waits for the Lock');
  const queue = new Queue<number>(1);
  task(getOne(queue), 'waits on an empty Queue');
  kept.push(lock, queue, gather([task(sleep(DAY), 'gathered 1'), task(sleep(DAY), 'gathered 2')]));
  yield* sleep(0); // one iteration: every task above takes its first step and parks
  yield* sleep(0);
}

function* waitOn(fut: Future<void>): Coroutine<void> {
  yield* fut;
}

const inFrame = coroutine(function* specimenFrame(): Coroutine<void> {
  yield* sleep(DAY);
});

function* holdForADay(lock: Lock): Coroutine<void> {
  yield* lock.acquire();
  yield* sleep(DAY);
}

function* getOne(queue: Queue<number>): Coroutine<void> {
  yield* queue.get();
}
