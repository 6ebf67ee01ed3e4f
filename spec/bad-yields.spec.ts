// lib/bad-yields.ts: the errors for what a coroutine must not yield. The plain cases (`yield fut`,
// `yield coro`, a number…) are in tasks.spec.ts; here, `yield*` over an iterable that is not a
// coroutine, whose iterator cannot take the Task's error (no throw()).
import { expect } from 'chai';
import { EventLoop, RuntimeError, coroutine, type Coroutine } from '../lib';
import { catching, useVirtualLoop } from './support';

type Loose<T> = Generator<unknown, T, unknown>;
const loose = <T>(g: Loose<T>) => g as unknown as Coroutine<T>;

describe('bad yields: `yield*` over an iterable that is not a coroutine', () => {
  let loop: EventLoop;
  useVirtualLoop((l) => (loop = l));

  const v8Words = "The iterator does not provide a 'throw' method.";

  /** The error `coro` fails its Task with. (A try/catch around a plain `yield*` of it would see V8's own TypeError: that is inside the coroutine, where the Task cannot reach.) */
  function failureOf(coro: Coroutine<unknown>): RuntimeError {
    const task = loop.createTask(coro);
    const err = loop.runUntilComplete(catching(task));
    expect(err).to.be.instanceOf(RuntimeError);
    return err as RuntimeError;
  }

  it('`yield* [1, 2, 3]`: the Task\'s "Task got bad yield: 1", where it came from and what to write instead', () => {
    function* main(): Loose<void> {
      yield* [1, 2, 3];
    }
    const err = failureOf(loose(main()));
    expect(err.message).to.equal(
      'Task got bad yield: 1. It came from `yield*` over an iterable that is not a coroutine (an Array, a Set, a string…): ' +
        '`yield*` hands its items to the Task one by one, and only a Future or a coroutine can be awaited. ' +
        'Write `yield* gather(...items)` to wait for several awaitables, or `for (const x of items)` to loop over values.',
    );
    expect(err.cause).to.be.instanceOf(TypeError);
    expect((err.cause as TypeError).message).to.equal(v8Words);
  });

  it('an array of futures: the "yield was used instead of yield*" message, then the same explanation', () => {
    const futs = [loop.createFuture(), loop.createFuture()];
    function* main(): Loose<void> {
      yield* futs;
    }
    const err = failureOf(loose(main()));
    expect(err.message).to.match(/^yield was used instead of yield\* in task .* with <Future pending>: write `yield\* fut` to wait for a future\. It came from `yield\*` over an iterable/);
    expect(err.message).to.contain('yield* gather(...items)');
  });

  it('a Set and a string are explained the same way', () => {
    function* overSet(): Loose<void> {
      yield* new Set(['a']);
    }
    function* overString(): Loose<void> {
      yield* 'ab';
    }
    expect(failureOf(loose(overSet())).message).to.match(/^Task got bad yield: 'a'\. It came from `yield\*` over an iterable/);
    expect(failureOf(loose(overString())).message).to.match(/^Task got bad yield: 'a'\. It came from `yield\*` over an iterable/);
  });

  it("the coroutine's own finally blocks still run on the way out", () => {
    const order: string[] = [];
    function* main(): Loose<void> {
      try {
        yield* [1];
      } finally {
        order.push('finally');
      }
    }
    failureOf(loose(main()));
    expect(order).to.deep.equal(['finally']);
  });

  it('inside a coroutine() frame: the calling frame receives the explained error', () => {
    const inner = coroutine(function* inner(): Coroutine<void> {
      yield* loose((function* (): Loose<void> {
        yield* [7];
      })());
    });
    const spread = coroutine(function* spread(): Coroutine<void> {
      yield* [7] as unknown as Coroutine<void>;
    });
    function* main(): Coroutine<string[]> {
      const messages: string[] = [];
      for (const call of [inner, spread]) {
        try {
          yield* call();
        } catch (e) {
          messages.push((e as Error).message);
        }
      }
      return messages;
    }
    const messages = loop.runUntilComplete(main());
    expect(messages).to.have.length(2);
    for (const m of messages) expect(m).to.match(/^Task got bad yield: 7\. It came from `yield\*` over an iterable/);
  });

  it('a cancellation that cannot be thrown in either says so, instead of V8\'s words', () => {
    function* main(): Loose<void> {
      yield* [undefined, undefined, undefined]; // three bare yields, in a roundabout way
    }
    const task = loop.createTask(loose(main()));
    loop.callSoon(() => task.cancel());
    const err = loop.runUntilComplete(catching(task));
    expect(err).to.be.instanceOf(RuntimeError);
    expect((err as Error).message).to.match(/^CancelledError\(''\) could not be thrown into the coroutine\. It came from `yield\*` over an iterable/);
    expect((err as RuntimeError).cause).to.be.instanceOf(TypeError);
  });

  it("any other error out of the coroutine is left alone, TypeErrors included", () => {
    function* main(): Coroutine<void> {
      try {
        yield* loose((function* (): Loose<void> {
          yield 'mistake';
        })());
      } catch {
        throw new TypeError('my own');
      }
    }
    const err = loop.runUntilComplete(catching(loop.createTask(main())));
    expect(err).to.be.instanceOf(TypeError);
    expect((err as TypeError).message).to.equal('my own');
  });
});
