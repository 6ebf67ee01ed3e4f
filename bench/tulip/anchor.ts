/**
 * Keeps one live object of each of tulip's hot classes for the life of the
 * benchmark process, on a loop of its own that is never run again.
 *
 * Why: V8's optimised code refers to the hidden classes ("maps") of the
 * objects it handles, and holds them weakly. A map lives as long as some
 * object has it. Between two runs of a workload every Handle, Task, Future…
 * of the previous run is garbage, so the full GC the rules ask for
 * before each run collects their maps too — and V8 throws away all the
 * optimised code that used them ("marking dependent code … for
 * deoptimization, reason: weak objects" under --trace-deopt: 35 such
 * deoptimisations in 30 runs of W3, 0 once one Handle stays alive). Every
 * timed run then starts cold, in the interpreter. A real program never pays
 * this: while it runs, some Handle, Task and Future always exist. Native
 * async/await does not pay it either (promises have built-in maps) and
 * CPython has no JIT, so without the anchor the comparison would charge
 * tulip alone for an artefact of the method.
 */
import { EventLoop, Lock, Queue, coroutine, createTask, gather, sleep, type Coroutine } from '../../lib';

const anchors: unknown[] = [];

function* parkedOnFuture(loop: EventLoop): Coroutine<void> {
  yield* loop.createFuture<void>(); // a Task waiting on a Future, forever
}

const frame = coroutine(function* anchorFrame(): Coroutine<void> {
  yield* sleep(3600); // a coroutine() frame parked on a timer
});

function* holdLock(lock: Lock): Coroutine<void> {
  yield* lock.acquire();
  yield* sleep(3600);
}

function* anchorMain(loop: EventLoop): Coroutine<void> {
  createTask(parkedOnFuture(loop));
  createTask(frame());
  // Parts other issues provide are anchored when they exist.
  if (typeof Lock === 'function') {
    const lock = new Lock();
    createTask(holdLock(lock));
    createTask(holdLock(lock)); // waits for the lock
    anchors.push(lock);
  }
  if (typeof Queue === 'function') {
    const q = new Queue<number>(1);
    createTask((function* () {
      yield* q.get(); // a getter waiting on an empty queue
    })());
    anchors.push(q);
  }
  if (typeof gather === 'function') anchors.push(gather([createTask(sleep(3600)), createTask(sleep(3600))]));
  yield* sleep(0); // one iteration: everything above parks
  yield* sleep(0);
}

/** Builds the anchor once per process (before any measurement, outside every timed region). */
export function anchorMaps(): void {
  if (anchors.length > 0) return;
  const loop = new EventLoop({ clock: 'virtual' });
  loop.runUntilComplete(anchorMain(loop));
  loop.callSoon(() => {}); // a pending Handle (the timers above are pending TimerHandles)
  anchors.push(loop);
}
