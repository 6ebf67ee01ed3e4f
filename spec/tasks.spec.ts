// lib/tasks.ts: Task — names, the trampoline and its bad-yield diagnostics,
// cancellation (messages, cancelling()/uncancel(), refusals, timing corner
// cases), currentTask/allTasks/ensureFuture/createTask, sleep, and the eager
// task factory. Expected values were measured on CPython 3.13 (and 3.12).
import { expect } from 'chai';
import {
  CancelledError,
  DefaultEventLoopPolicy,
  EventLoop,
  Future,
  InvalidStateError,
  RuntimeError,
  Task,
  ValueError,
  allTasks,
  coroutine,
  createTask,
  currentTask,
  eagerTaskFactory,
  ensureFuture,
  gather,
  getEventLoopPolicy,
  isTask,
  setEventLoopPolicy,
  sleep,
  type Awaitable,
  type Coroutine,
  type ExceptionContext,
  type Handle,
} from '../lib';
import { errorsOf, throws } from './support';

/** Awaits `aw` and gives back what it threw, or fails. */
function* thrown(aw: Iterable<unknown>): Coroutine<Error> {
  try {
    yield* aw as Coroutine<unknown>;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an exception');
}

function* noop(): Coroutine<void> {}

function* forever(): Coroutine<void> {
  yield* sleep(1e9);
}

/** A generator typed loosely, for the mistakes a typed Coroutine cannot compile. */
type Loose<T> = Generator<unknown, T, unknown>;
const loose = <T>(g: Loose<T>) => g as unknown as Coroutine<T>;

describe('Task', () => {
  let loop: EventLoop;
  let seen: ExceptionContext[];
  beforeEach(() => {
    loop = new EventLoop({ clock: 'virtual' });
    seen = errorsOf(loop);
  });
  afterEach(() => {
    if (!loop.isClosed()) loop.close();
    expect(seen, 'nothing reaches the exception handler').to.deep.equal([]);
  });

  const run = <T>(main: Awaitable<T>): T => loop.runUntilComplete(main);

  describe('creation', () => {
    it('is a Future whose first step is scheduled with callSoon', () => {
      const steps: string[] = [];
      function* body(): Coroutine<number> {
        steps.push('ran');
        return 1;
      }
      const t = loop.createTask(body());
      expect(t).to.be.instanceOf(Future);
      expect(isTask(t)).to.equal(true);
      expect(isTask(loop.createFuture())).to.equal(false);
      expect(steps).to.deep.equal([]);
      expect(loop._ready.length).to.equal(1);
      expect(run(t)).to.equal(1);
      expect(steps).to.deep.equal(['ran']);
    });

    it('new Task(coro, { loop, name }) works like loop.createTask', () => {
      const t = new Task(noop(), { loop, name: 'direct' });
      expect(t.getLoop()).to.equal(loop);
      expect(t.getName()).to.equal('direct');
      run(t);
      expect(t.done()).to.equal(true);
    });

    it('refuses a non-coroutine with a TypeError; a function gets "call it"', () => {
      expect(() => loop.createTask(42 as unknown as Coroutine<void>)).to.throw(TypeError, 'a coroutine was expected, got 42');
      expect(() => loop.createTask(noop as unknown as Coroutine<void>)).to.throw(TypeError, '(a function: call it to get a coroutine)');
      expect(() => loop.createTask(loop.createFuture() as unknown as Coroutine<void>)).to.throw(TypeError, 'a coroutine was expected');
    });

    it('refuses a closed loop', () => {
      loop.close();
      expect(() => loop.createTask(noop())).to.throw(RuntimeError, 'Event loop is closed');
      expect(() => new Task(noop(), { loop })).to.throw(RuntimeError, 'Event loop is closed');
    });

    it('createTask() needs a running loop', () => {
      expect(() => createTask(noop())).to.throw(RuntimeError, 'no running event loop');
    });

    it('getCoro() is the coroutine it runs (a generator or a coroutine() call)', () => {
      const g = noop();
      expect(loop.createTask(g).getCoro()).to.equal(g);
      const call = coroutine(noop)();
      expect(loop.createTask(call).getCoro()).to.equal(call);
      run(sleep(0));
    });
  });

  describe('names', () => {
    it('unnamed tasks are Task-N from one counter; named tasks take no number (3.13)', () => {
      const a = loop.createTask(noop());
      const b = loop.createTask(noop(), { name: 'worker' });
      const c = loop.createTask(noop());
      const n = Number(/^Task-(\d+)$/.exec(a.getName())![1]);
      expect(b.getName()).to.equal('worker');
      expect(c.getName()).to.equal(`Task-${n + 1}`);
      run(c);
    });

    it('setName stores the string form of anything', () => {
      const t = loop.createTask(noop(), { name: 'a' });
      t.setName(987654321);
      expect(t.getName()).to.equal('987654321');
      t.setName({ toString: () => 'obj' });
      expect(t.getName()).to.equal('obj');
      run(t);
    });
  });

  describe('outcome', () => {
    it('a return is the result; a throw is the exception', () => {
      function* ok(): Coroutine<string> {
        yield* sleep(1);
        return 'done';
      }
      const err = new ValueError('bad');
      function* bad(): Coroutine<void> {
        yield* sleep(1);
        throw err;
      }
      expect(run(ok())).to.equal('done');
      const t = loop.createTask(bad());
      expect(() => run(t)).to.throw(err);
      expect(t.exception()).to.equal(err);
    });

    it('a coroutine that throws undefined fails with a RuntimeError saying so', () => {
      function* weird(): Coroutine<void> {
        throw undefined;
      }
      expect(() => run(weird())).to.throw(RuntimeError, 'coroutine threw undefined');
    });

    it('a CancelledError raised by the coroutine itself leaves the task cancelled; its first read re-raises that very error', () => {
      const own = new CancelledError('own');
      function* raiser(): Coroutine<void> {
        throw own;
      }
      const t = loop.createTask(raiser());
      run(sleep(0));
      expect(t.cancelled()).to.equal(true);
      expect(t.cancelling()).to.equal(0);
      expect(() => t.result()).to.throw(CancelledError).that.equals(own);
      // Later reads get a new, empty CancelledError (as in CPython).
      expect(() => t.result()).to.throw(CancelledError).that.satisfies((e: CancelledError) => e !== own && e.message === '');
    });

    it('setResult and setException are refused with RuntimeError', () => {
      const t = loop.createTask(noop());
      expect(() => t.setResult(undefined)).to.throw(RuntimeError, 'Task does not support set_result operation');
      expect(() => t.setException(new Error('x'))).to.throw(RuntimeError, 'Task does not support set_exception operation');
      run(t);
    });

    it('an exception nobody retrieves is reported at close as "Task exception was never retrieved"', () => {
      function* bad(): Coroutine<void> {
        throw new ValueError('lost');
      }
      const t = loop.createTask(bad());
      run(sleep(0));
      loop.close();
      expect(seen.map((c) => c.message)).to.deep.equal(['Task exception was never retrieved']);
      expect(seen[0].future).to.equal(t);
      seen.length = 0;
    });

    it('an exception is not reported once awaited, read, or after cancel() was called', () => {
      function* bad(): Coroutine<void> {
        throw new ValueError('handled');
      }
      const awaited = loop.createTask(bad());
      const read = loop.createTask(bad());
      const cancelled = loop.createTask(bad());
      run(thrown(awaited));
      read.exception();
      expect(cancelled.cancel()).to.equal(false);
      loop.close();
    });
  });

  describe('toString', () => {
    it('shows state, name, the future waited for, and the coroutine() call', () => {
      const t = loop.createTask(forever(), { name: 'w' });
      expect(String(t)).to.equal("<Task pending name='w'>");
      run(sleep(0));
      expect(String(t)).to.equal("<Task pending name='w' wait_for=<Future pending>>");
      t.cancel();
      expect(String(t)).to.equal("<Task cancelling name='w' wait_for=<Future cancelled>>");
      run(sleep(0));
      expect(String(t)).to.equal("<Task cancelled name='w'>");
      const r = loop.createTask(sleep(0, 'abc'), { name: 'r' });
      run(r);
      expect(String(r)).to.equal("<Task finished name='r' result='abc'>");
      const c = loop.createTask(coroutine(noop)(), { name: 'c' });
      expect(String(c)).to.equal("<Task pending name='c' coro=<coroutine noop()>>");
      run(c);
    });
  });

  describe('bad yields are thrown back into the coroutine as RuntimeError', () => {
    function* catching(body: () => Loose<unknown>): Coroutine<string> {
      try {
        yield* loose(body());
      } catch (e) {
        expect(e).to.be.instanceOf(RuntimeError);
        return (e as Error).message;
      }
      return 'not thrown';
    }

    it('plain `yield fut`: "yield was used instead of yield*"', () => {
      const fut = loop.createFuture();
      const msg = run(
        catching(function* () {
          yield fut;
        }),
      );
      expect(msg).to.contain('yield was used instead of yield*');
      expect(msg).to.contain('<Future pending>');
      expect(fut._callback0).to.equal(null); // the task did not wait on it
    });

    it('`yield coro` (a generator): says it was a generator', () => {
      const msg = run(
        catching(function* () {
          yield noop();
        }),
      );
      expect(msg).to.contain('yield was used instead of yield*');
      expect(msg).to.contain('for generator');
      expect(msg).to.contain('yield* coro');
    });

    it('the task awaiting itself: "Task cannot await on itself"', () => {
      function* selfish(): Coroutine<string> {
        return (yield* thrown(currentTask()!)).message;
      }
      expect(run(selfish())).to.match(/^Task cannot await on itself: <Task pending name='Task-\d+'>$/);
    });

    it('a future of another loop: "attached to a different loop"', () => {
      const other = new EventLoop({ clock: 'virtual' });
      const fut = other.createFuture();
      function* main(): Coroutine<string> {
        return (yield* thrown(fut)).message;
      }
      expect(run(main())).to.match(/^Task <Task pending name='Task-\d+'> got Future <Future pending> attached to a different loop$/);
      other.close();
    });

    for (const [label, value, shown] of [
      ['a number', 42, '42'],
      ['a string', 'x', "'x'"],
      ['null', null, 'null'],
      ['a plain object', { a: 1 }, '{"a":1}'],
      ['a null-prototype object', Object.create(null), '{}'],
    ] as [string, unknown, string][]) {
      it(`anything else (${label}): "Task got bad yield: ${shown}"`, () => {
        const msg = run(
          catching(function* () {
            yield value;
          }),
        );
        expect(msg).to.equal(`Task got bad yield: ${shown}`);
      });
    }

    it('a Promise: "Task got bad yield:" and how to wait for one (fromPromise)', () => {
      const msg = run(
        catching(function* () {
          yield Promise.resolve(1);
        }),
      );
      expect(msg).to.match(/^Task got bad yield: <Promise>/);
      expect(msg).to.contain('yield* fromPromise(promise)');
    });

    it('a coroutine that ignores the error and keeps yielding garbage just gets it again', () => {
      let tries = 0;
      function* stubborn(): Loose<number> {
        for (;;) {
          try {
            yield 1;
          } catch {
            if (++tries === 3) return tries;
          }
        }
      }
      expect(run(loose(stubborn()))).to.equal(3);
    });

    it('a bare `yield` gives up the loop for exactly one iteration', () => {
      const order: string[] = [];
      function* main(): Coroutine<void> {
        loop.callSoon(() => order.push('cs1'));
        createTask(
          (function* T(): Coroutine<void> {
            order.push('T');
          })(),
        );
        loop.callSoon(() => order.push('cs2'));
        yield;
        order.push('main resumes');
      }
      run(main());
      expect(order).to.deep.equal(['cs1', 'T', 'cs2', 'main resumes']);
    });
  });

  describe('iterations (measured on CPython)', () => {
    it('two tasks looping on sleep(0) interleave strictly', () => {
      const log: string[] = [];
      function* worker(name: string): Coroutine<void> {
        for (let i = 0; i < 3; i++) {
          log.push(`${name}${i}`);
          yield* sleep(0);
        }
      }
      function* main(): Coroutine<void> {
        const a = createTask(worker('A'));
        const b = createTask(worker('B'));
        yield* a;
        yield* b;
      }
      run(main());
      expect(log).to.deep.equal(['A0', 'B0', 'A1', 'B1', 'A2', 'B2']);
    });

    it('awaiting a task that returns at once takes four iterations in all', () => {
      let iterations = 0;
      const origRunReady = loop._runReady.bind(loop);
      loop._runReady = () => {
        iterations++;
        origRunReady();
      };
      function* main(): Coroutine<void> {
        yield* createTask(noop());
      }
      run(main());
      expect(iterations).to.equal(4);
    });

    it('futures resume their waiting tasks in registration order, between other callbacks', () => {
      const order: string[] = [];
      const f = loop.createFuture<number>();
      function* waiter(name: string): Coroutine<void> {
        yield* f;
        order.push(name);
      }
      function* main(): Coroutine<void> {
        createTask(waiter('t1'));
        createTask(waiter('t2'));
        yield* sleep(0);
        f.addDoneCallback(() => order.push('cb'));
        loop.callSoon(() => order.push('x'));
        f.setResult(1);
        loop.callSoon(() => order.push('y'));
        yield* sleep(0);
        yield* sleep(0);
      }
      run(main());
      expect(order).to.deep.equal(['x', 't1', 't2', 'cb', 'y']);
    });
  });

  describe('cancel', () => {
    it('is false once the task is done', () => {
      const t = loop.createTask(noop());
      run(t);
      expect(t.cancel()).to.equal(false);
      expect(t.cancelling()).to.equal(0);
    });

    it('before the first step: the body never runs; the message reaches the awaiter', () => {
      let ran = false;
      function* body(): Coroutine<void> {
        ran = true;
      }
      function* main(): Coroutine<Error> {
        const t = createTask(body());
        expect(t.cancel('early')).to.equal(true);
        expect(t.cancelling()).to.equal(1);
        const e = yield* thrown(t);
        expect(t.cancelled()).to.equal(true);
        return e;
      }
      const e = run(main());
      expect(ran).to.equal(false);
      expect(e).to.be.instanceOf(CancelledError);
      expect(e.message).to.equal('early');
    });

    it('twice before the first step: both count, the last message wins', () => {
      function* main(): Coroutine<void> {
        const t = createTask(noop());
        t.cancel('a');
        t.cancel('b');
        expect((yield* thrown(t)).message).to.equal('b');
        expect(t.cancelling()).to.equal(2);
      }
      run(main());
    });

    it('while waiting: cancels the awaited future; twice: both count, the first message wins', () => {
      function* main(): Coroutine<void> {
        const t = createTask(forever());
        yield* sleep(0);
        const waited = t._futWaiter!;
        expect(t.cancel('m1')).to.equal(true);
        expect(waited.cancelled()).to.equal(true);
        expect(t.cancel('m2')).to.equal(true);
        const e = yield* thrown(t);
        expect(e).to.be.instanceOf(CancelledError);
        expect(e.message).to.equal('m1');
        expect(t.cancelling()).to.equal(2);
      }
      run(main());
    });

    it('cancelling the top of a chain of tasks cancels down to the leaf; the message comes back up (CPython: same values)', () => {
      function* main(): Coroutine<void> {
        const inner = createTask(forever());
        const mid = createTask(
          (function* mid(): Coroutine<void> {
            yield* inner;
          })(),
        );
        const top = createTask(
          (function* top(): Coroutine<void> {
            yield* mid;
          })(),
        );
        yield* sleep(0);
        top.cancel('from top');
        const got: [string, number][] = [];
        for (const t of [top, mid, inner]) {
          const e = yield* thrown(t);
          expect(e).to.be.instanceOf(CancelledError);
          got.push([e.message, t.cancelling()]);
        }
        // The wake-ups up the chain already read mid's and inner's own errors: later reads are empty.
        expect(got).to.deep.equal([
          ['from top', 1],
          ['', 1],
          ['', 1],
        ]);
      }
      run(main());
    });

    it('the coroutine may refuse by catching CancelledError; cancelling() stays 1', () => {
      function* refuse(): Coroutine<string> {
        try {
          yield* sleep(10);
          return 'slept';
        } catch (e) {
          if (e instanceof CancelledError) return 'refused';
          throw e;
        }
      }
      function* main(): Coroutine<void> {
        const t = createTask(refuse());
        yield* sleep(0);
        t.cancel();
        expect(yield* t).to.equal('refused');
        expect(t.cancelled()).to.equal(false);
        expect(t.cancelling()).to.equal(1);
      }
      run(main());
    });

    it('while waiting on a task that refuses: both count one request; the outer gets the inner\'s value', () => {
      function* refuse(): Coroutine<string> {
        try {
          yield* sleep(10);
          return 'slept';
        } catch {
          return 'refused';
        }
      }
      function* main(): Coroutine<void> {
        const inner = createTask(refuse());
        const outer = createTask(
          (function* outer(): Coroutine<string> {
            return yield* inner;
          })(),
        );
        yield* sleep(0);
        outer.cancel('m');
        expect(yield* outer).to.equal('refused');
        expect(outer.cancelled()).to.equal(false);
        expect(outer.cancelling()).to.equal(1);
        expect(inner.cancelling()).to.equal(1);
      }
      run(main());
    });

    it('cancelling a task that waits on a refusing task again cancels it again', () => {
      let refusals = 0;
      function* refuseTwice(): Coroutine<string> {
        for (;;) {
          try {
            yield* sleep(10);
            return 'slept';
          } catch {
            if (++refusals === 2) return 'gave up';
          }
        }
      }
      function* main(): Coroutine<void> {
        const inner = createTask(refuseTwice());
        const outer = createTask(
          (function* outer(): Coroutine<string> {
            return yield* inner;
          })(),
        );
        yield* sleep(0);
        outer.cancel();
        yield* sleep(0);
        yield* sleep(0);
        outer.cancel();
        expect(yield* outer).to.equal('gave up');
        expect(inner.cancelling()).to.equal(2);
      }
      run(main());
    });

    it('after the awaited future finished but before the task resumed: thrown in at the yield', () => {
      const f = loop.createFuture<number>();
      function* waiter(): Coroutine<string> {
        try {
          yield* f;
          return 'resumed normally';
        } catch (e) {
          return `cancelled at yield: ${(e as Error).message}`;
        }
      }
      function* main(): Coroutine<void> {
        const t = createTask(waiter());
        yield* sleep(0);
        f.setResult(1);
        t.cancel('late');
        expect(yield* t).to.equal('cancelled at yield: late');
      }
      run(main());
    });

    it('a task that cancels itself and returns without awaiting ends cancelled', () => {
      function* selfCancel(): Coroutine<number> {
        currentTask()!.cancel('self');
        return 5;
      }
      function* main(): Coroutine<void> {
        const t = createTask(selfCancel());
        const e = yield* thrown(t);
        expect(e).to.be.instanceOf(CancelledError);
        expect(e.message).to.equal('self');
        expect(t.cancelled()).to.equal(true);
      }
      run(main());
    });

    it('a task that cancels itself has the next future it awaits cancelled at once', () => {
      function* selfCancel(): Coroutine<string> {
        currentTask()!.cancel('self2');
        try {
          yield* sleep(100);
          return 'slept';
        } catch (e) {
          return `caught ${(e as Error).message} at ${loop.time()}`;
        }
      }
      expect(run(selfCancel())).to.equal('caught self2 at 0');
    });

    it('finally blocks run on cancellation, and may await', () => {
      const log: string[] = [];
      function* cleanup(): Coroutine<void> {
        try {
          yield* sleep(100);
        } finally {
          log.push(`finally at ${loop.time()}`);
          yield* sleep(1);
          log.push(`cleaned at ${loop.time()}`);
        }
      }
      function* main(): Coroutine<void> {
        const t = createTask(cleanup());
        yield* sleep(2);
        t.cancel();
        yield* thrown(t);
        expect(t.cancelled()).to.equal(true);
      }
      run(main());
      expect(log).to.deep.equal(['finally at 2', 'cleaned at 3']);
    });

    it('the first read of a cancelled task gives its CancelledError with the message, later reads an empty one', () => {
      function* main(): Coroutine<void> {
        const t = createTask(forever());
        yield* sleep(0);
        t.cancel('zz');
        yield* sleep(0);
        expect(() => t.result()).to.throw(CancelledError, 'zz');
        expect(() => t.result()).to.throw(CancelledError).with.property('message', '');
      }
      run(main());
    });
  });

  describe('cancelling() and uncancel()', () => {
    it('count requests; uncancel() never goes below 0; done tasks keep their count', () => {
      function* refuse(): Coroutine<void> {
        try {
          yield* sleep(10);
        } catch {
          /* refused */
        }
      }
      function* main(): Coroutine<void> {
        const t = createTask(refuse());
        yield* sleep(0);
        expect(t.cancelling()).to.equal(0);
        expect(t.uncancel()).to.equal(0);
        t.cancel();
        t.cancel();
        expect(t.cancelling()).to.equal(2);
        expect(t.uncancel()).to.equal(1);
        yield* t;
        expect(t.cancelling()).to.equal(1);
      }
      run(main());
    });

    it('3.13: uncancel() down to 0 drops a cancellation not yet delivered (3.12 would still cancel)', () => {
      function* main(): Coroutine<void> {
        const t = createTask(sleep(0, 'ran'));
        t.cancel();
        expect(t.uncancel()).to.equal(0);
        expect(yield* t).to.equal('ran');
        expect(t.cancelled()).to.equal(false);
      }
      run(main());
    });

    it("cancelled with a message: the first result() raises the coroutine's CancelledError, later ones a new one without it; gather's copy has none (as CPython)", () => {
      function* main(): Coroutine<void> {
        const t = createTask(sleep(10));
        yield* sleep(0);
        t.cancel('bye');
        const [copy] = yield* gather([t], { returnExceptions: true });
        expect([(copy as Error).constructor, (copy as Error).message]).to.deep.equal([CancelledError, '']);
        const first = throws(() => t.result()) as Error;
        const second = throws(() => t.result()) as Error;
        expect([first.constructor, first.message, second.constructor, second.message]).to.deep.equal([CancelledError, 'bye', CancelledError, '']);
        expect(first.stack).to.not.equal(second.stack);
      }
      run(main());
    });

    it('uncancel() then cancel() again: one request, the new message', () => {
      function* main(): Coroutine<void> {
        const t = createTask(noop());
        t.cancel('a');
        t.uncancel();
        t.cancel('b');
        const e = yield* thrown(t);
        expect(e.message).to.equal('b');
        expect(t.cancelling()).to.equal(1);
      }
      run(main());
    });

    it('a task that catches the cancellation and calls uncancel() goes on normally', () => {
      function* resilient(): Coroutine<string> {
        try {
          yield* sleep(10);
        } catch {
          currentTask()!.uncancel();
          yield* sleep(0);
          return 'ok';
        }
        return 'slept';
      }
      function* main(): Coroutine<void> {
        const t = createTask(resilient());
        yield* sleep(0);
        t.cancel();
        expect(yield* t).to.equal('ok');
        expect(t.cancelling()).to.equal(0);
      }
      run(main());
    });
  });

  describe('currentTask, allTasks, ensureFuture', () => {
    it('currentTask() is the task being stepped; null in plain callbacks and with no loop running', () => {
      let inCallback: unknown = 'unset';
      function* main(): Coroutine<void> {
        const me = currentTask();
        expect(me).to.be.instanceOf(Task);
        expect(currentTask(loop)).to.equal(me);
        loop.callSoon(() => (inCallback = currentTask()));
        yield* sleep(0);
        expect(currentTask()).to.equal(me);
      }
      run(main());
      expect(inCallback).to.equal(null);
      expect(currentTask()).to.equal(null);
      expect(currentTask(loop)).to.equal(null);
    });

    it('allTasks() is the set of unfinished tasks of the running loop (or the given one)', () => {
      function* main(): Coroutine<void> {
        const me = currentTask()!;
        const sleeper = createTask(sleep(5));
        const quick = createTask(noop());
        expect(allTasks()).to.deep.equal(new Set([me, sleeper, quick]));
        yield* quick;
        expect(allTasks()).to.deep.equal(new Set([me, sleeper]));
        sleeper.cancel();
      }
      run(main());
      expect(allTasks(loop).size).to.equal(0);
      expect(() => allTasks()).to.throw(RuntimeError, 'no running event loop');
    });

    it('ensureFuture: a Future stays itself, a coroutine or a call becomes a Task', () => {
      const f = loop.createFuture();
      expect(ensureFuture(f)).to.equal(f);
      expect(ensureFuture(f, { loop })).to.equal(f);
      const t = ensureFuture(sleep(0, 1), { loop });
      expect(t).to.be.instanceOf(Task);
      const c = ensureFuture(coroutine(noop)(), { loop });
      expect(c).to.be.instanceOf(Task);
      run(sleep(0));
      expect(t.result()).to.equal(1);
      f.cancel();
    });

    it('ensureFuture refuses a future of another loop (ValueError) and a non-awaitable (TypeError)', () => {
      const other = new EventLoop({ clock: 'virtual' });
      const f = other.createFuture();
      expect(() => ensureFuture(f, { loop })).to.throw(ValueError, 'The future belongs to a different loop than the one specified as the loop argument');
      expect(() => ensureFuture(42 as unknown as Future<number>)).to.throw(TypeError, 'An asyncio.Future, a coroutine or an awaitable is required, got 42');
      other.close();
    });

    it("ensureFuture with no loop and none running uses the policy's current loop", () => {
      const saved = getEventLoopPolicy();
      const policy = new DefaultEventLoopPolicy({ clock: 'virtual' });
      setEventLoopPolicy(policy);
      try {
        const t = ensureFuture(sleep(0, 'p'));
        const current = policy.getEventLoop();
        expect(t.getLoop()).to.equal(current);
        expect(current.runUntilComplete(t)).to.equal('p');
        current.close();
      } finally {
        setEventLoopPolicy(saved);
      }
    });
  });

  describe('sleep', () => {
    it('suspends for the delay and evaluates to the result', () => {
      function* main(): Coroutine<string> {
        const v = yield* sleep(2.5, 'value');
        expect(loop.time()).to.equal(2.5);
        return v;
      }
      expect(run(main())).to.equal('value');
    });

    it('sleep(0) and negative delays are one bare yield, with no timer', () => {
      function* main(): Coroutine<void> {
        yield* sleep(-5);
        yield* sleep(0);
        expect(loop._scheduled.length).to.equal(0);
      }
      run(main());
      expect(loop.time()).to.equal(0);
    });

    it('checks its argument at the call: TypeError for a non-number, ValueError for NaN', () => {
      expect(() => sleep('1' as unknown as number)).to.throw(TypeError, "sleep() needs a number of seconds, got '1'");
      expect(() => sleep(NaN)).to.throw(ValueError, 'Invalid delay: NaN (not a number)');
    });

    it('needs a running loop once it runs', () => {
      const s = sleep(1);
      expect(() => s.next()).to.throw(RuntimeError, 'no running event loop');
    });

    it('cancelling a sleep cancels its timer', () => {
      function* main(): Coroutine<void> {
        const t = createTask(sleep(100));
        yield* sleep(0);
        expect(loop._scheduled.length).to.equal(1);
        t.cancel();
        yield* sleep(0);
        const timer = loop._scheduled.peek()!;
        expect(timer.cancelled()).to.equal(true);
      }
      run(main());
    });
  });

  describe('eagerTaskFactory (3.12)', () => {
    beforeEach(() => loop.setTaskFactory(eagerTaskFactory));

    it('runs the coroutine at once up to its first suspension, as the current task', () => {
      const log: string[] = [];
      function* slow(): Coroutine<number> {
        log.push(`start in ${currentTask()!.getName()}`);
        yield* sleep(1);
        log.push('end');
        return 8;
      }
      function* main(): Coroutine<void> {
        const me = currentTask();
        const s = createTask(slow(), { name: 'eager' });
        log.push('after createTask');
        expect(currentTask()).to.equal(me);
        expect(s.done()).to.equal(false);
        expect(s.getCoro()).not.to.equal(null);
        expect(allTasks().has(s)).to.equal(true);
        expect(yield* s).to.equal(8);
      }
      run(main());
      expect(log).to.deep.equal(['start in eager', 'after createTask', 'end']);
    });

    it('allTasks() inside the eager step includes the task; after it finished, not', () => {
      let inside = false;
      function* quick(): Coroutine<number> {
        inside = allTasks().has(currentTask()!);
        return 1;
      }
      function* main(): Coroutine<void> {
        const t = createTask(quick());
        expect(inside).to.equal(true);
        expect(allTasks().has(t)).to.equal(false);
      }
      run(main());
    });

    it('a coroutine that finishes without suspending gives a done task with getCoro() null (3.13)', () => {
      // CPython 3.13 gives None here; 3.12.1 crashes (segfault) on get_coro() of such a task.
      function* quick(): Coroutine<number> {
        return 7;
      }
      function* main(): Coroutine<void> {
        const t = createTask(quick());
        expect(t.done()).to.equal(true);
        expect(t.result()).to.equal(7);
        expect(t.getCoro()).to.equal(null);
        expect(allTasks().has(t)).to.equal(false);
        expect(t.cancel()).to.equal(false);
        expect(yield* t).to.equal(7);
      }
      run(main());
    });

    it('an exception before the first suspension gives a task done with it', () => {
      function* bad(): Coroutine<void> {
        throw new ValueError('v');
      }
      function* main(): Coroutine<void> {
        const t = createTask(bad());
        expect(t.done()).to.equal(true);
        expect(t.exception()).to.be.instanceOf(ValueError);
      }
      run(main());
    });

    it('an eagerly started task that suspended can be cancelled as usual', () => {
      function* main(): Coroutine<void> {
        const t = createTask(forever());
        t.cancel('msg');
        expect((yield* thrown(t)).message).to.equal('msg');
      }
      run(main());
    });

    it('with the loop not running, the first step is scheduled as usual', () => {
      let ran = false;
      const t = loop.createTask(
        (function* (): Coroutine<void> {
          ran = true;
        })(),
      );
      expect(ran).to.equal(false);
      run(t);
      expect(ran).to.equal(true);
    });

    it('instruments see the eager first step', () => {
      const events: string[] = [];
      loop.addInstrument({
        beforeTaskStep: (t) => events.push(`before ${t.getName()}`),
        afterTaskStep: (t) => events.push(`after ${t.getName()}`),
      });
      function* main(): Coroutine<void> {
        createTask(noop(), { name: 'eager' });
        events.push('created');
      }
      run(main());
      // The eager task's whole first step happens inside createTask().
      expect(events.filter((e) => e.endsWith('eager') || e === 'created')).to.deep.equal(['before eager', 'after eager', 'created']);
    });

    it('the name is given to the factory and set again afterwards', () => {
      function* main(): Coroutine<void> {
        const t = createTask(noop(), { name: 'n' });
        expect(t.getName()).to.equal('n');
      }
      run(main());
    });
  });

  describe('internals', () => {
    it('a step of a task that is already done is an InvalidStateError', () => {
      const t = loop.createTask(noop());
      run(t);
      expect(() => t._step(false, undefined)).to.throw(InvalidStateError, '_step(): already done');
    });

    describe('a task makes no function of its own: its handles share one callback per kind, with the task as argument', () => {
      /** The handles in the loop's ready deque, oldest first. */
      const ready = () => Array.from({ length: loop._ready.length }, (_, i) => loop._ready.at(i) as Handle);

      it('steps: two tasks, one callback (taskStep), the task as the handle\'s argument', () => {
        const a = loop.createTask(noop(), { name: 'a' });
        const b = loop.createTask(noop(), { name: 'b' });
        const [ha, hb] = ready();
        expect(ha._callback).to.equal(hb._callback);
        expect(ha._callback?.name).to.equal('taskStep');
        expect([ha._arg, hb._arg]).to.deep.equal([a, b]);
        expect(Object.values(a).filter((v) => typeof v === 'function'), 'no field of a Task holds a function').to.deep.equal([]);
        expect(String(ha)).to.equal("<Handle taskStep(<Task pending name='a'>)>");
        run(b);
      });

      it('a bare yield schedules the same taskStep', () => {
        function* yields(): Coroutine<void> {
          yield;
        }
        const t = loop.createTask(yields());
        const [first] = ready();
        loop._runReady(); // the first step: a bare yield
        const [second] = ready();
        expect(second).to.not.equal(first);
        expect(second._callback).to.equal(first._callback);
        expect(second._arg).to.equal(t);
        run(t);
      });

      it('wakeups: the Task itself is registered on the future; its wakeup (taskWakeup) reads the future from _futWaiter', () => {
        const f = loop.createFuture<number>();
        const g = loop.createFuture<number>();
        function* waits(fut: Future<number>): Coroutine<number> {
          return (yield* fut) + 1;
        }
        const a = loop.createTask(waits(f), { name: 'a' });
        const b = loop.createTask(waits(g), { name: 'b' });
        loop.runUntilComplete(sleep(0)); // both are suspended now
        expect([f._callback0, g._callback0]).to.deep.equal([a, b]);
        expect(f._context0, 'no context: the task enters its own').to.equal(null);
        expect([a._futWaiter, b._futWaiter]).to.deep.equal([f, g]);
        f.setResult(1);
        g.setResult(2);
        const [ha, hb] = ready();
        expect(ha._callback).to.equal(hb._callback);
        expect(ha._callback?.name).to.equal('taskWakeup');
        expect([ha._arg, hb._arg]).to.deep.equal([a, b]);
        expect(String(ha)).to.equal("<Handle taskWakeup(<Task pending name='a' wait_for=<Future finished>>)>");
        expect(run(a)).to.equal(2);
        expect(run(b)).to.equal(3);
      });

      it('a waiting task behind a plain callback: both run, in registration order', () => {
        const f = loop.createFuture<number>();
        const log: string[] = [];
        f.addDoneCallback(() => log.push('first'));
        function* waits(): Coroutine<void> {
          log.push(`woke with ${yield* f}`);
        }
        const t = loop.createTask(waits());
        loop.runUntilComplete(sleep(0));
        f.addDoneCallback(() => log.push('last'));
        expect(f._callbacks?.map(([cb]) => cb)[0]).to.equal(t);
        f.setResult(7);
        run(t);
        expect(log).to.deep.equal(['first', 'woke with 7', 'last']);
      });

      it('a future done before the task registers on it still wakes the task with its result', () => {
        // Nothing in tulip suspends on a done future; a hand-driven FutureIter can.
        const f = loop.createFuture<number>();
        function* waits(): Coroutine<number> {
          const it = f[Symbol.iterator]();
          const y = it.next(); // marks f as blocking and gives f itself
          f.setResult(5); // done before the task gets to register on it
          yield y.value as never;
          return it.next().value as number;
        }
        expect(run(waits())).to.equal(5);
      });

      it('a cancel() between the future\'s completion and the wakeup is delivered at the wakeup', () => {
        const f = loop.createFuture<number>();
        function* waits(): Coroutine<number> {
          return yield* f;
        }
        const t = loop.createTask(waits());
        loop.runUntilComplete(sleep(0));
        f.setResult(1); // the wakeup is scheduled
        expect(t.cancel('late')).to.equal(true); // f is done: the cancellation waits for the step
        expect(() => run(t)).to.throw(CancelledError, 'late');
        expect(t.cancelled()).to.equal(true);
      });

      it('removeDoneCallback(task) removes nothing: only functions are registered', () => {
        const f = loop.createFuture<number>();
        function* waits(): Coroutine<number> {
          return yield* f;
        }
        const t = loop.createTask(waits());
        loop.runUntilComplete(sleep(0));
        expect(f.removeDoneCallback(t as never)).to.equal(0);
        expect(f._callback0).to.equal(t);
        f.setResult(4);
        expect(run(t)).to.equal(4);
      });

      it('after a bad yield: taskThrow, with the task and the error as arguments', () => {
        function* bad(): Coroutine<void> {
          try {
            yield 'oops' as never;
          } catch {
            // caught: the task goes on
          }
        }
        const t = loop.createTask(bad(), { name: 'm' });
        loop._runReady(); // the first step: it yields the string
        const [h] = ready();
        expect(h._callback?.name).to.equal('taskThrow');
        expect(h._args?.[0]).to.equal(t);
        expect(h._args?.[1]).to.be.instanceOf(RuntimeError);
        expect(String(h)).to.equal("<Handle taskThrow(<Task pending name='m'>, RuntimeError('Task got bad yield: \\'oops\\''))>");
        run(t);
      });
    });
  });
});
