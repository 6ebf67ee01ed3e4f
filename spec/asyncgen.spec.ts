// lib/asyncgen.ts: async generators — asyncGenerator(), emit(), and the rules of
// anext/asend/athrow/aclose, each message as CPython 3.13 words it.
import { expect } from 'chai';
import fc from 'fast-check';
import {
  AsyncGenerator,
  CancelledError,
  EventLoop,
  Future,
  GeneratorExit,
  Lock,
  RuntimeError,
  StopAsyncIteration,
  anext,
  asyncFor,
  asyncGenerator,
  asyncWith,
  coroutine,
  createTask,
  emit,
  ensureFuture,
  isAsyncGenerator,
  sleep,
  type AsyncGenBody,
  type Coroutine,
} from '../lib';
import { catching, throws, useVirtualLoop } from './support';

/** True exactly when A and B are the same type. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<A, B>(_proof: Equals<A, B>): void {}

/** Awaits `aw`, whatever it does: its result, or what it threw. */
function* attempt(aw: Coroutine<unknown>): Coroutine<unknown> {
  try {
    return yield* aw;
  } catch (e) {
    return e;
  }
}

/** Emits 0..n-1, one a second, logging its finally block. */
function counter(log: string[]) {
  return asyncGenerator(function* count(n: number) {
    try {
      for (let i = 0; i < n; i++) {
        yield* sleep(1);
        yield* emit(i);
      }
    } finally {
      log.push('finally');
    }
  });
}

describe('async generators', () => {
  let loop: EventLoop;
  useVirtualLoop((l) => (loop = l));

  describe('emit and anext', () => {
    it('produces its values between awaits; StopAsyncIteration at the end and forever after', () => {
      const log: string[] = [];
      const g = counter(log)(2);
      function* main(): Coroutine<unknown[]> {
        const out: unknown[] = [];
        out.push(yield* g.anext(), loop.time());
        out.push(yield* anext(g), loop.time());
        for (let i = 0; i < 3; i++) {
          const e = yield* catching(g.anext());
          out.push(e instanceof StopAsyncIteration ? 'stop' : e);
        }
        return out;
      }
      expect(loop.runUntilComplete(main())).to.deep.equal([0, 1, 1, 2, 'stop', 'stop', 'stop']);
      expect(log).to.deep.equal(['finally']);
    });

    it('runs its body lazily, only when a value is first asked for, in the task that asks', () => {
      const log: string[] = [];
      const g = asyncGenerator(function* lazy() {
        log.push(`body starts in ${loop._currentTask?.getName()}`);
        yield* emit('x');
      });
      function* main(): Coroutine<void> {
        const it = g();
        yield* sleep(1);
        expect(log).to.deep.equal([]);
        yield* createTask(it.anext(), { name: 'asker' });
      }
      loop.runUntilComplete(main());
      expect(log).to.deep.equal(['body starts in asker']);
    });

    it('its awaits suspend the consumer\'s task: a bare yield, a future, a coroutine() frame', () => {
      const double = coroutine(function* double(x: number): Coroutine<number> {
        yield* sleep(1);
        return 2 * x;
      });
      const g = asyncGenerator(function* mixed() {
        yield; // sleep(0)
        const f = loop.createFuture<number>();
        loop.callLater(2, () => f.setResult(21));
        yield* emit(yield* f);
        yield* emit(yield* double(5));
      })();
      function* main(): Coroutine<unknown[]> {
        return [yield* g.anext(), loop.time(), yield* g.anext(), loop.time()];
      }
      expect(loop.runUntilComplete(main())).to.deep.equal([21, 2, 10, 3]);
    });

    it('anext() of an exhausted generator is done at once (no step of the loop)', () => {
      const g = asyncGenerator(function* none() {})();
      function* main(): Coroutine<string[]> {
        const out = [String(yield* catching(g.anext()))];
        const t0 = loop.time();
        out.push(String(yield* catching(g.anext())), String(loop.time() - t0));
        return out;
      }
      expect(loop.runUntilComplete(main())).to.deep.equal(['StopAsyncIteration', 'StopAsyncIteration', '0']);
    });

    it('an anext() awaited directly as a Task (createTask / ensureFuture) works like yield*', () => {
      const g = counter([])(2);
      function* main(): Coroutine<unknown[]> {
        const a = yield* createTask(g.anext());
        const b = yield* ensureFuture(g.anext());
        const c = yield* catching(ensureFuture(g.anext()));
        return [a, b, (c as Error).name];
      }
      expect(loop.runUntilComplete(main())).to.deep.equal([0, 1, 'StopAsyncIteration']);
    });

    it('a second await while one is in progress: "anext(): asynchronous generator is already running" (asend, athrow, aclose too)', () => {
      const g = counter([])(3);
      function* main(): Coroutine<string[]> {
        const first = createTask(g.anext());
        yield* sleep(0);
        expect(g.running).to.equal(true);
        const messages = [];
        for (const aw of [g.anext(), g.asend(undefined), g.athrow(new Error('x')), g.aclose()]) {
          const e = yield* catching(aw);
          messages.push(`${(e as Error).name}: ${(e as Error).message}`);
        }
        expect(yield* first).to.equal(0);
        expect(g.running).to.equal(false);
        return messages;
      }
      expect(loop.runUntilComplete(main())).to.deep.equal([
        'RuntimeError: anext(): asynchronous generator is already running',
        'RuntimeError: anext(): asynchronous generator is already running',
        'RuntimeError: athrow(): asynchronous generator is already running',
        'RuntimeError: aclose(): asynchronous generator is already running',
      ]);
    });

    it('an anext() awaitable can be awaited once: "cannot reuse already awaited anext()/asend()"', () => {
      const g = counter([])(3);
      function* main(): Coroutine<unknown> {
        const aw = g.anext();
        expect(yield* aw).to.equal(0);
        return yield* catching(aw);
      }
      const e = loop.runUntilComplete(main());
      expect(e).to.be.instanceOf(RuntimeError);
      expect((e as Error).message).to.equal('cannot reuse already awaited anext()/asend()');
    });

    it('an error thrown by the body comes out of anext(), and finishes the generator', () => {
      const g = asyncGenerator(function* bad() {
        yield* emit(1);
        throw new RangeError('k');
      })();
      function* main(): Coroutine<string[]> {
        yield* g.anext();
        return [String(yield* catching(g.anext())), String(yield* catching(g.anext()))];
      }
      expect(loop.runUntilComplete(main())).to.deep.equal(['RangeError: k', 'StopAsyncIteration']);
    });

    it('a StopAsyncIteration escaping the body is a RuntimeError: "async generator raised StopAsyncIteration"', () => {
      const inner = asyncGenerator(function* empty() {})();
      const g = asyncGenerator(function* leaky() {
        yield* emit(yield* anext(inner)); // inner is exhausted: its StopAsyncIteration escapes
      })();
      const e = loop.runUntilComplete(catching(g.anext()));
      expect(e).to.be.instanceOf(RuntimeError);
      expect((e as Error).message).to.equal('async generator raised StopAsyncIteration');
      expect((e as Error).cause).to.be.instanceOf(StopAsyncIteration);
    });

    it('a body returning a value (JavaScript only; a compile error in TypeScript) is a TypeError', () => {
      const g = asyncGenerator(function* returns(): Generator<any, any, any> {
        yield* emit(1);
        return 42;
      })();
      function* main(): Coroutine<unknown> {
        yield* g.anext();
        const e = yield* catching(g.anext());
        expect(String(yield* catching(g.anext()))).to.equal('StopAsyncIteration');
        return e;
      }
      const e = loop.runUntilComplete(main());
      expect(e).to.be.instanceOf(TypeError);
      expect((e as Error).message).to.equal(
        "async generator returns returned a value (42): an async generator can only emit; write `yield* emit(value)` (Python: 'return' with value in async generator)",
      );
    });

    it('emit outside an async generator reaches the Task, which refuses it with a message saying so', () => {
      function* notAGenerator(): Generator<unknown, void, unknown> {
        yield* emit(1);
      }
      const e = loop.runUntilComplete(catching(notAGenerator() as Coroutine<void>));
      expect(e).to.be.instanceOf(RuntimeError);
      expect((e as Error).message).to.equal(
        "Task got bad yield: emit(1) outside an async generator's body (emit works in a function* given to asyncGenerator(); a coroutine() frame cannot emit for it)",
      );
    });
  });

  describe('asend', () => {
    it('sends a value in: the current emit evaluates to it', () => {
      const g = asyncGenerator(function* echo(): AsyncGenBody<string> {
        let got = yield* emit<string, number>('first');
        for (;;) got = yield* emit<string, number>(`got ${got}`);
      })();
      function* main(): Coroutine<string[]> {
        return [yield* g.asend(undefined), yield* g.asend(5), yield* g.anext(), yield* g.asend(7)];
      }
      expect(loop.runUntilComplete(main())).to.deep.equal(['first', 'got 5', 'got undefined', 'got 7']);
    });

    it('a non-null value before the first value: TypeError "can\'t send non-None value to a just-started async generator"; the body stays unstarted', () => {
      const log: string[] = [];
      const g = asyncGenerator(function* started() {
        log.push('body');
        yield* emit(1);
      })();
      function* main(): Coroutine<unknown[]> {
        const e = yield* catching(g.asend(5));
        return [e, log.length, yield* g.asend(null)];
      }
      const [e, ran, first] = loop.runUntilComplete(main());
      expect(e).to.be.instanceOf(TypeError);
      expect((e as Error).message).to.equal("can't send non-None value to a just-started async generator");
      expect(ran).to.equal(0);
      expect(first).to.equal(1);
    });

    it('asend on an exhausted generator: StopAsyncIteration', () => {
      const g = asyncGenerator(function* once() {
        yield* emit(1);
      })();
      function* main(): Coroutine<unknown> {
        yield* g.anext();
        yield* catching(g.anext());
        return yield* catching(g.asend(1));
      }
      expect(loop.runUntilComplete(main())).to.be.instanceOf(StopAsyncIteration);
    });
  });

  describe('athrow', () => {
    it('raises the error where the body is suspended; if it recovers, the next value is the result', () => {
      const g = asyncGenerator(function* recovers() {
        try {
          yield* emit(1);
        } catch (e) {
          yield* sleep(1);
          yield* emit(`recovered from ${(e as Error).message}`);
        }
      })();
      function* main(): Coroutine<unknown[]> {
        yield* g.anext();
        return [yield* g.athrow(new RangeError('v')), loop.time()];
      }
      expect(loop.runUntilComplete(main())).to.deep.equal(['recovered from v', 1]);
    });

    it('if the body does not catch it, the error comes back out and the generator is finished', () => {
      const log: string[] = [];
      const g = counter(log)(5);
      function* main(): Coroutine<string[]> {
        yield* g.anext();
        return [String(yield* catching(g.athrow(new RangeError('x')))), String(yield* catching(g.anext()))];
      }
      expect(loop.runUntilComplete(main())).to.deep.equal(['RangeError: x', 'StopAsyncIteration']);
      expect(log).to.deep.equal(['finally']);
    });

    it('if the body catches it and finishes: StopAsyncIteration', () => {
      const g = asyncGenerator(function* swallows() {
        try {
          yield* emit(1);
        } catch {
          /* handled */
        }
      })();
      function* main(): Coroutine<unknown> {
        yield* g.anext();
        return yield* catching(g.athrow(new RangeError('z')));
      }
      expect(loop.runUntilComplete(main())).to.be.instanceOf(StopAsyncIteration);
    });

    it('on a generator not started: the error is raised without running the body, which is then finished', () => {
      const log: string[] = [];
      const g = asyncGenerator(function* never() {
        log.push('body');
        yield* emit(1);
      })();
      function* main(): Coroutine<string[]> {
        return [String(yield* catching(g.athrow(new RangeError('boom')))), String(yield* catching(g.anext()))];
      }
      expect(loop.runUntilComplete(main())).to.deep.equal(['RangeError: boom', 'StopAsyncIteration']);
      expect(log).to.deep.equal([]);
    });

    it('on a finished generator: nothing happens (undefined)', () => {
      const g = asyncGenerator(function* once() {
        yield* emit(1);
      })();
      function* main(): Coroutine<unknown> {
        yield* g.anext();
        yield* catching(g.anext());
        return yield* g.athrow(new RangeError('ignored'));
      }
      expect(loop.runUntilComplete(main())).to.equal(undefined);
    });

    it('an athrow() awaitable can be awaited once: "cannot reuse already awaited aclose()/athrow()"', () => {
      const g = asyncGenerator(function* forever() {
        for (;;) {
          try {
            yield* emit(1);
          } catch {
            /* keep going */
          }
        }
      })();
      function* main(): Coroutine<unknown> {
        yield* g.anext();
        const aw = g.athrow(new Error('x'));
        yield* aw;
        return yield* catching(aw);
      }
      expect((loop.runUntilComplete(main()) as Error).message).to.equal('cannot reuse already awaited aclose()/athrow()');
    });

    it('sending a value into a fresh athrow() awaitable by hand: "can\'t send non-None value to a just-started coroutine"', () => {
      const g = counter([])(2);
      const aw = g.athrow(new Error('x'));
      expect(throws(() => aw.next(5))).to.have.property('message', "can't send non-None value to a just-started coroutine");
    });
  });

  describe('aclose', () => {
    it('resumes the body as a return: finally blocks run, and may await; catch blocks do not', () => {
      const log: string[] = [];
      const g = asyncGenerator(function* guarded() {
        try {
          yield* emit(1);
          log.push('after emit');
        } catch (e) {
          log.push(`catch ${e}`);
        } finally {
          yield* sleep(2);
          log.push(`finally at ${loop.time()}`);
        }
      })();
      function* main(): Coroutine<unknown> {
        yield* g.anext();
        return yield* g.aclose();
      }
      expect(loop.runUntilComplete(main())).to.equal(undefined);
      expect(log).to.deep.equal(['finally at 2']);
    });

    it('closing a generator never started does not run its body; closing twice is harmless', () => {
      const log: string[] = [];
      const g = asyncGenerator(function* unstarted() {
        log.push('body');
        try {
          yield* emit(1);
        } finally {
          log.push('finally');
        }
      })();
      function* main(): Coroutine<unknown[]> {
        return [yield* g.aclose(), yield* g.aclose(), (yield* catching(g.anext())) instanceof StopAsyncIteration];
      }
      expect(loop.runUntilComplete(main())).to.deep.equal([undefined, undefined, true]);
      expect(log).to.deep.equal([]);
    });

    it('a body that emits while closing: RuntimeError "async generator ignored GeneratorExit"; then StopAsyncIteration for aclose', () => {
      const g = asyncGenerator(function* stubborn() {
        try {
          yield* emit(1);
        } finally {
          yield* emit(2);
        }
      })();
      function* main(): Coroutine<unknown[]> {
        yield* g.anext();
        const e = yield* catching(g.aclose());
        const again = yield* catching(g.aclose());
        return [e, again, yield* catching(g.anext())];
      }
      const [e, again, after] = loop.runUntilComplete(main());
      expect(e).to.be.instanceOf(RuntimeError);
      expect((e as Error).message).to.equal('async generator ignored GeneratorExit');
      expect(again).to.be.instanceOf(StopAsyncIteration);
      // The finally block goes on from its emit, then the return completes.
      expect(after).to.be.instanceOf(StopAsyncIteration);
    });

    it('an error thrown by a finally block comes out of aclose()', () => {
      const g = asyncGenerator(function* failsToClose() {
        try {
          yield* emit(1);
        } finally {
          throw new RangeError('in finally');
        }
      })();
      function* main(): Coroutine<unknown> {
        yield* g.anext();
        return yield* catching(g.aclose());
      }
      expect(String(loop.runUntilComplete(main()))).to.equal('RangeError: in finally');
    });

    it('a GeneratorExit out of the body is a clean close; a StopAsyncIteration is a RuntimeError', () => {
      const exits = asyncGenerator(function* exits() {
        try {
          yield* emit(1);
        } finally {
          throw new GeneratorExit(); // eslint-style "re-raise": what asyncWith does after an awaiting exit
        }
      })();
      const stops = asyncGenerator(function* stops() {
        try {
          yield* emit(1);
        } finally {
          throw new StopAsyncIteration();
        }
      })();
      function* main(): Coroutine<unknown[]> {
        yield* exits.anext();
        yield* stops.anext();
        return [yield* exits.aclose(), yield* catching(stops.aclose())];
      }
      const [clean, e] = loop.runUntilComplete(main());
      expect(clean).to.equal(undefined);
      expect((e as Error).message).to.equal('async generator raised StopAsyncIteration');
    });

    it('a cancellation while a finally block awaits comes out of aclose()', () => {
      const g = asyncGenerator(function* slowClose() {
        try {
          yield* emit(1);
        } finally {
          yield* sleep(10);
        }
      })();
      function* main(): Coroutine<unknown> {
        yield* g.anext();
        const t = createTask(g.aclose());
        yield* sleep(1);
        t.cancel();
        return yield* catching(t);
      }
      expect(loop.runUntilComplete(main())).to.be.instanceOf(CancelledError);
    });
  });

  describe('awaitables driven by hand (what a Task or a delegating yield* does with them)', () => {
    it('throw() into an anext() not started yet begins it and raises the error in the body (3.13)', () => {
      const log: string[] = [];
      const g = counter(log)(3);
      function* main(): Coroutine<unknown> {
        yield* g.anext(); // started: the error lands at an emit, inside try/finally
        const aw = g.anext();
        return throws(() => aw.throw(new RangeError('thrown first')));
      }
      expect(String(loop.runUntilComplete(main()))).to.equal('RangeError: thrown first');
      expect(log).to.deep.equal(['finally']);
      expect(g.running).to.equal(false);
    });

    it('throw() into an athrow() or aclose() not started yet begins it the same way', () => {
      const g = counter([])(3);
      function* main(): Coroutine<unknown[]> {
        yield* g.anext();
        const viaAthrow = throws(() => g.athrow(new RangeError('a')).throw(new RangeError('b')));
        const h = counter([])(3);
        yield* h.anext();
        const closing = h.aclose();
        const viaAclose = throws(() => closing.throw(new RangeError('c')));
        return [String(viaAthrow), String(viaAclose), g.running, h.running];
      }
      expect(loop.runUntilComplete(main())).to.deep.equal(['RangeError: b', 'RangeError: c', false, false]);
    });

    it('a cancellation of athrow() while the recovering body awaits: the body\'s error comes out, and it is finished', () => {
      const g = asyncGenerator(function* recoversSlowly() {
        try {
          yield* emit(1);
        } catch {
          yield* sleep(10);
          yield* emit(2);
        }
      })();
      function* main(): Coroutine<unknown[]> {
        yield* g.anext();
        const t = createTask(g.athrow(new RangeError('x')));
        yield* sleep(1);
        t.cancel();
        return [yield* catching(t), yield* catching(g.anext())];
      }
      const [e, after] = loop.runUntilComplete(main());
      expect(e).to.be.instanceOf(CancelledError);
      expect(after).to.be.instanceOf(StopAsyncIteration);
    });

    it('return() on a coroutine awaiting inside anext(): a body that throws while closing, or that emits while closing', () => {
      const throwing = asyncGenerator(function* throwsOnClose() {
        try {
          yield* sleep(5);
        } finally {
          throw new RangeError('while closing');
        }
        yield* emit(1);
      })();
      const emitting = asyncGenerator(function* emitsOnClose() {
        try {
          yield* sleep(5);
        } finally {
          yield* emit('late');
        }
      })();
      function* consumer<T>(g: AsyncGenerator<T>): Coroutine<T> {
        return yield* g.anext();
      }
      function* main(): Coroutine<unknown[]> {
        const a = consumer(throwing);
        a.next();
        const thrown = throws(() => a.return(undefined as never));
        const b = consumer(emitting);
        b.next();
        const r = b.return(undefined as never);
        return [String(thrown), r, emitting.running];
      }
      expect(loop.runUntilComplete(main())).to.deep.equal(['RangeError: while closing', { done: true, value: undefined }, false]);
    });
  });

  describe('cancellation through anext', () => {
    it('cancelling the task waiting in anext() cancels the await inside the generator: its finally runs, it is finished', () => {
      const log: string[] = [];
      const g = counter(log)(5);
      function* main(): Coroutine<unknown[]> {
        const t = createTask(g.anext());
        yield* sleep(0.5);
        t.cancel('stop it');
        const e = yield* catching(t);
        return [e instanceof CancelledError, (e as Error).message, log.slice(), yield* catching(g.anext())];
      }
      const [cancelled, msg, logged, after] = loop.runUntilComplete(main());
      expect([cancelled, msg, logged]).to.deep.equal([true, 'stop it', ['finally']]);
      expect(after).to.be.instanceOf(StopAsyncIteration);
    });

    it('a generator that catches the cancellation and emits: anext() gives that value', () => {
      const g = asyncGenerator(function* refuses() {
        try {
          yield* sleep(10);
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          yield* emit('refused');
        }
      })();
      function* main(): Coroutine<unknown> {
        const t = createTask(g.anext());
        yield* sleep(1);
        t.cancel();
        return yield* t;
      }
      expect(loop.runUntilComplete(main())).to.equal('refused');
    });
  });

  describe('closing a coroutine that awaits inside anext() (JavaScript return(), Python close())', () => {
    /** A consumer generator, driven by hand, so that return() can be called on it mid-await. */
    function* consumer(g: AsyncGenerator<number>): Coroutine<number> {
      return yield* g.anext();
    }

    it('closes the generator from where it waits; a finally block that does not await finishes the close at once', () => {
      const log: string[] = [];
      const g = counter(log)(3);
      function* main(): Coroutine<void> {
        const c = consumer(g);
        expect(c.next().done).to.equal(false); // suspended in sleep(1), inside anext()
        expect(c.return(-1)).to.deep.equal({ done: true, value: -1 });
      }
      loop.runUntilComplete(main());
      expect(log).to.deep.equal(['finally']);
      expect(g.running).to.equal(false);
    });

    it('a finally block that awaits: its awaits go up, and the close goes on as GeneratorExit (JavaScript would lose the return)', () => {
      const g = asyncGenerator(function* awaitsInFinally() {
        try {
          yield* sleep(5);
          yield* emit(1);
        } finally {
          yield* sleep(1);
        }
      })();
      function* main(): Coroutine<unknown> {
        const c = consumer(g);
        c.next();
        const r = c.return(-1);
        expect(r.done).to.equal(false); // the finally block's sleep, handed up
        yield* r.value as unknown as Future<void>; // let it pass
        return throws(() => c.next());
      }
      expect(loop.runUntilComplete(main())).to.be.instanceOf(GeneratorExit);
    });

    it('an anext() not started yet is simply dropped; the generator is untouched', () => {
      const log: string[] = [];
      const g = counter(log)(3);
      const aw = g.anext();
      expect(aw.return(undefined as never)).to.deep.equal({ done: true, value: undefined });
      expect(log).to.deep.equal([]);
      expect(loop.runUntilComplete(g.anext())).to.equal(0);
    });
  });

  it('nested: a generator can consume another; each keeps its own state', () => {
    const inner = counter([]);
    const doubled = asyncGenerator(function* doubled(n: number) {
      const it = inner(n);
      for (;;) {
        let x: number;
        try {
          x = yield* it.anext();
        } catch (e) {
          if (e instanceof StopAsyncIteration) return;
          throw e;
        }
        yield* emit(2 * x);
      }
    });
    function* main(): Coroutine<number[]> {
      const g = doubled(3);
      const out = [];
      for (;;) {
        const v = yield* anext(g, null);
        if (v === null) return out;
        out.push(v);
      }
    }
    expect(loop.runUntilComplete(main())).to.deep.equal([0, 2, 4]);
  });

  it('asyncGenerator() checks its argument, and its functions check that they made a generator', () => {
    expect(() => asyncGenerator(42 as never)).to.throw(TypeError, 'asyncGenerator() needs a generator function (a function*), got 42');
    const notGen = asyncGenerator((() => 5) as never);
    expect(() => (notGen as () => unknown)()).to.throw(TypeError, 'asyncGenerator(<anonymous>): the function must be a generator function (function*), but it returned 5');
  });

  it('keeps `this` and the arguments; is named after the function; reads like Python\'s repr', () => {
    const obj = {
      base: 10,
      gen: asyncGenerator(function* plus(this: { base: number }, a: number) {
        yield* emit(this.base + a);
      }),
    };
    const g = obj.gen(5);
    expect(obj.gen.name).to.equal('plus');
    expect(String(g)).to.equal('<async_generator object plus>');
    expect(isAsyncGenerator(g)).to.equal(true);
    expect(isAsyncGenerator({ anext() {} })).to.equal(false);
    expect(loop.runUntilComplete(g.anext())).to.equal(15);
  });

  it('types: yield* g.anext() is T; emit without * and return with a value are compile errors', () => {
    const typed = asyncGenerator(function* typed(n: number) {
      yield* sleep(0);
      yield* emit(n);
      yield* emit('s');
    });
    const declared = asyncGenerator(function* declared(): AsyncGenBody<number> {
      yield* emit(1);
    });
    function* program(): Coroutine<void> {
      const x = yield* typed(1).anext();
      assertType<typeof x, number | string>(true);
      const y = yield* anext(declared());
      assertType<typeof y, number>(true);
      const z = yield* anext(declared(), null);
      assertType<typeof z, number | null>(true);
    }
    // @ts-expect-error the forgotten star on emit does not type-check
    asyncGenerator(function* forgot(n: number) { yield emit(n); });
    asyncGenerator(function* forgotDeclared(): AsyncGenBody<number> {
      // @ts-expect-error the forgotten star, in a declared body
      yield emit(1);
    });
    // @ts-expect-error Python forbids `return value` in an async generator, and so does the type
    asyncGenerator(function* returns() { yield* emit(1); return 5; });
    asyncGenerator(function* wrongType(): AsyncGenBody<number> {
      // @ts-expect-error a string emitted from a body that declares numbers
      yield* emit('s');
    });
    function* plainCoroutine(): Coroutine<void> {
      // @ts-expect-error emit in a plain coroutine
      yield* emit(1);
    }
    // asyncFor's and asyncWith's blocks may emit for the generator around them (`async for x in src: yield f(x)`).
    const piped = asyncGenerator(function* piped() {
      yield* asyncFor(typed(2), function* (x) {
        yield* emit(`item ${x}`);
      });
      yield* asyncWith(new Lock(), function* () {
        yield* emit(true);
      });
    });
    function* pipedProgram(): Coroutine<unknown[]> {
      const g = piped();
      const first = yield* g.anext();
      assertType<typeof first, string | boolean>(true);
      return [first, yield* g.anext(), yield* g.anext(), (yield* catching(g.anext())) instanceof StopAsyncIteration];
    }
    function* plainWith(): Coroutine<void> {
      // @ts-expect-error a block that emits, in a plain coroutine
      yield* asyncWith(new Lock(), function* () { yield* emit(1); });
    }
    loop.runUntilComplete(program());
    expect(loop.runUntilComplete(pipedProgram())).to.deep.equal(['item 2', 'item s', true, true]);
    void plainCoroutine;
    void plainWith;
  });

  describe('property: whatever the consumer does, finally blocks run exactly once', () => {
    type Step = 'next' | 'cancel' | 'close' | 'throw' | 'break';
    const steps = fc.array(fc.constantFrom<Step>('next', 'next', 'next', 'cancel', 'close', 'throw', 'break'), { maxLength: 12 });

    it('random consumers that exhaust, break, cancel, throw into or close a generator (and a run that ends) run its finally once', () => {
      fc.assert(
        fc.property(steps, fc.integer({ min: 0, max: 6 }), fc.boolean(), (plan, length, awaitsInFinally) => {
          let finallies = 0;
          const g = asyncGenerator(function* subject(n: number) {
            try {
              for (let i = 0; i < n; i++) {
                yield* sleep(i % 2); // some values come at once, some after a second
                yield* emit(i);
              }
            } finally {
              finallies++; // counted on entry: a cancellation may cut the await below short
              if (awaitsInFinally) yield* sleep(1);
            }
          });
          const l = new EventLoop({ clock: 'virtual' });
          function* consumer(): Coroutine<void> {
            const it = g(length);
            for (const step of plan) {
              if (step === 'break') return; // abandoned: the shutdown below closes it
              if (step === 'close') yield* it.aclose();
              else if (step === 'throw') yield* attempt(it.athrow(new RangeError('p')));
              else if (step === 'cancel') {
                const t = createTask(it.anext());
                yield* sleep(0.5);
                t.cancel();
                yield* attempt(t as unknown as Coroutine<unknown>);
              } else yield* attempt(it.anext());
            }
          }
          try {
            l.runUntilComplete(consumer());
            l.runUntilComplete(l.shutdownAsyncgens());
          } finally {
            l.close();
          }
          // A generator never started has no finally to run (Python: aclose of an unstarted generator skips its body).
          const started = plan.length > 0 && plan[0] !== 'break' && plan[0] !== 'close' && plan[0] !== 'throw';
          return finallies === (started ? 1 : 0);
        }),
        { numRuns: 300 },
      );
    });
  });
});
