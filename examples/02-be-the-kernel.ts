/**
 * 02 — Be the kernel.
 *
 * Before letting a loop drive coroutines, drive one yourself (the trick of
 * curio's developer guide). A coroutine that does `yield* fut` hands the
 * Future itself up to whoever called `next()`; that caller — you, here — does
 * whatever the future stands for, sets its result, and resumes the coroutine.
 * No event loop runs in this file. At the end we automate what we did by hand
 * into a 30-line kernel with a clock and a sleeping list: that is what
 * tulip's Task and EventLoop do, in the large.
 *
 * Run: npx ts-node examples/02-be-the-kernel.ts
 */
import { EventLoop, Future, type Coroutine } from '../lib';
import { describeError, flags, heading, intro } from './_shared';

intro(
  '02 — be the kernel',
  'A coroutine waits by yielding a Future to its driver. Here you are the driver:',
  'take the Future, set its result, call next(). No event loop is running.',
);

// Futures belong to a loop (it is who runs their callbacks). This one never
// runs: we only need an owner for the futures we create by hand.
const owner = new EventLoop({ clock: 'virtual' });

// ---------------------------------------------------------------------------
heading('1. A coroutine yields the Future it waits for');

function* greet(nameFuture: Future<string>): Coroutine<string> {
  console.log('  coroutine: asking for a name, then waiting with `yield* nameFuture`');
  const name = yield* nameFuture; // Future[Symbol.iterator] yields the future, then returns its result
  console.log(`  coroutine: resumed; the yield* evaluated to ${JSON.stringify(name)}`);
  return `Hello, ${name}!`;
}

const nameFuture = new Future<string>({ loop: owner });
const coro = greet(nameFuture);
let r = coro.next();
console.log(`  kernel: next() returned { value: ${r.value}, done: ${r.done} }`);
console.log(`  kernel: is that value our future? ${r.value === (nameFuture as unknown)}`);
console.log('  kernel: ... doing what the future stands for (asking the user) ...');
nameFuture.setResult('Ada');
console.log(`  kernel: setResult('Ada'); the future is now ${nameFuture}`);
r = coro.next();
console.log(`  kernel: next() returned { value: ${JSON.stringify(r.value)}, done: ${r.done} }`);

// ---------------------------------------------------------------------------
heading('2. Resuming too early is a driver bug, and the future says so');

const early = new Future<string>({ loop: owner });
const coro2 = greet(early);
coro2.next();
try {
  coro2.next(); // the future is still pending
} catch (e) {
  console.log(`  kernel: next() before the result was set threw ${describeError(e)}`);
  console.log('  (a Task never does this: it resumes a coroutine only from the future\'s done callback)');
}

// ---------------------------------------------------------------------------
heading('3. A failed future raises inside the coroutine, where the yield* is');

function* careful(f: Future<number>): Coroutine<string> {
  try {
    const n = yield* f;
    return `got ${n}`;
  } catch (e) {
    console.log(`  coroutine: caught ${describeError(e)} at its yield*`);
    return 'recovered';
  }
}
const failing = new Future<number>({ loop: owner });
const coro3 = careful(failing);
coro3.next();
failing.setException(new Error('disk on fire'));
console.log('  kernel: setException(new Error(\'disk on fire\')), then next()');
r = coro3.next(); // the Future's iterator calls result(), which throws the exception
console.log(`  kernel: next() returned { value: ${JSON.stringify(r.value)}, done: ${r.done} }`);

// ---------------------------------------------------------------------------
heading('4. Automate it: a tiny kernel with a clock and a sleeping list');
// A SleepRequest is a Future that also says how long to wait: a "trap", in
// curio's words — a request from the coroutine to the kernel.

class SleepRequest extends Future<number> {
  constructor(readonly delay: number) {
    super({ loop: owner });
  }
}

/** The only "system call" our coroutines know: sleep, and learn the time you woke at. */
function* nap(delay: number): Coroutine<number> {
  return yield* new SleepRequest(delay);
}

function* countdown(n: number): Coroutine<string> {
  while (n > 0) {
    console.log(`  t=${now.toFixed(3)}  countdown: T-minus ${n}`);
    yield* nap(1);
    n--;
  }
  return 'lift-off';
}

function* countup(stop: number): Coroutine<string> {
  for (let i = 0; i < stop; i++) {
    console.log(`  t=${now.toFixed(3)}  countup:   up we go, ${i}`);
    yield* nap(1.5);
  }
  return 'counted';
}

let now = 0; // the kernel's clock: virtual, it jumps to the next wake-up

/** Runs coroutines until all return: a ready list, and a sleeping list sorted by wake-up time. */
function kernel(coros: Record<string, Coroutine<string>>): void {
  const ready: [string, Coroutine<string>][] = Object.entries(coros);
  const sleeping: { at: number; seq: number; name: string; coro: Coroutine<string>; request: SleepRequest }[] = [];
  let seq = 0;
  while (ready.length > 0 || sleeping.length > 0) {
    if (ready.length === 0) {
      // Nothing to run: jump the clock to the first sleeper, finish its request, make it ready.
      const first = sleeping.shift()!;
      now = first.at;
      first.request.setResult(now);
      ready.push([first.name, first.coro]);
      continue;
    }
    const [name, c] = ready.shift()!;
    const step = c.next();
    if (step.done) {
      console.log(`  t=${now.toFixed(3)}  kernel: ${name} returned ${JSON.stringify(step.value)}`);
    } else if (step.value instanceof SleepRequest) {
      const at = now + step.value.delay;
      sleeping.push({ at, seq: seq++, name, coro: c, request: step.value });
      // Order by wake-up time, ties in the order they went to sleep (a heap does this in tulip).
      sleeping.sort((a, b) => a.at - b.at || a.seq - b.seq);
    } else {
      throw new Error(`${name} yielded something this kernel does not understand: ${String(step.value)}`);
    }
  }
}

kernel({ countdown: countdown(3), countup: countup(3) });

console.log(
  [
    '',
    '  That is an event loop. tulip\'s has the same parts, better built:',
    '    - the sleeping list is a timer heap (lib/timer-heap.ts) of callbacks, not of coroutines;',
    '    - "finish the request, make it ready" is future.setResult() → done callbacks → callSoon();',
    '    - the ready list is a deque of callbacks (lib/deque.ts), and the driver of each',
    '      coroutine is a Task (lib/tasks.ts). Example 03 watches a Task do it.',
  ].join('\n'),
);
owner.close();

if (flags.trace || flags.timeline) console.log('\n(--trace/--timeline: no tulip loop runs in this example, so there is nothing to trace)');
