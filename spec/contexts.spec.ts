// lib/contexts.ts: asyncWith — Python's `async with`, by hand.
import { expect } from 'chai';
import {
  CancelledError,
  BaseExceptionGroup,
  EventLoop,
  ExceptionGroup,
  GeneratorExit,
  Lock,
  RuntimeError,
  TaskGroup,
  asyncGenerator,
  asyncWith,
  emit,
  coroutine,
  createTask,
  sleep,
  type AsyncContextManager,
  type Coroutine,
} from '../lib';
import { catching, useVirtualLoop } from './support';

/** A context manager that logs what happens to it; `swallow` makes exit() return true. */
class Logged implements AsyncContextManager<string> {
  log: string[] = [];
  constructor(private readonly swallow = false) {}
  *enter(): Coroutine<string> {
    this.log.push('enter');
    yield* sleep(1);
    return 'resource';
  }
  *exit(error?: unknown): Coroutine<boolean> {
    this.log.push(error === undefined ? 'exit clean' : `exit with ${(error as Error).name}: ${(error as Error).message}`);
    yield* sleep(1);
    return this.swallow;
  }
}

describe('asyncWith', () => {
  let loop: EventLoop;
  useVirtualLoop((l) => (loop = l));

  it('enters, hands the body its value, exits clean, and returns the body\'s result', () => {
    const cm = new Logged();
    function* main(): Coroutine<string> {
      return yield* asyncWith(cm, function* (value) {
        cm.log.push(`body got ${value}`);
        yield* sleep(1);
        return 'result';
      });
    }
    expect(loop.runUntilComplete(main())).to.equal('result');
    expect(cm.log).to.deep.equal(['enter', 'body got resource', 'exit clean']);
    expect(loop.time()).to.equal(3);
  });

  it('an error in the body reaches exit(error), then propagates', () => {
    const cm = new Logged();
    function* main(): Coroutine<void> {
      yield* asyncWith(cm, function* () {
        throw new RangeError('in body');
      });
    }
    expect(() => loop.runUntilComplete(main())).to.throw(RangeError, 'in body');
    expect(cm.log).to.deep.equal(['enter', 'exit with RangeError: in body']);
  });

  it('exit() returning true swallows the error; the result is undefined', () => {
    const cm = new Logged(true);
    function* main(): Coroutine<string | undefined> {
      return yield* asyncWith(cm, function* (): Coroutine<string> {
        throw new Error('swallowed');
      });
    }
    expect(loop.runUntilComplete(main())).to.equal(undefined);
    expect(cm.log).to.deep.equal(['enter', 'exit with Error: swallowed']);
  });

  it('a clean exit returning true changes nothing', () => {
    const cm = new Logged(true);
    function* main(): Coroutine<number> {
      return yield* asyncWith(cm, function* () {
        return 1;
      });
    }
    expect(loop.runUntilComplete(main())).to.equal(1);
  });

  it('a failing enter() skips the body and exit()', () => {
    const log: string[] = [];
    const cm: AsyncContextManager<void> = {
      *enter() {
        throw new Error('cannot enter');
      },
      *exit() {
        log.push('exit');
      },
    };
    function* main(): Coroutine<void> {
      yield* asyncWith(cm, function* () {
        log.push('body');
      });
    }
    expect(() => loop.runUntilComplete(main())).to.throw('cannot enter');
    expect(log).to.deep.equal([]);
  });

  it('an error raised by exit() replaces the body\'s', () => {
    const cm: AsyncContextManager<void> = {
      *enter() {},
      *exit() {
        throw new Error('from exit');
      },
    };
    function* main(): Coroutine<void> {
      yield* asyncWith(cm, function* () {
        throw new Error('from body');
      });
    }
    expect(() => loop.runUntilComplete(main())).to.throw('from exit');
  });

  it('cancellation inside the body goes through exit()', () => {
    const cm = new Logged();
    function* main(): Coroutine<void> {
      const t = createTask(
        asyncWith(cm, function* () {
          yield* sleep(100);
        }),
      );
      yield* sleep(2);
      t.cancel('stop');
      try {
        yield* t;
      } catch (e) {
        expect(e).to.be.instanceOf(CancelledError);
      }
    }
    loop.runUntilComplete(main());
    expect(cm.log).to.deep.equal(['enter', 'exit with CancelledError: stop']);
  });

  it('takes coroutine() functions for enter, exit and the body', () => {
    const log: string[] = [];
    const cm: AsyncContextManager<number> = {
      enter: coroutine(function* enter(): Coroutine<number> {
        yield* sleep(0);
        return 5;
      }),
      exit: coroutine(function* exit(): Coroutine<void> {
        log.push('exit');
      }),
    };
    const body = coroutine(function* body(n: number): Coroutine<number> {
      yield* sleep(0);
      return n * 2;
    });
    function* main(): Coroutine<number> {
      return yield* asyncWith(cm, body);
    }
    expect(loop.runUntilComplete(main())).to.equal(10);
    expect(log).to.deep.equal(['exit']);
  });

  it('checks its arguments at the call, before entering anything', () => {
    expect(() => asyncWith(null as unknown as AsyncContextManager<void>, function* () {})).to.throw(TypeError, 'asyncWith() needs an async context manager (an object with enter() and exit()), got null');
    expect(() => asyncWith({ enter() {} } as unknown as AsyncContextManager<void>, function* () {})).to.throw(TypeError, 'async context manager');
    const cm = new Logged();
    expect(() => asyncWith(cm, 'body' as unknown as () => Coroutine<void>)).to.throw(TypeError, 'asyncWith() needs a body function (a function*), got string');
    expect(cm.log).to.deep.equal([]);
  });
  describe('an async generator closed while its body is inside the block (aclose)', () => {
    it('exit() runs, with a GeneratorExit (Python: __aexit__(GeneratorExit)); a lock is released; no catch block runs', () => {
      const lock = new Lock();
      const log: string[] = [];
      let seen: unknown;
      const cm: AsyncContextManager<void> = {
        enter: () => lock.enter(),
        *exit(error?: unknown): Coroutine<void> {
          seen = error;
          yield* lock.exit(error);
        },
      };
      const g = asyncGenerator(function* locked() {
        try {
          yield* asyncWith(cm, function* () {
            yield* emit(1);
          });
          log.push('after the block');
        } catch (e) {
          log.push(`catch ${e}`);
        } finally {
          log.push('finally');
        }
      })();
      function* main(): Coroutine<unknown> {
        yield* g.anext();
        expect(lock.locked()).to.equal(true);
        return yield* g.aclose();
      }
      expect(loop.runUntilComplete(main())).to.equal(undefined);
      expect(seen).to.be.instanceOf(GeneratorExit);
      expect(lock.locked()).to.equal(false);
      expect(log).to.deep.equal(['finally']);
    });

    it('an exit() that awaits: the close goes on as GeneratorExit (else JavaScript would drop it), and aclose() counts that as closed', () => {
      const cm = new Logged();
      const log: string[] = [];
      const g = asyncGenerator(function* awaitingExit() {
        try {
          yield* asyncWith(cm, function* () {
            yield* emit(1);
          });
          log.push('after the block (must not run)');
          yield* emit(2);
        } catch (e) {
          log.push(`catch ${(e as Error).name}`);
          throw e;
        } finally {
          log.push(`finally at ${loop.time()}`);
        }
      })();
      function* main(): Coroutine<unknown> {
        yield* g.anext();
        return yield* g.aclose();
      }
      expect(loop.runUntilComplete(main())).to.equal(undefined);
      expect(cm.log).to.deep.equal(['enter', 'exit with GeneratorExit: ']);
      expect(log).to.deep.equal(['catch GeneratorExit', 'finally at 2']);
    });

    it('an exit() that returns true swallows the close, as in Python: the code after the block runs (and emitting there is refused)', () => {
      const cm = new Logged(true);
      const g = asyncGenerator(function* swallowed() {
        yield* asyncWith(cm, function* () {
          yield* emit(1);
        });
        yield* emit(2);
      })();
      function* main(): Coroutine<unknown> {
        yield* g.anext();
        return yield* catching(g.aclose());
      }
      const e = loop.runUntilComplete(main());
      expect(e).to.be.instanceOf(RuntimeError);
      expect((e as Error).message).to.equal('async generator ignored GeneratorExit');
    });

    it('a cancellation while an awaiting exit() runs for a close reaches that exit()', () => {
      const log: string[] = [];
      const cm: AsyncContextManager<void> = {
        *enter(): Coroutine<void> {},
        *exit(): Coroutine<void> {
          try {
            yield* sleep(10);
          } catch (e) {
            log.push(`exit got ${(e as Error).name}`);
            throw e;
          }
        },
      };
      const g = asyncGenerator(function* slowExit() {
        yield* asyncWith(cm, function* () {
          yield* emit(1);
        });
      })();
      function* main(): Coroutine<unknown> {
        yield* g.anext();
        const t = createTask(g.aclose());
        yield* sleep(1);
        t.cancel();
        return yield* catching(t);
      }
      expect(loop.runUntilComplete(main())).to.be.instanceOf(CancelledError);
      expect(log).to.deep.equal(['exit got CancelledError']);
    });

    it('a TaskGroup in the body: its tasks are cancelled, and the close comes out as BaseExceptionGroup([GeneratorExit]), as in CPython', () => {
      const g = asyncGenerator(function* grouped() {
        yield* asyncWith(new TaskGroup(), function* (tg) {
          tg.createTask(sleep(5));
          yield* emit(1);
        });
      })();
      function* main(): Coroutine<unknown> {
        yield* g.anext();
        return yield* catching(g.aclose());
      }
      const e = loop.runUntilComplete(main());
      expect(e).to.be.instanceOf(BaseExceptionGroup);
      expect(e).not.to.be.instanceOf(ExceptionGroup); // a BaseException inside: `except Exception` would not catch it
      expect((e as BaseExceptionGroup).exceptions[0]).to.be.instanceOf(GeneratorExit);
      expect(loop.time()).to.equal(0);
    });
  });
});
