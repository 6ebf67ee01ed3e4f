// lib/futures.ts: Future's states, messages, callbacks, the yield* protocol,
// toPromise, toString, and "exception was never retrieved" at loop close.
import { expect } from 'chai';
import {
  CancelledError,
  DefaultEventLoopPolicy,
  EventLoop,
  Future,
  InvalidStateError,
  RuntimeError,
  ValueError,
  getEventLoopPolicy,
  isFuture,
  runSync,
  setEventLoopPolicy,
  type Coroutine,
} from '../lib';
import { errorsOf, iterate, useVirtualLoop } from './support';
import { captureStack } from '../lib/futures';

describe('Future', () => {
  let loop: EventLoop;
  useVirtualLoop((l) => (loop = l));

  describe('construction', () => {
    it('belongs to the loop it is given; loop.createFuture() is the same', () => {
      const f = new Future({ loop });
      expect(f.getLoop()).to.equal(loop);
      expect(loop.createFuture().getLoop()).to.equal(loop);
      expect(isFuture(f)).to.equal(true);
      expect(isFuture({ then() {} })).to.equal(false);
      expect(isFuture(null)).to.equal(false);
    });

    it('defaults to the running loop', () => {
      let inner: Future | null = null;
      function* main(): Coroutine<void> {
        inner = new Future();
      }
      loop.runUntilComplete(main());
      expect(inner!.getLoop()).to.equal(loop);
    });

    it("with no running loop, defaults to the policy's current loop", () => {
      const saved = getEventLoopPolicy();
      const policy = new DefaultEventLoopPolicy({ clock: 'virtual' });
      setEventLoopPolicy(policy);
      try {
        const f = new Future();
        expect(f.getLoop()).to.equal(policy.getEventLoop());
        f.getLoop().close();
      } finally {
        setEventLoopPolicy(saved);
      }
    });
  });

  describe('states and their messages', () => {
    it('starts pending: result() and exception() are InvalidStateError', () => {
      const f = loop.createFuture();
      expect(f.done()).to.equal(false);
      expect(f.cancelled()).to.equal(false);
      expect(() => f.result()).to.throw(InvalidStateError, /^Result is not set\.$/);
      expect(() => f.exception()).to.throw(InvalidStateError, /^Exception is not set\.$/);
    });

    it('setResult finishes it with a result', () => {
      const f = loop.createFuture<number>();
      f.setResult(42);
      expect(f.done()).to.equal(true);
      expect(f.cancelled()).to.equal(false);
      expect(f.result()).to.equal(42);
      expect(f.exception()).to.equal(null);
    });

    it('undefined is a valid result', () => {
      const f = loop.createFuture<undefined>();
      f.setResult(undefined);
      expect(f.result()).to.equal(undefined);
      expect(f.exception()).to.equal(null);
    });

    it('setException finishes it with that exception object, thrown by result()', () => {
      const f = loop.createFuture();
      const err = new ValueError('bad');
      f.setException(err);
      expect(f.done()).to.equal(true);
      expect(f.exception()).to.equal(err);
      expect(() => f.result()).to.throw(err);
      try {
        f.result();
      } catch (e) {
        expect(e).to.equal(err); // the same object, not a copy
      }
    });

    it('a non-Error exception value is kept as it is', () => {
      const f = loop.createFuture();
      f.setException('plain string');
      expect(f.exception()).to.equal('plain string');
    });

    it('setException(undefined or null) is a TypeError, and the future stays pending', () => {
      const f = loop.createFuture();
      expect(() => f.setException(undefined)).to.throw(TypeError, 'needs an error');
      expect(() => f.setException(null)).to.throw(TypeError, 'needs an error');
      expect(f.done()).to.equal(false);
    });

    it('a second setResult/setException is an InvalidStateError naming the state', () => {
      const f = loop.createFuture<number>();
      f.setResult(1);
      expect(() => f.setResult(2)).to.throw(InvalidStateError, 'invalid state: FINISHED <Future finished result=1>');
      expect(() => f.setException(new Error('x'))).to.throw(InvalidStateError, 'invalid state');
      expect(f.result()).to.equal(1);
      const c = loop.createFuture();
      c.cancel();
      expect(() => c.setResult(1)).to.throw(InvalidStateError, 'invalid state: CANCELLED <Future cancelled>');
    });

    it('a future finished with an exception is FINISHED too: in the error, the repr and every read', () => {
      const f = loop.createFuture<number>();
      const err = new ValueError('bad');
      f.setException(err);
      expect(() => f.setResult(2)).to.throw(InvalidStateError, "invalid state: FINISHED <Future finished exception=ValueError('bad')>");
      expect(() => f.cancel()).not.to.throw();
      expect(f.done()).to.equal(true);
      expect(f.cancelled()).to.equal(false);
      expect(f.exception()).to.equal(err);
      expect(() => f.result()).to.throw(ValueError, 'bad');
      const r = loop.createFuture<Error>();
      r.setResult(err); // an error as a result is a result
      expect(r.exception()).to.equal(null);
      expect(r.result()).to.equal(err);
    });
  });

  describe('cancel', () => {
    it('cancels a pending future: true, then CancelledError on every read', () => {
      const f = loop.createFuture();
      expect(f.cancel()).to.equal(true);
      expect(f.done()).to.equal(true);
      expect(f.cancelled()).to.equal(true);
      expect(() => f.result()).to.throw(CancelledError);
      expect(() => f.exception()).to.throw(CancelledError);
    });

    it('carries the message into every CancelledError (empty string when none)', () => {
      const f = loop.createFuture();
      f.cancel('stop it');
      for (let i = 0; i < 2; i++) {
        try {
          f.result();
          expect.fail('no CancelledError');
        } catch (e) {
          expect(e).to.be.instanceOf(CancelledError);
          expect((e as CancelledError).message).to.equal('stop it');
        }
      }
      const g = loop.createFuture();
      g.cancel();
      expect(() => g.result()).to.throw(CancelledError).with.property('message', '');
    });

    it('is false on a done future, which keeps its outcome', () => {
      const f = loop.createFuture<number>();
      f.setResult(3);
      expect(f.cancel()).to.equal(false);
      expect(f.result()).to.equal(3);
      const c = loop.createFuture();
      c.cancel('first');
      expect(c.cancel('second')).to.equal(false);
      expect(() => c.result()).to.throw(CancelledError, 'first');
    });
  });

  describe('done callbacks', () => {
    it('are never called synchronously: they run through callSoon, on the next iteration', () => {
      const f = loop.createFuture<number>();
      const calls: unknown[] = [];
      f.addDoneCallback((fut) => calls.push(fut));
      f.setResult(1);
      expect(calls).to.deep.equal([]);
      expect(loop._ready.length).to.equal(1);
      iterate(loop);
      expect(calls).to.deep.equal([f]);
    });

    it('added to a done future, are scheduled at once (still not called inline)', () => {
      const f = loop.createFuture<number>();
      f.setResult(1);
      let called = 0;
      f.addDoneCallback(() => called++);
      expect(called).to.equal(0);
      iterate(loop);
      expect(called).to.equal(1);
    });

    it('run in registration order, between callbacks scheduled before and after completion', () => {
      const f = loop.createFuture<number>();
      const order: string[] = [];
      f.addDoneCallback(() => order.push('cb1'));
      f.addDoneCallback(() => order.push('cb2'));
      f.addDoneCallback(() => order.push('cb3'));
      loop.callSoon(() => order.push('x'));
      f.setResult(1);
      loop.callSoon(() => order.push('y'));
      iterate(loop);
      expect(order).to.deep.equal(['x', 'cb1', 'cb2', 'cb3', 'y']);
    });

    it('run on cancel and on setException too, each exactly once', () => {
      for (const finish of [(f: Future) => f.cancel(), (f: Future) => f.setException(new Error('e'))]) {
        const f = loop.createFuture();
        let n = 0;
        f.addDoneCallback(() => n++);
        finish(f);
        iterate(loop);
        iterate(loop);
        expect(n).to.equal(1);
        f.cancel(); // counts as retrieving the exception
      }
    });

    it('removeDoneCallback removes every registration and returns how many', () => {
      const f = loop.createFuture();
      const a = () => {};
      const b = () => {};
      f.addDoneCallback(a);
      f.addDoneCallback(b);
      f.addDoneCallback(a);
      f.addDoneCallback(a);
      expect(f.removeDoneCallback(a)).to.equal(3);
      expect(f.removeDoneCallback(a)).to.equal(0);
      expect(f.removeDoneCallback(b)).to.equal(1);
      expect(f.removeDoneCallback(b)).to.equal(0);
      f.setResult(1);
      expect(loop._ready.length).to.equal(0); // nothing left to call
    });

    it('a callback removed before completion does not run; the others do, in order', () => {
      const f = loop.createFuture();
      const order: string[] = [];
      const a = () => order.push('a');
      f.addDoneCallback(a);
      f.addDoneCallback(() => order.push('b'));
      f.addDoneCallback(() => order.push('c'));
      expect(f.removeDoneCallback(a)).to.equal(1);
      f.addDoneCallback(a); // re-added: now last
      f.setResult(0);
      iterate(loop);
      expect(order).to.deep.equal(['b', 'c', 'a']);
    });

    it('addDoneCallback refuses a non-function', () => {
      const f = loop.createFuture();
      expect(() => f.addDoneCallback(42 as unknown as () => void)).to.throw(TypeError, 'addDoneCallback() needs a function, got 42');
    });
  });

  describe('the yield* protocol', () => {
    it('a done future does not suspend: yield* evaluates to its result at once', () => {
      const f = loop.createFuture<string>();
      f.setResult('ok');
      const it = f[Symbol.iterator]();
      expect(it.next()).to.deep.equal({ value: 'ok', done: true });
    });

    it('a done future with an exception throws it from yield*', () => {
      const f = loop.createFuture();
      const err = new Error('e');
      f.setException(err);
      expect(() => f[Symbol.iterator]().next()).to.throw(err);
    });

    it('a pending future yields itself, marked as blocking, then returns the result once done', () => {
      const f = loop.createFuture<number>();
      const it = f[Symbol.iterator]();
      const first = it.next();
      expect(first.done).to.equal(false);
      expect(first.value).to.equal(f);
      expect(f._asyncioFutureBlocking).to.equal(true);
      f.setResult(5);
      expect(it.next()).to.deep.equal({ value: 5, done: true });
    });

    it("resumed while still pending: RuntimeError \"await wasn't used with future\"", () => {
      const f = loop.createFuture();
      const it = f[Symbol.iterator]();
      it.next();
      expect(() => it.next()).to.throw(RuntimeError, "await wasn't used with future");
    });

    it("behaves as __await__'s generator would: throw() and return() finish it, and a finished one stays done", () => {
      const f = loop.createFuture<number>();
      const thrown = f[Symbol.iterator]();
      thrown.next();
      const err = new Error('thrown in at the yield');
      expect(() => thrown.throw(err)).to.throw(err);
      expect(thrown.next()).to.deep.equal({ value: undefined, done: true });
      const returned = f[Symbol.iterator]();
      returned.next();
      expect(returned.return(3)).to.deep.equal({ value: 3, done: true });
      f.setResult(9);
      expect(returned.next()).to.deep.equal({ value: undefined, done: true });
      const fresh = f[Symbol.iterator]();
      expect(fresh[Symbol.iterator]()).to.equal(fresh);
      expect(fresh.next()).to.deep.equal({ value: 9, done: true });
      expect(fresh.next()).to.deep.equal({ value: undefined, done: true });
    });

    it('a cancellation thrown through yield* reaches the coroutine, whose finally and catch run', () => {
      const f = loop.createFuture<number>();
      const seen: string[] = [];
      function* waiter(): Coroutine<string> {
        try {
          yield* f;
          return 'no';
        } catch (e) {
          seen.push(`caught ${(e as Error).name}`);
          return 'caught';
        } finally {
          seen.push('finally');
        }
      }
      const t = loop.createTask(waiter());
      loop.callSoon(() => t.cancel());
      expect(loop.runUntilComplete(t)).to.equal('caught');
      expect(seen).to.deep.equal(['caught CancelledError', 'finally']);
    });

    it('inside a task, yield* fut evaluates to the result, typed T', () => {
      const f = loop.createFuture<number>();
      loop.callLater(1, () => f.setResult(7));
      function* main(): Coroutine<number> {
        const v: number = yield* f;
        return v * 6;
      }
      expect(loop.runUntilComplete(main())).to.equal(42);
      expect(loop.time()).to.equal(1);
    });
  });

  describe('toPromise', () => {
    it('resolves with the result, set before or after', async () => {
      const before = loop.createFuture<number>();
      before.setResult(1);
      expect(await before.toPromise()).to.equal(1);
      const after = loop.createFuture<number>();
      const p = after.toPromise();
      after.setResult(2);
      iterate(loop);
      expect(await p).to.equal(2);
    });

    it('rejects with the exception (which counts as retrieved) or a CancelledError', async () => {
      const seen = errorsOf(loop);
      const f = loop.createFuture();
      const err = new Error('x');
      const p = f.toPromise();
      f.setException(err);
      iterate(loop);
      let caught: unknown;
      await p.catch((e) => (caught = e));
      expect(caught).to.equal(err);
      const c = loop.createFuture();
      c.cancel('why');
      await c.toPromise().catch((e) => (caught = e));
      expect(caught).to.be.instanceOf(CancelledError);
      expect((caught as Error).message).to.equal('why');
      loop.close();
      expect(seen).to.deep.equal([]);
    });
  });

  describe('toString', () => {
    it('shows the state the way Python\'s repr does', () => {
      const f = loop.createFuture();
      expect(String(f)).to.equal('<Future pending>');
      f.setResult('abc');
      expect(String(f)).to.equal("<Future finished result='abc'>");
      const n = loop.createFuture();
      n.setResult(4);
      expect(String(n)).to.equal('<Future finished result=4>');
      const e = loop.createFuture();
      e.setException(new ValueError('bad'));
      expect(String(e)).to.equal("<Future finished exception=ValueError('bad')>");
      e.exception();
      const c = loop.createFuture();
      c.cancel();
      expect(String(c)).to.equal('<Future cancelled>');
    });
  });

  describe('"Future exception was never retrieved"', () => {
    it('is reported when the loop closes, with the exception and the future', () => {
      const seen = errorsOf(loop);
      const f = loop.createFuture();
      const err = new Error('lost');
      f.setException(err);
      expect(seen).to.have.length(0);
      loop.close();
      expect(seen).to.have.length(1);
      expect(seen[0].message).to.equal('Future exception was never retrieved');
      expect(seen[0].exception).to.equal(err);
      expect(seen[0].future).to.equal(f);
      loop.close(); // idempotent: not reported twice
      expect(seen).to.have.length(1);
    });

    const handled: [string, (f: Future) => void][] = [
      ['result() was called', (f) => expect(() => f.result()).to.throw()],
      ['exception() was called', (f) => f.exception()],
      ['cancel() was called (it returns false, yet counts)', (f) => expect(f.cancel()).to.equal(false)],
      ['toPromise() delivered it', (f) => void f.toPromise().catch(() => {})],
      [
        'a task awaited it',
        (f) => {
          function* waiter(): Coroutine<void> {
            try {
              yield* f;
            } catch {
              /* handled */
            }
          }
          loop.runUntilComplete(waiter());
        },
      ],
    ];
    for (const [why, handle] of handled) {
      it(`is not reported when ${why}`, () => {
        const seen = errorsOf(loop);
        const f = loop.createFuture();
        f.setException(new Error('seen'));
        handle(f);
        loop.close();
        expect(seen).to.deep.equal([]);
      });
    }

    it('is not reported for a cancelled future or one with a result', () => {
      const seen = errorsOf(loop);
      loop.createFuture().cancel();
      loop.createFuture().setResult(1);
      loop.close();
      expect(seen).to.deep.equal([]);
    });

    it('says "Task exception was never retrieved" for a task', () => {
      const seen = errorsOf(loop);
      const err = new Error('task failed');
      function* failing(): Coroutine<void> {
        throw err;
      }
      const t = loop.createTask(failing());
      iterate(loop);
      expect(t.done()).to.equal(true);
      loop.close();
      expect(seen).to.have.length(1);
      expect(seen[0].message).to.equal('Task exception was never retrieved');
      expect(seen[0].exception).to.equal(err);
      expect(seen[0].future).to.equal(t);
    });

    it('in debug mode the report carries where the future was created', () => {
      loop.setDebug(true);
      const seen = errorsOf(loop);
      const f = loop.createFuture();
      expect(f._sourceTraceback).to.contain('futures.spec');
      f.setException(new Error('x'));
      loop.close();
      expect(seen[0].sourceTraceback).to.equal(f._sourceTraceback);
    });

    it('creation sites are recorded on engines without Error.captureStackTrace too', () => {
      const saved = Error.captureStackTrace;
      (Error as { captureStackTrace?: unknown }).captureStackTrace = undefined;
      try {
        expect(captureStack()).to.contain('futures.spec');
      } finally {
        Error.captureStackTrace = saved;
      }
    });

    it('goes to console.error with the default handler', () => {
      const lines: string[] = [];
      const original = console.error;
      console.error = (...a: unknown[]) => void lines.push(a.join(' '));
      try {
        runSync(
          (function* main(): Coroutine<void> {
            const f = new Future();
            f.setException(new ValueError('nobody reads me'));
          })(),
          { clock: 'virtual' },
        );
      } finally {
        console.error = original;
      }
      expect(lines).to.have.length(1);
      expect(lines[0]).to.contain('Future exception was never retrieved');
      expect(lines[0]).to.contain('ValueError: nobody reads me');
    });
  });
});
