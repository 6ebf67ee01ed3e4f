// Type-level spec: what the compiler accepts and refuses. The test command
// type-checks spec/ with `tsc --noEmit`, so every `@ts-expect-error` below
// fails the build if the line it covers ever compiles (the mistake would no
// longer be caught), and every `Equals<…>` check fails if a type drifts.
import { expect } from 'chai';
import {
  EventLoop,
  Future,
  coroutine,
  createTask,
  run,
  runSync,
  sleep,
  type Awaitable,
  type Coroutine,
  type CoroutineCall,
  type Task,
} from '../lib';

/** True exactly when A and B are the same type. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<A, B>(_proof: Equals<A, B>): void {}

const add = coroutine(function* add(a: number, b: number): Coroutine<number> {
  yield* sleep(0);
  return a + b;
});

function* child(): Coroutine<string> {
  return 'child';
}

function* typedProgram(fut: Future<number>): Coroutine<string> {
  // `yield* fut` evaluates to the future's T.
  const x = yield* fut;
  assertType<typeof x, number>(true);

  // A forgotten star on a future is a compile error inside a Coroutine<T>.
  // @ts-expect-error yield fut (without *) does not type-check
  yield fut;

  // The same for a coroutine and for a coroutine() call.
  // @ts-expect-error yield coro (without *) does not type-check
  yield child();
  // @ts-expect-error yield call (without *) does not type-check
  yield add(1, 2);

  // A coroutine() call is typed: its arguments are checked and yield* gives its T.
  const call = add(1, 2);
  assertType<typeof call, CoroutineCall<number>>(true);
  const y = yield* call;
  assertType<typeof y, number>(true);
  // @ts-expect-error a string is not a number argument
  add('1', 2);

  // Awaiting a plain coroutine, a task, a sleep.
  const s = yield* child();
  assertType<typeof s, string>(true);
  const t = createTask(child());
  assertType<typeof t, Task<string>>(true);
  const r = yield* t;
  assertType<typeof r, string>(true);
  const slept = yield* sleep(1, 'v');
  assertType<typeof slept, string>(true);
  const nothing = yield* sleep(1);
  assertType<typeof nothing, void>(true);

  // A bare yield (sleep(0)) is allowed.
  yield;

  // A Promise is not awaitable with yield*: it has no iterator.
  // @ts-expect-error yield* promise does not type-check (use fromPromise)
  yield* Promise.resolve(1);

  // Returning the wrong type is refused.
  if (x < 0) {
    // @ts-expect-error a number is not the declared string result
    return 5;
  }
  return `${x + y}`;
}

// A function typed Coroutine<T> without the star is a compile error.
function notAGenerator(): Coroutine<number> {
  // @ts-expect-error a plain function returning a number is not a Coroutine<number>
  return 1;
}

function typedApis(loop: EventLoop): void {
  const f = loop.createFuture<number>();
  // @ts-expect-error setResult checks the future's type
  f.setResult('one');
  f.setResult(1);
  // callSoon checks the arguments against the callback's parameters.
  loop.callSoon((a: number, b: string) => [a, b], 1, 'x');
  // @ts-expect-error the argument types must match the callback
  loop.callSoon((a: number) => a, 'x');
  // @ts-expect-error callLater needs a number delay
  loop.callLater('1', () => {});
  const done = runSync(child());
  assertType<typeof done, string>(true);
  const later = run(child());
  assertType<typeof later, Promise<string>>(true);
  const aw: Awaitable<number> = f;
  const aw2: Awaitable<number> = add(1, 2);
  void [aw, aw2, notAGenerator];
}

describe('types (checked by tsc --noEmit over spec/)', () => {
  it('a typed program also runs', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const fut = loop.createFuture<number>();
    loop.callLater(1, () => fut.setResult(40));
    // The program includes the mistakes above; at run time they are thrown back into it.
    function* main(): Coroutine<string> {
      try {
        return yield* typedProgram(fut);
      } catch (e) {
        return `runtime refused: ${(e as Error).message.split(':')[0]}`;
      }
    }
    expect(loop.runUntilComplete(main())).to.match(/^runtime refused: yield was used instead of yield\* in task/);
    loop.close();
    void typedApis; // only type-checked: it would start real runs
  });
});
