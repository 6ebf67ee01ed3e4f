// lib/aiter.ts: aiter, anext, asyncFor and asyncCursor — Python's builtins and `async for`.
import { expect } from 'chai';
import {
  EventLoop,
  RuntimeError,
  StopAsyncIteration,
  aiter,
  anext,
  asyncCursor,
  asyncFor,
  asyncGenerator,
  emit,
  sleep,
  type AsyncIteratorLike,
  type Coroutine,
} from '../lib';
import { catching, throws, useVirtualLoop } from './support';

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

/** A hand-written async iterator (Python: a class with __anext__). */
class Countdown implements AsyncIteratorLike<number> {
  constructor(private n: number) {}
  *anext(): Coroutine<number> {
    if (this.n === 0) throw new StopAsyncIteration();
    yield* sleep(1);
    return this.n--;
  }
}

describe('async iteration', () => {
  let loop: EventLoop;
  useVirtualLoop((l) => (loop = l));

  describe('aiter', () => {
    it('an async iterator is its own; an object with aiter() makes one', () => {
      const g = counter([])(1);
      expect(aiter(g)).to.equal(g);
      const c = new Countdown(2);
      expect(aiter(c)).to.equal(c);
      const iterable = { aiter: () => new Countdown(3) };
      expect(aiter(iterable)).to.be.instanceOf(Countdown);
    });

    it('anything else: TypeError "\'X\' object is not an async iterable"', () => {
      expect(throws(() => aiter(5 as never))).to.have.property('message', "'number' object is not an async iterable");
      expect(throws(() => aiter([1] as never))).to.have.property('message', "'Array' object is not an async iterable");
      expect(throws(() => aiter(null as never))).to.have.property('message', "'null' object is not an async iterable");
      expect(throws(() => aiter((() => 1) as never))).to.have.property('message', "'function' object is not an async iterable");
      expect(throws(() => aiter(Object.create(null) as never))).to.have.property('message', "'Object' object is not an async iterable");
      expect(throws(() => aiter(5 as never))).to.be.instanceOf(TypeError);
    });

    it('an aiter() that returns no async iterator: TypeError "aiter() returned not an async iterator of type \'X\'"', () => {
      const bad = { aiter: () => 5 };
      expect(throws(() => aiter(bad as never))).to.have.property('message', "aiter() returned not an async iterator of type 'number'");
    });
  });

  describe('anext', () => {
    it('awaits the iterator\'s next value; with a default, the end gives the default', () => {
      const it = new Countdown(1);
      function* main(): Coroutine<unknown[]> {
        return [yield* anext(it), yield* anext(it, 'default'), yield* anext(it, null)];
      }
      expect(loop.runUntilComplete(main())).to.deep.equal([1, 'default', null]);
    });

    it('without a default, the end is StopAsyncIteration; an error is not replaced by the default', () => {
      const failing = asyncGenerator(function* failing() {
        throw new RangeError('x');
      })();
      function* main(): Coroutine<unknown[]> {
        return [yield* catching(anext(new Countdown(0))), yield* catching(anext(failing, 7))];
      }
      const [end, err] = loop.runUntilComplete(main());
      expect(end).to.be.instanceOf(StopAsyncIteration);
      expect(String(err)).to.equal('RangeError: x');
    });

    it('of something that is not an async iterator: TypeError "\'X\' object is not an async iterator" (a hint for a JavaScript iterable)', () => {
      expect(throws(() => anext(5 as never))).to.have.property('message', "'number' object is not an async iterator");
      expect(throws(() => anext([1] as never))).to.have.property('message', "'Array' object is not an async iterator");
      async function* js() {
        yield 1;
      }
      expect(throws(() => anext(js() as never))).to.have.property(
        'message',
        "'AsyncGenerator' object is not an async iterator (a JavaScript async iterable: take its iterator with aiter(x) first)",
      );
    });
  });

  describe('asyncFor', () => {
    it('runs the body on each value in turn, until the iterator is exhausted', () => {
      const log: string[] = [];
      function* main(): Coroutine<void> {
        yield* asyncFor(counter(log)(3), function* (i) {
          log.push(`${loop.time()}:${i}`);
          yield* sleep(0.5);
        });
        yield* asyncFor(new Countdown(2), function* (n) {
          log.push(`countdown ${n}`);
        });
      }
      loop.runUntilComplete(main());
      expect(log).to.deep.equal(['1:0', '2.5:1', '4:2', 'finally', 'countdown 2', 'countdown 1']);
    });

    it('an error in the body propagates, and the generator is left as it is (as in Python)', () => {
      const log: string[] = [];
      const g = counter(log)(5);
      function* main(): Coroutine<unknown[]> {
        const e = yield* catching(
          asyncFor(g, function* (i) {
            if (i === 1) throw new RangeError('body');
          }),
        );
        return [String(e), log.length, yield* g.anext()];
      }
      expect(loop.runUntilComplete(main())).to.deep.equal(['RangeError: body', 0, 2]);
    });

    it('a StopAsyncIteration from the body is not the end of the loop: it propagates', () => {
      function* main(): Coroutine<unknown> {
        return yield* catching(
          asyncFor(new Countdown(3), function* () {
            throw new StopAsyncIteration();
          }),
        );
      }
      expect(loop.runUntilComplete(main())).to.be.instanceOf(StopAsyncIteration);
    });

    it('checks its arguments when called', () => {
      expect(() => asyncFor([1, 2] as never, function* () {})).to.throw(TypeError, "'Array' object is not an async iterable");
      expect(() => asyncFor(new Countdown(1), 'body' as never)).to.throw(TypeError, 'asyncFor() needs a body function (a function*), got string');
    });
  });

  describe('asyncCursor: the loop whose body can break and return', () => {
    it('next() is true with the value in `value`, then false at the end', () => {
      function* main(): Coroutine<number[]> {
        const seen: number[] = [];
        for (const c = asyncCursor(new Countdown(3)); yield* c.next(); ) seen.push(c.value);
        return seen;
      }
      expect(loop.runUntilComplete(main())).to.deep.equal([3, 2, 1]);
    });

    it('break leaves the loop and the generator unclosed (as Python\'s async for does); close() closes it', () => {
      const log: string[] = [];
      const g = counter(log)(10);
      function* main(): Coroutine<number[]> {
        const seen: number[] = [];
        const c = asyncCursor(g);
        while (yield* c.next()) {
          if (c.value === 2) break;
          seen.push(c.value);
        }
        expect(log).to.deep.equal([]);
        yield* c.close();
        yield* c.close(); // harmless
        return seen;
      }
      expect(loop.runUntilComplete(main())).to.deep.equal([0, 1]);
      expect(log).to.deep.equal(['finally']);
    });

    it('return from inside the loop returns from the enclosing coroutine; continue goes on', () => {
      function* firstOver(limit: number): Coroutine<number | null> {
        for (const c = asyncCursor(counter([])(10)); yield* c.next(); ) {
          if (c.value % 2 === 1) continue;
          if (c.value > limit) return c.value;
        }
        return null;
      }
      expect(loop.runUntilComplete(firstOver(3))).to.equal(4);
      expect(loop.runUntilComplete(firstOver(30))).to.equal(null);
    });

    it('an error thrown in the body propagates; a finally around the loop can close the generator', () => {
      const log: string[] = [];
      function* main(): Coroutine<void> {
        const c = asyncCursor(counter(log)(10));
        try {
          while (yield* c.next()) if (c.value === 1) throw new RangeError('stop');
        } finally {
          yield* c.close();
        }
      }
      expect(() => loop.runUntilComplete(main())).to.throw(RangeError, 'stop');
      expect(log).to.deep.equal(['finally']);
    });

    it('an error from the iterator propagates from next()', () => {
      const g = asyncGenerator(function* breaks() {
        yield* emit(1);
        throw new RangeError('inside');
      })();
      function* main(): Coroutine<unknown> {
        const c = asyncCursor(g);
        yield* c.next();
        return yield* catching(c.next());
      }
      expect(String(loop.runUntilComplete(main()))).to.equal('RangeError: inside');
    });

    it('value before next() returned true: RuntimeError; close() of an iterator without aclose does nothing', () => {
      const c = asyncCursor(new Countdown(1));
      const e = throws(() => c.value);
      expect(e).to.be.instanceOf(RuntimeError);
      expect((e as Error).message).to.equal('cursor.value is there only after `yield* cursor.next()` returned true');
      function* main(): Coroutine<unknown> {
        yield* c.next();
        yield* c.next(); // the end
        yield* c.close();
        return throws(() => c.value);
      }
      expect(loop.runUntilComplete(main())).to.be.instanceOf(RuntimeError);
    });

    it('checks its argument when called', () => {
      expect(() => asyncCursor(7 as never)).to.throw(TypeError, "'number' object is not an async iterable");
    });
  });
});
