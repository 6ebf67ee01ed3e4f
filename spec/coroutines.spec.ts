// lib/coroutines.ts: coroutine() frames — results and errors across frames,
// cancellation through frames, getStack(), reuse, plain `yield call`, the
// debug-mode "never awaited" report, and depth.
import { expect } from 'chai';
import {
  CancelledError,
  CoroutineCall,
  EventLoop,
  RuntimeError,
  coroutine,
  createTask,
  currentTask,
  isCoroutine,
  sleep,
  type Coroutine,
  type Frame,
} from '../lib';
import { errorsOf, useVirtualLoop } from './support';
import { isGenerator } from '../lib/coroutines';

const add = coroutine(function* add(a: number, b: number): Coroutine<number> {
  yield* sleep(1);
  return a + b;
});

const fail = coroutine(function* fail(message: string): Coroutine<never> {
  yield* sleep(1);
  throw new RuntimeError(message);
});

describe('coroutine()', () => {
  let loop: EventLoop;
  useVirtualLoop((l) => (loop = l));

  it('returns a function of the same name whose calls are CoroutineCalls', () => {
    expect(add.name).to.equal('add');
    const call = add(1, 2);
    expect(call).to.be.instanceOf(CoroutineCall);
    expect(call.name).to.equal('add');
    expect(call.calledAt).to.equal(null);
    expect(String(call)).to.equal('<coroutine add()>');
    expect(isCoroutine(call)).to.equal(true);
    expect(isGenerator(call)).to.equal(false);
  });

  it('refuses a non-function with a TypeError', () => {
    expect(() => coroutine(5 as unknown as () => Coroutine<void>)).to.throw(TypeError, 'coroutine() needs a generator function, got number');
  });

  it('isCoroutine: generators and calls yes; functions, futures, iterables and null no', () => {
    function* g(): Coroutine<void> {}
    expect(isCoroutine(g())).to.equal(true);
    expect(isGenerator(g())).to.equal(true);
    expect(isCoroutine(g)).to.equal(false);
    expect(isCoroutine(loop.createFuture())).to.equal(false);
    expect(isCoroutine([1, 2])).to.equal(false);
    expect(isCoroutine(null)).to.equal(false);
    expect(isCoroutine('abc')).to.equal(false);
    expect(isGenerator(null)).to.equal(false);
  });

  it('a result travels up through frames; yield* call is typed T', () => {
    const outer = coroutine(function* outer(): Coroutine<number> {
      const x: number = yield* add(1, 2);
      const y = yield* add(x, 10);
      return y;
    });
    expect(loop.runUntilComplete(outer())).to.equal(13);
    expect(loop.time()).to.equal(2);
  });

  it('a call that finishes without suspending returns at once', () => {
    const now = coroutine(function* now(): Coroutine<string> {
      return 'now';
    });
    function* main(): Coroutine<string> {
      return (yield* now()) + '!';
    }
    expect(loop.runUntilComplete(main())).to.equal('now!');
  });

  it('an exception travels up through frames and can be caught in any of them', () => {
    const middle = coroutine(function* middle(): Coroutine<string> {
      yield* fail('deep');
      return 'unreachable';
    });
    const top = coroutine(function* top(): Coroutine<string> {
      try {
        return yield* middle();
      } catch (e) {
        return `caught ${(e as Error).message}`;
      }
    });
    expect(loop.runUntilComplete(top())).to.equal('caught deep');
    expect(() => loop.runUntilComplete(middle())).to.throw(RuntimeError, 'deep');
  });

  it('a synchronous throw in a frame (before any suspension) reaches its caller', () => {
    const boom = coroutine(function* boom(): Coroutine<void> {
      throw new RuntimeError('sync');
    });
    function* main(): Coroutine<string> {
      try {
        yield* boom();
      } catch (e) {
        return (e as Error).message;
      }
      return 'no';
    }
    expect(loop.runUntilComplete(main())).to.equal('sync');
  });

  it('mixes with plain generators in both directions', () => {
    function* plain(n: number): Coroutine<number> {
      return (yield* add(n, 1)) * 2; // a call inside a plain generator
    }
    const framed = coroutine(function* framed(): Coroutine<number> {
      return yield* plain(4); // a plain generator inside a frame
    });
    function* failingPlain(): Coroutine<void> {
      yield* fail('through plain');
    }
    const catcher = coroutine(function* catcher(): Coroutine<string> {
      try {
        yield* failingPlain();
        return 'no';
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(loop.runUntilComplete(framed())).to.equal(10);
    expect(loop.runUntilComplete(catcher())).to.equal('through plain');
  });

  it('passes `this` through, so methods can be coroutines', () => {
    class Counter {
      n = 0;
      bump = coroutine(function* bump(this: Counter, by: number): Coroutine<number> {
        yield* sleep(0);
        this.n += by;
        return this.n;
      });
    }
    const c = new Counter();
    function* main(): Coroutine<number> {
      yield* c.bump(2);
      return yield* c.bump(3);
    }
    expect(loop.runUntilComplete(main())).to.equal(5);
  });

  it('cancellation is thrown into the innermost frame; every finally runs, innermost first', () => {
    const log: string[] = [];
    const inner = coroutine(function* inner(): Coroutine<void> {
      try {
        yield* sleep(100);
      } finally {
        log.push('inner finally');
      }
    });
    const outer = coroutine(function* outer(): Coroutine<void> {
      try {
        yield* inner();
        log.push('not reached');
      } finally {
        log.push('outer finally');
      }
    });
    function* main(): Coroutine<void> {
      const t = createTask(outer());
      yield* sleep(1);
      t.cancel('enough');
      try {
        yield* t;
      } catch (e) {
        log.push(`${(e as Error).name}: ${(e as Error).message}`);
      }
      expect(t.cancelled()).to.equal(true);
    }
    loop.runUntilComplete(main());
    expect(log).to.deep.equal(['inner finally', 'outer finally', 'CancelledError: enough']);
  });

  it('a frame that catches the cancellation returns normally to its caller', () => {
    const stubborn = coroutine(function* stubborn(): Coroutine<string> {
      try {
        yield* sleep(100);
        return 'slept';
      } catch (e) {
        if (e instanceof CancelledError) return 'refused';
        throw e;
      }
    });
    function* main(): Coroutine<string> {
      const t = createTask(
        coroutine(function* wrapper(): Coroutine<string> {
          return 'wrapper got ' + (yield* stubborn());
        })(),
      );
      yield* sleep(1);
      t.cancel();
      return yield* t;
    }
    expect(loop.runUntilComplete(main())).to.equal('wrapper got refused');
  });

  describe('task.getStack()', () => {
    it('lists the frames outermost first; a task made from a generator starts with <generator>', () => {
      let seen: Frame[] = [];
      const leaf = coroutine(function* leaf(): Coroutine<void> {
        yield* sleep(1);
      });
      const branch = coroutine(function* branch(): Coroutine<void> {
        yield* leaf();
      });
      function* root(): Coroutine<void> {
        const t = createTask(branch(), { name: 'worker' });
        yield* sleep(0.5);
        seen = t.getStack();
        const me = currentTask()!;
        expect(me.getStack().map((f) => f.name)).to.deep.equal(['<generator>']);
        yield* t;
        expect(t.getStack()).to.deep.equal([]); // done: no frames
      }
      loop.runUntilComplete(root());
      expect(seen.map((f) => f.name)).to.deep.equal(['branch', 'leaf']);
      expect(seen.every((f) => f.calledAt === null)).to.equal(true);
    });

    it('in debug mode each frame says where it was called', () => {
      loop.setDebug(true);
      let seen: Frame[] = [];
      const leaf = coroutine(function* leaf(): Coroutine<void> {
        yield* sleep(1);
      });
      function* root(): Coroutine<void> {
        const t = createTask(leaf());
        yield* sleep(0.5);
        seen = t.getStack();
        yield* t;
      }
      loop.runUntilComplete(root());
      expect(seen).to.have.length(1);
      expect(seen[0].name).to.equal('leaf');
      expect(seen[0].calledAt).to.match(/coroutines\.spec\.ts:\d+:\d+$/);
    });
  });

  describe('misuse', () => {
    it('awaiting a call twice is a RuntimeError in the frame that tried', () => {
      const call = add(1, 1);
      function* main(): Coroutine<string> {
        yield* call;
        try {
          yield* call;
        } catch (e) {
          return (e as Error).message;
        }
        return 'no';
      }
      expect(loop.runUntilComplete(main())).to.equal('cannot reuse already awaited coroutine <coroutine add()>');
    });

    it('a task cannot be made from a call that already ran', () => {
      const call = add(1, 1);
      loop.runUntilComplete(call);
      expect(() => loop.createTask(call)).to.throw(RuntimeError, 'cannot reuse already awaited coroutine');
    });

    it('`yield call` without the star is thrown back as a RuntimeError saying how to fix it', () => {
      function* main(): Generator<unknown, string, unknown> {
        try {
          yield add(1, 2);
        } catch (e) {
          return (e as Error).message;
        }
        return 'no';
      }
      const msg = loop.runUntilComplete(main() as Coroutine<string>);
      expect(msg).to.contain('yield was used instead of yield*');
      expect(msg).to.contain('<coroutine add()>');
      expect(msg).to.contain('yield* add(…)');
    });
  });

  describe('"never awaited" (debug mode)', () => {
    it('a call made and dropped is reported at close with where it was made', () => {
      loop.setDebug(true);
      const seen = errorsOf(loop);
      function* main(): Coroutine<void> {
        add(1, 2); // forgotten yield*
      }
      loop.runUntilComplete(main());
      expect(seen).to.deep.equal([]);
      loop.close();
      expect(seen).to.have.length(1);
      expect(seen[0].message).to.match(/^coroutine 'add' was never awaited \(called at .*coroutines\.spec\.ts:\d+:\d+\)$/);
      expect(seen[0].coroutine).to.be.instanceOf(CoroutineCall);
    });

    it('a call made from native code (no file:line) is reported without a call site', () => {
      loop.setDebug(true);
      const seen = errorsOf(loop);
      const one = coroutine(function* one(_n: number): Coroutine<void> {});
      function* main(): Coroutine<void> {
        const calls = [1].map(one as (n: unknown) => CoroutineCall<void>); // called by Array.prototype.map
        expect(calls[0].calledAt).to.equal(null);
      }
      loop.runUntilComplete(main());
      loop.close();
      expect(seen.map((c) => c.message)).to.deep.equal(["coroutine 'one' was never awaited"]);
    });

    it('calls that were awaited or made into tasks are not reported', () => {
      loop.setDebug(true);
      const seen = errorsOf(loop);
      function* main(): Coroutine<void> {
        yield* add(1, 2);
        yield* createTask(add(3, 4));
      }
      loop.runUntilComplete(main());
      loop.close();
      expect(seen).to.deep.equal([]);
    });

    it('without debug mode nothing is tracked', () => {
      const seen = errorsOf(loop);
      function* main(): Coroutine<void> {
        add(1, 2);
      }
      loop.runUntilComplete(main());
      loop.close();
      expect(seen).to.deep.equal([]);
      expect(loop._unawaited.size).to.equal(0);
    });
  });

  it('a recursive call must go through the wrapper: inside `function* f`, the name f is the raw generator function', () => {
    // `const f = coroutine(function* f() { … yield* f() … })` would recurse through plain
    // generators (the inner name shadows the const); name the generator differently.
    let rawSeen = 0;
    const viaWrapper = coroutine(function* step(n: number): Coroutine<number> {
      if (n > 0) return yield* viaWrapper(n - 1);
      rawSeen = (currentTask()!.getStack().length);
      return 0;
    });
    const viaOwnName = coroutine(function* own(n: number): Coroutine<number> {
      if (n > 0) return yield* own(n - 1);
      rawSeen = (currentTask()!.getStack().length);
      return 0;
    });
    function* main(): Coroutine<number[]> {
      const out: number[] = [];
      yield* viaWrapper(3);
      out.push(rawSeen);
      yield* viaOwnName(3);
      out.push(rawSeen);
      return out;
    }
    // Through the wrapper: 4 frames (+ the task's generator); by the inner name: 1 frame.
    expect(loop.runUntilComplete(main())).to.deep.equal([5, 2]);
  });

  it('3 000 nested frames do not overflow the stack', () => {
    const down = coroutine(function* frame(n: number): Coroutine<number> {
      if (n === 0) {
        yield* sleep(1);
        return 0;
      }
      return 1 + (yield* down(n - 1));
    });
    expect(loop.runUntilComplete(down(3000))).to.equal(3000);
  });

  it('3 000 nested frames unwind an exception and a cancellation without overflow', () => {
    let finallies = 0;
    const down = coroutine(function* frame(n: number): Coroutine<number> {
      try {
        if (n === 0) {
          yield* sleep(10);
          throw new RuntimeError('bottom');
        }
        return yield* down(n - 1);
      } finally {
        finallies++;
      }
    });
    expect(() => loop.runUntilComplete(down(3000))).to.throw(RuntimeError, 'bottom');
    expect(finallies).to.equal(3001);
    finallies = 0;
    function* main(): Coroutine<void> {
      const t = createTask(down(3000));
      yield* sleep(1);
      t.cancel();
      try {
        yield* t;
      } catch (e) {
        expect(e).to.be.instanceOf(CancelledError);
      }
    }
    loop.runUntilComplete(main());
    expect(finallies).to.equal(3001);
  });
});
