// lib/contexts.ts: asyncWith — Python's `async with`, by hand.
import { expect } from 'chai';
import {
  CancelledError,
  EventLoop,
  asyncWith,
  coroutine,
  createTask,
  sleep,
  type AsyncContextManager,
  type Coroutine,
} from '../lib';
import { useVirtualLoop } from './support';

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
});
