// lib/async-iterables.ts: JavaScript's async iteration, both ways — a tulip async
// generator in `for await`, and a JavaScript AsyncIterable (a Node stream, an
// `async function*`) iterated inside a coroutine; closing and cancelling reach the other side.
import { expect } from 'chai';
import { PassThrough, Readable } from 'node:stream';
import {
  CancelledError,
  ContextVar,
  EventLoop,
  RuntimeError,
  StopAsyncIteration,
  aiter,
  anext,
  asyncCursor,
  asyncFor,
  asyncGenerator,
  createTask,
  emit,
  fromPromise,
  getEventLoop,
  getRunningLoop,
  run,
  setEventLoop,
  sleep,
  type Coroutine,
} from '../lib';
import { arun, catching, tick } from './support';

/**
 * Emits 0..n-1, one every 2 ms (real time), logging its finally block (which awaits).
 * Real time, because a `for await` is a host wait for the loop, and a virtual
 * clock never jumps while one is outstanding (it cannot know how long it takes).
 */
function counter(log: string[]) {
  return asyncGenerator(function* count(n: number) {
    try {
      for (let i = 0; i < n; i++) {
        yield* sleep(0.002);
        yield* emit(i);
      }
    } finally {
      yield* sleep(0.002);
      log.push('finally');
    }
  });
}

/** Runs `main` with the async driver on the real clock. */
const rrun = <T>(main: Coroutine<T>): Promise<T> => run(main);

describe('JavaScript async iteration, both ways', () => {
  describe('a tulip async generator in `for await`', () => {
    it('gives its values in order, each step a Task on the loop', async () => {
      const log: string[] = [];
      function* main(): Coroutine<string[]> {
        const g = counter(log)(3);
        const out: string[] = [];
        yield* fromPromise(
          (async () => {
            for await (const i of g) out.push(`${i} in ${getEventLoop() === loop ? 'the loop' : 'another loop'}`);
          })(),
        );
        return out;
      }
      let loop: EventLoop | null = null;
      function* outer(): Coroutine<string[]> {
        loop = getRunningLoop();
        return yield* main();
      }
      expect(await rrun(outer())).to.deep.equal(['0 in the loop', '1 in the loop', '2 in the loop']);
      expect(log).to.deep.equal(['finally']);
    });

    it('every step runs in one context, copied from where the iteration began (as the iterating task\'s, in CPython)', async () => {
      const requestId = new ContextVar<string>('requestId', { default: '-' });
      const seen = asyncGenerator(function* seen() {
        yield* emit(requestId.get()); // the iterating coroutine's value
        requestId.set('set by step 1');
        yield* sleep(0.001);
        yield* emit(requestId.get()); // a later step sees what step 1 set
      });
      function* main(): Coroutine<string[]> {
        requestId.set('main');
        const out: string[] = [];
        yield* fromPromise(
          (async () => {
            for await (const x of seen()) out.push(x);
          })(),
        );
        out.push(requestId.get()); // the generator's set stayed in its own copy
        return out;
      }
      expect(await rrun(main())).to.deep.equal(['main', 'set by step 1', 'main']);
    });

    it('break closes the generator (its finally blocks run, awaits included) before the loop is left', async () => {
      const log: string[] = [];
      function* main(): Coroutine<void> {
        const g = counter(log)(10);
        yield* fromPromise(
          (async () => {
            for await (const i of g) {
              if (i === 1) break;
            }
            log.push('after the loop');
          })(),
        );
        expect(yield* catching(g.anext())).to.be.instanceOf(StopAsyncIteration);
      }
      await rrun(main());
      expect(log).to.deep.equal(['finally', 'after the loop']);
    });

    it('an error in the generator rejects the for-await; an error in its body closes the generator', async () => {
      const log: string[] = [];
      const failing = asyncGenerator(function* failing() {
        yield* emit(1);
        throw new RangeError('from the generator');
      });
      function* main(): Coroutine<string[]> {
        const a = yield* catching(
          fromPromise(
            (async () => {
              for await (const x of failing()) void x;
            })(),
          ),
        );
        const b = yield* catching(
          fromPromise(
            (async () => {
              for await (const x of counter(log)(5)) if (x === 0) throw new TypeError('from the body');
            })(),
          ),
        );
        return [String(a), String(b)];
      }
      expect(await rrun(main())).to.deep.equal(['RangeError: from the generator', 'TypeError: from the body']);
      expect(log).to.deep.equal(['finally']);
    });

    it('calls are queued, as JavaScript queues them: two next() at once do not collide; a return() waits its turn', async () => {
      function* main(): Coroutine<unknown[]> {
        const it = counter([])(5)[Symbol.asyncIterator]();
        const ret = it.return as () => Promise<unknown>;
        const results = yield* fromPromise(Promise.all([it.next(), it.next(), ret.call(it), it.next(), ret.call(it)]));
        return results;
      }
      const it = counter([])(1)[Symbol.asyncIterator]();
      expect(it[Symbol.asyncIterator]()).to.equal(it);
      expect(await rrun(main())).to.deep.equal([
        { done: false, value: 0 },
        { done: false, value: 1 },
        { done: true, value: undefined },
        { done: true, value: undefined },
        { done: true, value: undefined },
      ]);
    });

    it('runs on the loop the generator was first iterated on', async () => {
      const loop = new EventLoop();
      const g = counter([])(2);
      expect(loop.runUntilComplete((function* () {
        return yield* g.anext();
      })())).to.equal(0);
      const next = g[Symbol.asyncIterator]().next();
      await loop.runUntilCompleteAsync(fromPromise(next, loop));
      expect(await next).to.deep.equal({ done: false, value: 1 });
      loop.close();
    });
    it('with no running loop to step it, the for-await fails with a message saying what to do (instead of waiting forever)', async () => {
      const loop = new EventLoop({ clock: 'virtual' });
      const g = counter([])(2);
      expect(loop.runUntilComplete(g.anext())).to.equal(0); // first asked outside a running loop: not registered
      let caught: unknown;
      setEventLoop(loop); // the current loop, not running
      try {
        for await (const x of g) void x;
      } catch (e) {
        caught = e;
      } finally {
        setEventLoop(null);
      }
      expect(caught).to.be.instanceOf(RuntimeError);
      expect((caught as Error).message).to.match(
        /^for await over <async_generator object count> needs a running event loop to step it, and <EventLoop running=false .*> is not running: iterate inside run\(main\(\)\)/,
      );
      loop.close();
    });
  });

  describe('a JavaScript AsyncIterable inside a coroutine', () => {
    it('a Node Readable: asyncFor gets its chunks', async () => {
      function* main(): Coroutine<string[]> {
        const got: string[] = [];
        yield* asyncFor(Readable.from(['a', 'b', 'c']), function* (chunk) {
          got.push(String(chunk));
        });
        return got;
      }
      expect(await arun(main())).to.deep.equal(['a', 'b', 'c']);
    });

    it('an async function* generator: anext through aiter, StopAsyncIteration at the end', async () => {
      async function* source() {
        yield 1;
        await new Promise((r) => setTimeout(r, 1));
        yield 2;
      }
      expect(String(aiter(source()))).to.equal('<async iterator of <AsyncGenerator>>');
      function* main(): Coroutine<unknown[]> {
        const it = aiter(source());
        return [yield* anext(it), yield* anext(it), yield* catching(anext(it)), yield* catching(anext(it))];
      }
      const [a, b, end, again] = await arun(main());
      expect([a, b]).to.deep.equal([1, 2]);
      expect(end).to.be.instanceOf(StopAsyncIteration);
      expect(again).to.be.instanceOf(StopAsyncIteration);
    });

    it('closing it early (cursor.close(), aclose) calls its return(): the source\'s finally runs', async () => {
      const log: string[] = [];
      async function* source() {
        try {
          for (let i = 0; ; i++) yield i;
        } finally {
          log.push('source finally');
        }
      }
      function* main(): Coroutine<number[]> {
        const seen: number[] = [];
        const c = asyncCursor(source());
        while (yield* c.next()) {
          if (c.value === 2) break;
          seen.push(c.value);
        }
        yield* c.close();
        yield* c.close();
        return seen;
      }
      expect(await arun(main())).to.deep.equal([0, 1]);
      expect(log).to.deep.equal(['source finally']);
    });

    it('cancelling a task that iterates a Node stream stops the reading: the stream is destroyed', async () => {
      const stream = new PassThrough({ objectMode: true });
      function* main(): Coroutine<unknown[]> {
        const seen: unknown[] = [];
        const reader = createTask(
          asyncFor(stream, function* (chunk) {
            seen.push(chunk);
          }),
        );
        stream.write('one');
        while (seen.length === 0) yield* fromPromise(tick());
        reader.cancel();
        const e = yield* catching(reader);
        return [seen, e instanceof CancelledError, stream.destroyed];
      }
      expect(await arun(main())).to.deep.equal([['one'], true, true]);
    });

    it('cancelled while the source\'s return() itself fails at once: the cancellation still comes out', async () => {
      let calls = 0;
      const source = {
        [Symbol.asyncIterator]: () => ({
          next: () => new Promise<IteratorResult<number>>(() => undefined), // never settles
          return: () => {
            calls++;
            throw new RangeError('return failed');
          },
        }),
      };
      function* main(): Coroutine<unknown> {
        const t = createTask(anext(aiter(source)));
        yield* fromPromise(tick());
        t.cancel();
        return yield* catching(t);
      }
      expect(await arun(main())).to.be.instanceOf(CancelledError);
      expect(calls).to.equal(1);
    });

    it('an error of the iterator propagates, and ends the iteration', async () => {
      async function* source() {
        yield 1;
        throw new RangeError('source failed');
      }
      function* main(): Coroutine<unknown[]> {
        const it = aiter(source());
        return [yield* anext(it), String(yield* catching(anext(it))), yield* catching(anext(it))];
      }
      const [one, err, after] = await arun(main());
      expect([one, err]).to.deep.equal([1, 'RangeError: source failed']);
      expect(after).to.be.instanceOf(StopAsyncIteration);
    });

    it('a broken iterator: a next() that resolves to no result, a Symbol.asyncIterator that returns no iterator', async () => {
      const noResult = { [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve(42) }) };
      function* main(): Coroutine<unknown> {
        return yield* catching(anext(aiter(noResult as never)));
      }
      const e = await arun(main());
      expect(e).to.be.instanceOf(RuntimeError);
      expect((e as Error).message).to.match(/resolved next\(\) to 42, not an iterator result \(\{ done, value \}\)$/);
      const noIterator = { [Symbol.asyncIterator]: () => 7 };
      expect(() => aiter(noIterator as never)).to.throw(TypeError, '[Symbol.asyncIterator]() returned 7, not an async iterator');
    });

    it('needs the async driver: on the synchronous one, waiting for the iterator is refused with a message saying so', () => {
      const loop = new EventLoop({ clock: 'virtual' });
      async function* source() {
        yield 1;
      }
      try {
        expect(() => loop.runUntilComplete(asyncFor(source(), function* () {}))).to.throw(RuntimeError, 'the synchronous driver cannot wait for host I/O');
      } finally {
        loop.close();
      }
    });
  });
});
