/**
 * 20 — An async generator pipeline: produce → transform → consume.
 *
 * An async generator is a coroutine that also produces values: inside
 * `asyncGenerator(function* …)`, `yield* sleep(…)` awaits as in any
 * coroutine, and `yield* emit(v)` hands `v` to whoever awaits `anext()`.
 * Generators stack into a pipeline — each stage iterates the one before it —
 * and nothing runs until the consumer asks for a value: the pipeline is pulled.
 *
 * Then the three ways a pipeline ends early, and who runs the `finally`
 * blocks (each of which awaits, to show that cleanup can await):
 *   1. the consumer closes it: `aclose()` (here through `cursor.close()`)
 *      — each stage's finally closes the stage before it;
 *   2. the consumer is cancelled (a timeout) while it waits in `anext()`:
 *      the CancelledError goes into the innermost stage's await and unwinds
 *      every stage on its way out;
 *   3. the consumer just stops (`break`) and forgets a generator: when the
 *      run ends, `run()` closes every async generator left unfinished
 *      (`loop.shutdownAsyncgens()`), as `asyncio.run()` does. (Close whole
 *      pipelines yourself, as in 1: the shutdown closes every stage at once,
 *      and a stage's finally closing its source while the shutdown does too
 *      is reported as "aclose(): asynchronous generator is already running"
 *      — in CPython as here.)
 *
 * Run: npx ts-node examples/20-async-generator-pipeline.ts [--trace] [--timeline]
 */
import {
  AsyncGenerator,
  StopAsyncIteration,
  TimeoutError,
  anext,
  asyncCursor,
  asyncFor,
  asyncGenerator,
  emit,
  sleep,
  waitFor,
  type Coroutine,
} from '../lib';
import { describeError, heading, intro, runVirtual, say } from './_shared';

intro(
  '20 — an async generator pipeline: produce → transform → consume',
  'readings() produces a sensor value every 0.5 s; smoothed() averages the last 3;',
  'alerts() keeps those over a threshold. Each stage is an async generator pulling from the one before.',
);

/** Stage 1, produce: a reading every 0.5 s from a (pretend) sensor connection. */
const readings = asyncGenerator(function* readings(sensor: string) {
  say(`  readings(${sensor}): connecting`);
  try {
    for (let i = 0; ; i++) {
      yield* sleep(0.5); // waiting for the sensor: an ordinary await
      const value = 20 + (i * (i + 1)) / 2;
      yield* emit(value); // Python: `yield value`
    }
  } finally {
    say(`  readings(${sensor}): closing the connection…`);
    yield* sleep(0.1); // cleanup may await
    say(`  readings(${sensor}): closed`);
  }
});

/** Stage 2, transform: the average of the last `n` readings. */
const smoothed = asyncGenerator(function* smoothed(source: AsyncGenerator<number>, n: number) {
  const window: number[] = [];
  try {
    // `async for x in source: … yield avg` — the block of asyncFor may emit for this generator.
    yield* asyncFor(source, function* (x) {
      window.push(x);
      if (window.length > n) window.shift();
      if (window.length === n) yield* emit(window.reduce((a, b) => a + b, 0) / n);
    });
  } finally {
    say('  smoothed: closing its source');
    yield* source.aclose(); // Python's `async with aclosing(source)`
  }
});

/** Stage 3, filter: only the values over `limit`. */
const alerts = asyncGenerator(function* alerts(source: AsyncGenerator<number>, limit: number) {
  try {
    for (;;) {
      const v = yield* anext(source, null); // null at the end
      if (v === null) return;
      if (v > limit) yield* emit(`ALERT ${v.toFixed(1)} > ${limit}`);
    }
  } finally {
    say('  alerts: closing its source');
    yield* source.aclose();
  }
});

function pipeline(sensor: string): AsyncGenerator<string> {
  return alerts(smoothed(readings(sensor), 3), 25);
}

function* closedByTheConsumer(): Coroutine<void> {
  heading('1. The consumer takes three alerts, then closes the pipeline');
  const p = pipeline('A');
  say('main: the pipeline is built — nothing has run yet (generators are lazy)');
  const c = asyncCursor(p);
  let taken = 0;
  while (yield* c.next()) {
    say(`main: got "${c.value}"`);
    if (++taken === 3) break; // a loop body can break (or return): asyncCursor is the loop, written out
  }
  say('main: close() — aclose() runs each stage\'s finally, outermost first');
  yield* c.close();
  say(`main: closed; anext() now: ${describeError(yield* endOf(p))}`);
}

function* cancelledInAnext(): Coroutine<void> {
  heading('2. A consumer that runs out of time while waiting in anext()');
  const p = pipeline('B');
  function* consume(): Coroutine<void> {
    yield* asyncFor(p, function* (alert) {
      say(`consumer: got "${alert}"`);
    });
  }
  try {
    yield* waitFor(consume(), 2.7);
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    say('main: TimeoutError — the cancellation went into readings()\'s sleep and unwound every stage');
  }
  say(`main: anext() now: ${describeError(yield* endOf(p))}`);
}

function* forgotten(): Coroutine<void> {
  heading('3. A consumer that breaks and forgets a generator');
  const c = asyncCursor(readings('C'));
  while (yield* c.next()) {
    say(`main: got ${c.value} — that is all we wanted; no close()`);
    break;
  }
  say('main: returns; run() will close what was left open, after main is done');
}

/** What anext() does now: a generator that ended says StopAsyncIteration. */
function* endOf(g: AsyncGenerator<string>): Coroutine<unknown> {
  try {
    return yield* g.anext();
  } catch (e) {
    if (e instanceof StopAsyncIteration) return e;
    throw e;
  }
}

function* main(): Coroutine<void> {
  yield* closedByTheConsumer();
  yield* cancelledInAnext();
  yield* forgotten();
  heading('After main: run() closes the async generators left unfinished');
}

runVirtual(main());
