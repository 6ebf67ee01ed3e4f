/**
 * 07 — `yield*` mistakes, and the diagnostics they get.
 *
 * The commonest bug with generator coroutines is a missing `*`: `yield fut`
 * instead of `yield* fut`. In a function typed `Coroutine<T>` TypeScript
 * refuses it at compile time (see the `@ts-expect-error` lines below — tsc
 * checks that each really is an error). Plain JavaScript, or a loosely typed
 * generator, still runs; then the Task catches the mistake at run time and
 * throws a RuntimeError back into the coroutine, at the faulty line, saying
 * what went wrong and what to write instead. Each scenario below makes one
 * mistake on purpose, catches the error and prints its message.
 *
 * Run: npx ts-node examples/07-yield-star-mistakes.ts [--trace] [--timeline]
 */
import {
  EventLoop,
  coroutine,
  createTask,
  currentTask,
  getRunningLoop,
  sleep,
  type Coroutine,
} from '../lib';
import { describeError, heading, intro, makeLoop, relative, runVirtual, say } from './_shared';

intro(
  '07 — yield* mistakes and their diagnostics',
  'Each scenario makes one mistake on purpose; the Task throws a RuntimeError into the',
  'coroutine at the faulty line, and we print its message.',
);

/** A loosely typed generator, as plain JavaScript would have: the compiler cannot help here. */
type Loose = Generator<unknown, void, unknown>;

function* work(): Coroutine<number> {
  yield* sleep(0.1);
  return 7;
}
const typedWork = coroutine(function* typedWork(): Coroutine<number> {
  yield* sleep(0.1);
  return 7;
});

/** Runs one scenario as its own named task and prints the error it raised. */
function* scenario(title: string, name: string, body: () => Loose): Coroutine<void> {
  heading(title);
  const task = createTask(body() as Coroutine<void>, { name });
  try {
    yield* task;
    say('no error');
  } catch (e) {
    say(describeError(e));
  }
}

function* typedMistakes(): Coroutine<void> {
  const fut = getRunningLoop().createFuture<number>();
  // In a typed coroutine the forgotten star does not compile:
  // @ts-expect-error — a Future is not a Suspension: write `yield* fut`
  yield fut;
  // @ts-expect-error — a coroutine is not a Suspension either: write `yield* work()`
  yield work();
}
void typedMistakes; // never run: it only shows what the compiler says

function* main(): Coroutine<void> {
  const loop = getRunningLoop();

  yield* scenario('1. the forgotten star on a future: yield fut', 'forgot-star-future', function* (): Loose {
    const fut = loop.createFuture<number>();
    loop.callLater(1, () => fut.setResult(1));
    yield fut; // should be: yield* fut
  });

  yield* scenario('2. the forgotten star on a coroutine: yield work()', 'forgot-star-coro', function* (): Loose {
    yield work(); // should be: yield* work()
  });

  yield* scenario('3. the forgotten star on a coroutine() call: yield typedWork()', 'forgot-star-call', function* (): Loose {
    yield typedWork(); // should be: yield* typedWork()
  });

  yield* scenario('4. a bad yield: yield 42', 'bad-yield-42', function* (): Loose {
    yield 42; // a Task understands Futures (through yield*) and bare `yield` only
  });

  yield* scenario('5. a bad yield: a Promise (JS habit: yield is not await)', 'bad-yield-promise', function* (): Loose {
    yield Promise.resolve(1); // should be: yield* fromPromise(promise)
  });

  yield* scenario('6. a task awaiting itself', 'self-await', function* (): Loose {
    yield* currentTask()!; // would wait forever: the loop refuses
  });

  yield* scenario('7. a future of another loop', 'other-loop', function* (): Loose {
    const other = new EventLoop({ clock: 'virtual' });
    try {
      yield* other.createFuture<number>(); // nobody on this loop could ever finish it
    } finally {
      other.close();
    }
  });

  yield* scenario('8. awaiting a coroutine() call twice', 'await-twice', function* (): Loose {
    const call = typedWork();
    yield* call;
    yield* call; // a coroutine object runs once, as in Python
  });

  yield* scenario('9. a plain generator awaited twice: no error, but no work either', 'plain-twice', function* (): Loose {
    const coro = work();
    say(`first yield* work() → ${yield* coro}`);
    say(`second yield* of the same generator → ${yield* coro} (it was already finished)`);
  });

  heading('10. createTask with the function instead of a call');
  try {
    createTask(work as unknown as Coroutine<number>);
  } catch (e) {
    say(describeError(e));
  }

  heading('11. sleep with a bad delay: checked where it is written');
  try {
    yield* sleep('1' as unknown as number);
  } catch (e) {
    say(describeError(e));
  }
}

runVirtual(main());

// ---------------------------------------------------------------------------
// What the loop reports when it closes: mistakes that raise nothing at the faulty line.

heading('12. reported when the loop closes (debug mode)');
const loop = makeLoop({ debug: true });
loop.setExceptionHandler((_loop, context) => {
  say(`loop exception handler: ${relative(context.message)}`);
  if (context.exception !== undefined) say(`  exception: ${describeError(context.exception)}`);
});
function* careless(): Coroutine<void> {
  typedWork(); // a coroutine() call that nobody awaits: it never runs
  const doomed = createTask((function* failing(): Coroutine<void> {
    yield* sleep(0.1);
    throw new Error('nobody reads this');
  })(), { name: 'doomed' });
  void doomed; // forgotten: its exception is never retrieved
  yield* sleep(1);
}
runVirtual(careless(), { loop });
