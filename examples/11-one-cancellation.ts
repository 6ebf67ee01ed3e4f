/**
 * 11 — One cancellation, followed through the machine.
 *
 * Example 10 showed what cancellation does; this one shows how it travels
 * (docs/internals.md, "Cancellation: down the chain, then back up"):
 *  - `task.cancel()` goes *down* at once: a task that waits on a future
 *    (its `_futWaiter`) cancels that future, and if the future is itself a
 *    task, that task cancels what *it* waits on, and so on, all inside the
 *    one `cancel()` call. Nothing runs yet; every task just says "cancelling".
 *  - Then `CancelledError` climbs back *up*: the innermost future's done
 *    callbacks wake the innermost task, the error is thrown in at its
 *    `yield*`, passes through every frame of that coroutine (its `finally`
 *    blocks run), and the task ends cancelled — which wakes the task that
 *    awaited it, one loop iteration later. One iteration per task.
 *  - A task that waits on nothing (ready, or not started) cannot be reached
 *    that way: it keeps the request (`_mustCancel`) for its next step. A
 *    request that comes after the awaited future finished wins over its
 *    result; one made just before the coroutine returns wins over the return.
 *  - `cancelling()` counts requests and `uncancel()` takes one back: that is
 *    how `timeout()` and `TaskGroup` tell their own cancellation from one
 *    that came from outside — and why a `catch` must re-throw.
 * The lines `· iteration N` come from a callback that reschedules itself:
 * it runs first in every loop iteration, so it shows where one ends.
 *
 * Run: npx ts-node examples/11-one-cancellation.ts [--trace] [--timeline]
 */
import {
  CancelledError,
  ExceptionGroup,
  TaskGroup,
  asyncWith,
  createTask,
  currentTask,
  getRunningLoop,
  sleep,
  timeout,
  type Coroutine,
  type Task,
} from '../lib';
import { describeError, heading, intro, runVirtual, say } from './_shared';

intro(
  '11 — one cancellation, followed through the machine',
  'cancel() travels down the chain of awaited futures at once; CancelledError climbs back up, one task per loop iteration.',
);

/** Prints `· iteration N` at the start of the next `count` loop iterations. */
function markIterations(count: number): void {
  const loop = getRunningLoop();
  let n = 0;
  const tick = (): void => {
    say(`· iteration ${++n}`);
    if (n < count) loop.callSoon(tick);
  };
  loop.callSoon(tick);
}

// ---------------------------------------------------------------------------
// 1 and 2. A chain of three tasks: top awaits middle, middle awaits bottom,
// and bottom is two frames deep in a sleep.

function* save(): Coroutine<void> {
  try {
    yield* sleep(10); // ← where bottom waits: the innermost frame
  } finally {
    say('    bottom/save(): finally — the innermost frame cleans up first');
  }
}

function* bottom(): Coroutine<string> {
  try {
    yield* save();
    return 'bottom finished';
  } finally {
    say('    bottom(): finally — the same step, one frame up');
  }
}

/** A task that awaits another and, when cancelled, says so and re-throws. */
function* awaiting(name: string, inner: Task<string>): Coroutine<string> {
  try {
    return yield* inner;
  } catch (e) {
    if (e instanceof CancelledError) say(`    ${name}(): caught ${describeError(e)} at yield* ${inner.getName()} — re-throws it`);
    throw e;
  }
}

function* chain(): Coroutine<void> {
  heading('1. cancel() travels down the chain, all at once');
  const b = createTask(bottom(), { name: 'bottom' });
  const m = createTask(awaiting('middle', b), { name: 'middle' });
  const t = createTask(awaiting('top', m), { name: 'top' });
  yield* sleep(1); // let all three reach their yield*
  for (const task of [t, m, b]) say(`${task}`);
  markIterations(4); // scheduled before cancel(), so it runs first in each iteration
  say("main: t.cancel('closing time')");
  say(`main: cancel() returned ${t.cancel('closing time')}; before anything else runs:`);
  for (const task of [t, m, b]) say(`  ${task.getName().padEnd(6)} cancelling() = ${task.cancelling()}, done() = ${task.done()}`);
  say('  top cancelled middle (its _futWaiter), middle cancelled bottom, bottom cancelled its sleep future:');
  say(`  ${b}`);

  heading('2. CancelledError climbs back up, one task per iteration');
  try {
    yield* t;
  } catch (e) {
    say(`main: yield* top threw ${describeError(e)} — the message came all the way up`);
  }
  for (const task of [t, m, b]) say(`  ${task.getName().padEnd(6)} cancelled() = ${task.cancelled()}`);
}

// ---------------------------------------------------------------------------
// 3. Tasks that wait on nothing: the request waits for their next step.

function* neverStarted(): Coroutine<void> {
  try {
    say('    never printed: the body does not run at all');
    yield* sleep(1);
  } finally {
    say('    never printed either: a generator that never started has no finally to run');
  }
}

function* reader(fut: ReturnType<typeof makeFuture>): Coroutine<void> {
  try {
    const data = yield* fut;
    say(`    reader: got ${JSON.stringify(data)}`);
  } catch (e) {
    say(`    reader: ${describeError(e)}, although the future holds ${JSON.stringify(fut.result())}`);
    throw e;
  }
}

function makeFuture() {
  return getRunningLoop().createFuture<string>();
}

function* quitter(): Coroutine<string> {
  currentTask()!.cancel('changed my mind'); // nothing to cancel below: the request is kept
  say('    quitter: cancelled itself, and returns a value in the same step');
  return 'a result nobody will see';
}

function* notWaiting(): Coroutine<void> {
  heading('3. A task that waits on nothing keeps the request for its next step');
  const n = createTask(neverStarted(), { name: 'never-started' });
  say(`main: cancelling a task before its first step: cancel() = ${n.cancel()}`);
  yield* sleep(0);
  say(`main: ${n}: its first step threw CancelledError into a generator that had not started`);

  const fut = makeFuture();
  const r = createTask(reader(fut), { name: 'reader' });
  yield* sleep(1);
  fut.setResult('the data'); // schedules reader's wakeup…
  say(`main: fut.setResult('the data'), then at once r.cancel() = ${r.cancel()}`);
  say(`       (fut is done, so fut.cancel() refused; the request waits in r._mustCancel = ${r._mustCancel})`);
  yield* sleep(0);
  say(`main: ${r} — the cancellation won over the result`);

  const q = createTask(quitter(), { name: 'quitter' });
  yield* sleep(0);
  say(`main: ${q} — cancelled right before it returned: the cancellation wins`);
}

// ---------------------------------------------------------------------------
// 4. cancelling() and uncancel(): whose cancellation is it?

function* counting(): Coroutine<void> {
  heading('4. cancelling() counts requests; timeout() takes its own back with uncancel()');
  const loop = getRunningLoop();
  const me = currentTask()!;
  try {
    yield* asyncWith(timeout(1), function* () {
      try {
        yield* sleep(5);
      } catch (e) {
        say(`    body: ${describeError(e)} at the deadline; cancelling() = ${me.cancelling()}`);
        throw e;
      }
    });
  } catch (e) {
    say(`main: the block threw ${describeError(e)}; cancelling() = ${me.cancelling()} — the timeout called uncancel()`);
  }

  const w = createTask(
    (function* worker(): Coroutine<void> {
      const self = currentTask()!;
      try {
        yield* asyncWith(timeout(5), function* () {
          yield* sleep(10);
        });
      } catch (e) {
        say(`    worker: ${describeError(e)} inside timeout(5); cancelling() = ${self.cancelling()} — not the timeout's: it passes`);
        throw e;
      }
    })(),
    { name: 'worker' },
  );
  loop.callLater(1, () => w.cancel()); // from outside, long before the timeout's deadline
  try {
    yield* w;
  } catch (e) {
    say(`main: worker ended with ${describeError(e)}; worker.cancelled() = ${w.cancelled()}`);
  }

  heading('5. Why a catch must re-throw: a swallowed cancellation breaks the timeout above it');
  const started = loop.time();
  yield* asyncWith(timeout(1), function* () {
    try {
      yield* sleep(3);
    } catch (e) {
      say(`    body: caught ${describeError(e)} and carries on (the mistake)`);
    }
    yield* sleep(2);
  });
  say(`main: timeout(1) ended after ${loop.time() - started} s, without a TimeoutError (docs/mistakes.md §4)`);
}

// ---------------------------------------------------------------------------
// 6. The same machinery inside a TaskGroup.

function* slow(): Coroutine<void> {
  try {
    yield* sleep(10);
  } finally {
    say('    slow: finally (cancelled by its group)');
  }
}

function* failing(): Coroutine<void> {
  yield* sleep(1);
  say('    failing: throws');
  throw new Error('disk full');
}

function* groups(): Coroutine<void> {
  heading('6. TaskGroup: a failure cancels the siblings and the body, then takes the body\'s cancellation back');
  const me = currentTask()!;
  try {
    yield* asyncWith(new TaskGroup(), function* (tg) {
      tg.createTask(slow(), { name: 'slow' });
      tg.createTask(failing(), { name: 'failing' });
      try {
        yield* sleep(5);
      } catch (e) {
        say(`    body: ${describeError(e)} (the group cancelled it); cancelling() = ${me.cancelling()}`);
        throw e;
      }
    });
  } catch (e) {
    const errors = e instanceof ExceptionGroup ? e.exceptions.map(describeError).join(', ') : '';
    say(`main: ${describeError(e).split(' (')[0]} [${errors}]; cancelling() = ${me.cancelling()} — the group called uncancel()`);
  }

  heading('7. TaskGroup cancelled from outside: the children go, the cancellation stays');
  const parent = createTask(
    asyncWith(new TaskGroup(), function* (tg) {
      tg.createTask(slow(), { name: 'slow' });
      yield* sleep(5);
    }),
    { name: 'parent' },
  );
  yield* sleep(1);
  say('main: parent.cancel()');
  parent.cancel();
  try {
    yield* parent;
  } catch (e) {
    say(`main: parent ended with ${describeError(e)}; cancelling() = ${parent.cancelling()}, cancelled() = ${parent.cancelled()}`);
  }
}

function* main(): Coroutine<void> {
  yield* chain();
  yield* notWaiting();
  yield* counting();
  yield* groups();
}

runVirtual(main());
