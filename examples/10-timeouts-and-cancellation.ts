/**
 * 10 — Timeouts and cancellation.
 *
 * After curio's tutorial story: a kid is building the Millennium Falcon in
 * Minecraft, and a parent wants to leave. Cancellation in asyncio is an
 * exception — CancelledError — thrown into the task at the `yield*` where it
 * waits. So cleanup goes in `finally`, a task that catches CancelledError
 * should re-throw it, and a task that swallows it has refused the
 * cancellation. Timeouts are built on cancellation:
 *  - `waitFor(aw, seconds)` cancels `aw` when time is up, waits for its
 *    cleanup, and throws TimeoutError;
 *  - `asyncWith(timeout(seconds), body)` (Python's `async with timeout()`)
 *    cancels the body's own task at the deadline and turns that
 *    CancelledError into TimeoutError on the way out; its deadline can be moved;
 *  - `shield(aw)` protects `aw` from the cancellation of whoever awaits it.
 *
 * Run: npx ts-node examples/10-timeouts-and-cancellation.ts [--trace] [--timeline]
 */
import {
  CancelledError,
  TimeoutError,
  asyncWith,
  createTask,
  getRunningLoop,
  shield,
  sleep,
  timeout,
  waitFor,
  type Coroutine,
} from '../lib';
import { describeError, heading, intro, runVirtual, say } from './_shared';

intro(
  '10 — timeouts and cancellation',
  'Cancellation is a CancelledError thrown in at the yield* where a task waits.',
);

function* kid(): Coroutine<string> {
  say('kid: building the Millennium Falcon in Minecraft');
  try {
    for (let block = 1; ; block++) {
      yield* sleep(1); // cancellation arrives here, as a thrown CancelledError
      if (block % 2 === 0) say(`kid: ${block} blocks placed`);
    }
  } catch (e) {
    if (e instanceof CancelledError) say(`kid: cancelled${e.message ? ` ("${e.message}")` : ''} — re-throwing, as a good task does`);
    throw e;
  } finally {
    say('kid: saving the world before leaving (finally runs)');
  }
}

function* stubbornKid(): Coroutine<string> {
  try {
    yield* sleep(10);
    return 'finished the Falcon';
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
    say('stubborn kid: caught CancelledError and... ignores it');
    return 'refused to stop';
  }
}

function* saveGame(): Coroutine<string> {
  say('save: writing the world to disk (3 s)');
  yield* sleep(3);
  say('save: done');
  return 'saved';
}

function* main(): Coroutine<void> {
  const loop = getRunningLoop();

  heading('1. task.cancel(msg): CancelledError at the kid\'s yield*');
  const k = createTask(kid(), { name: 'kid' });
  yield* sleep(4.5);
  say('parent: "We\'ve got to go!" — k.cancel(\'dinner is ready\')');
  k.cancel('dinner is ready');
  try {
    yield* k;
  } catch (e) {
    say(`parent: awaiting the kid threw ${describeError(e)}; k.cancelled() = ${k.cancelled()}`);
  }

  heading('2. A task that swallows CancelledError has refused to stop');
  const s = createTask(stubbornKid(), { name: 'stubborn' });
  yield* sleep(1);
  s.cancel();
  const answer = yield* s;
  say(`parent: result ${JSON.stringify(answer)}; s.cancelled() = ${s.cancelled()} — the cancel() was only a request`);

  heading('3. waitFor(aw, 3): cancel it when time is up, then TimeoutError');
  try {
    yield* waitFor(kid(), 3);
  } catch (e) {
    say(`parent: waitFor threw ${describeError(e)} — after the kid's cleanup had run`);
  }

  heading('4. asyncWith(timeout(2), body): the deadline can be moved');
  try {
    yield* asyncWith(timeout(2), function* (cm) {
      say(`body: deadline t=${cm.when()!.toFixed(3)}`);
      yield* sleep(1.5);
      cm.reschedule(loop.time() + 2); // "five more minutes!"
      say(`body: deadline moved to t=${cm.when()!.toFixed(3)}`);
      yield* sleep(10);
      say('body: never printed');
    });
  } catch (e) {
    say(`parent: ${describeError(e)}, at the moved deadline`);
  }

  heading('5. Nested timeouts: only the one that expired raises');
  yield* asyncWith(timeout(5), function* (outer) {
    try {
      yield* asyncWith(timeout(1), function* () {
        yield* sleep(3);
      });
    } catch (e) {
      say(`inner: ${describeError(e)} — caught inside; outer.expired() = ${outer.expired()}`);
    }
    yield* sleep(1);
    say('outer body finishes in time');
  });

  heading('6. shield: a timeout outside does not cancel what is inside');
  const save = createTask(saveGame(), { name: 'save' });
  try {
    yield* waitFor(shield(save), 1);
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    say('parent: gave up waiting after 1 s (TimeoutError), but the save goes on');
  }
  say(`parent: later, the save says ${JSON.stringify(yield* save)}`);
}

runVirtual(main());
