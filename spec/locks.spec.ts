import { expect } from 'chai';
import {
  BoundedSemaphore,
  CancelledError,
  Condition,
  Event,
  Future,
  Lock,
  RuntimeError,
  Semaphore,
  ValueError,
  asyncWith,
  createTask,
  currentTask,
  getRunningLoop,
  sleep,
  type Coroutine,
  type Task,
  type SemaphoreOptions,
  type ConditionOptions,
} from '../lib';
import { settle, vrun } from './support';

function* expectCancelled(task: Task<unknown>): Coroutine<CancelledError> {
  try {
    yield* task;
  } catch (e) {
    expect(e).to.be.instanceOf(CancelledError);
    return e as CancelledError;
  }
  throw new Error(`expected ${task} to be cancelled`);
}

function throws(fn: () => unknown, cls: Function, message?: string | RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an error').to.be.instanceOf(cls);
  if (typeof message === 'string') expect((caught as Error).message).to.equal(message);
  else if (message) expect((caught as Error).message).to.match(message);
}

describe('Lock', () => {
  it('acquire evaluates to true, locked() follows, release of an unlocked lock is a RuntimeError', () => {
    vrun(function* () {
      const lock = new Lock();
      expect(lock.locked()).to.equal(false);
      expect(yield* lock.acquire()).to.equal(true);
      expect(lock.locked()).to.equal(true);
      lock.release();
      expect(lock.locked()).to.equal(false);
      throws(() => lock.release(), RuntimeError, 'Lock is not acquired.');
    });
  });

  it("toString is Python's repr: [unlocked], [locked], [locked, waiters:1]", () => {
    vrun(function* () {
      const lock = new Lock();
      expect(String(lock)).to.equal('<Lock [unlocked]>');
      yield* lock.acquire();
      expect(String(lock)).to.equal('<Lock [locked]>');
      const t = createTask(lock.acquire());
      yield* sleep(0);
      expect(String(lock)).to.equal('<Lock [locked, waiters:1]>');
      lock.release();
      yield* t;
      lock.release();
    });
  });

  it('wakes waiters in FIFO order, one per release (test_acquire)', () => {
    vrun(function* () {
      const lock = new Lock();
      const result: number[] = [];
      expect(yield* lock.acquire()).to.equal(true);
      function* c(n: number): Coroutine<boolean> {
        if (yield* lock.acquire()) result.push(n);
        return true;
      }
      const t1 = createTask(c(1));
      const t2 = createTask(c(2));
      yield* sleep(0);
      expect(result).to.deep.equal([]);
      lock.release();
      yield* sleep(0);
      expect(result).to.deep.equal([1]);
      yield* sleep(0);
      expect(result).to.deep.equal([1]);
      const t3 = createTask(c(3));
      lock.release();
      yield* sleep(0);
      expect(result).to.deep.equal([1, 2]);
      lock.release();
      yield* sleep(0);
      expect(result).to.deep.equal([1, 2, 3]);
      for (const t of [t1, t2, t3]) expect(t.result()).to.equal(true);
    });
  });

  it("acquire doesn't jump the queue while a woken waiter has not run yet", () => {
    vrun(function* () {
      const lock = new Lock();
      const order: string[] = [];
      yield* lock.acquire();
      function* take(name: string): Coroutine<void> {
        yield* lock.acquire();
        order.push(name);
        yield* sleep(0);
        lock.release();
      }
      const a = createTask(take('a'));
      yield* sleep(0);
      lock.release(); // a is woken but has not run
      expect(lock.locked()).to.equal(false);
      // A newcomer sees an unlocked lock, but a waiter is ahead of it.
      const b = createTask(take('b'));
      yield* settle([a, b]);
      expect(order).to.deep.equal(['a', 'b']);
    });
  });

  it('a newcomer may take a free lock whose waiters were all cancelled', () => {
    vrun(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const t = createTask(lock.acquire());
      yield* sleep(0);
      t.cancel(); // its waiter is cancelled but still queued until t runs
      lock.release();
      expect(lock._waiters?.length).to.equal(1);
      const inner = lock.acquire();
      const r = inner.next(); // the fast path: done without suspending
      expect(r).to.deep.equal({ value: true, done: true });
      yield* expectCancelled(t);
      expect(lock.locked()).to.equal(true);
      expect(lock._waiters?.length).to.equal(0);
    });
  });

  it('a cancelled acquire leaves no waiter behind (test_acquire_cancel)', () => {
    vrun(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const t = createTask(lock.acquire());
      getRunningLoop().callSoon(() => t.cancel());
      yield* expectCancelled(t);
      expect(lock._waiters?.length).to.equal(0);
      expect(lock.locked()).to.equal(true);
    });
  });

  it('release skips a waiter cancelled but not yet removed (test_cancel_race)', () => {
    vrun(function* () {
      const lock = new Lock();
      function* lockit(blocker: Future<unknown> | null): Coroutine<void> {
        yield* lock.acquire();
        try {
          if (blocker !== null) yield* blocker;
        } finally {
          lock.release();
        }
      }
      const fa = getRunningLoop().createFuture();
      const ta = createTask(lockit(fa));
      yield* sleep(0);
      expect(lock.locked()).to.equal(true);
      const tb = createTask(lockit(null));
      yield* sleep(0);
      expect(lock._waiters?.length).to.equal(1);
      const tc = createTask(lockit(null));
      yield* sleep(0);
      expect(lock._waiters?.length).to.equal(2);
      fa.setResult(undefined);
      tb.cancel();
      expect(lock._waiters?.at(0)?.cancelled()).to.equal(true);
      yield* sleep(0);
      expect(lock.locked()).to.equal(false);
      expect(ta.done()).to.equal(true);
      expect(tb.cancelled()).to.equal(true);
      yield* tc;
      expect(lock.locked()).to.equal(false);
    });
  });

  it('cancel plus release in one callback lets exactly one task in (test_cancel_release_race)', () => {
    vrun(function* () {
      const lock = new Lock();
      let lockCount = 0;
      let callCount = 0;
      function* lockit(): Coroutine<void> {
        callCount++;
        yield* lock.acquire();
        lockCount++;
      }
      yield* lock.acquire();
      const t1 = createTask(lockit());
      const t2 = createTask(lockit());
      const t3 = createTask(lockit());
      yield* sleep(0);
      getRunningLoop().callSoon(() => {
        t1.cancel();
        lock.release();
      });
      yield* expectCancelled(t1);
      expect(lockCount).to.equal(1);
      expect(callCount).to.equal(3);
      expect(t1.cancelled() && t2.done()).to.equal(true);
      t3.cancel();
      yield* sleep(0);
      expect(t3.cancelled()).to.equal(true);
    });
  });

  it('a waiter cancelled after being woken passes the lock on (test_finished_waiter_cancelled)', () => {
    vrun(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const tb = createTask(lock.acquire());
      yield* sleep(0);
      expect(lock._waiters?.length).to.equal(1);
      const tc = createTask(lock.acquire());
      tb.cancel();
      lock.release(); // wakes tb, which is cancelled before it runs
      yield* sleep(0);
      expect(lock.locked()).to.equal(true);
      expect(tb.cancelled()).to.equal(true);
      expect(yield* tc).to.equal(true);
    });
  });

  it('a waiter woken and then cancelled does not keep the lock', () => {
    vrun(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const tb = createTask(lock.acquire());
      yield* sleep(0);
      lock.release(); // tb's future is done: it is next
      tb.cancel(); // ...but it is cancelled before it runs
      yield* expectCancelled(tb);
      expect(lock.locked()).to.equal(false);
      expect(lock._waiters?.length).to.equal(0);
    });
  });

  it('asyncWith acquires and releases, also when the body throws; the body gets undefined', () => {
    vrun(function* () {
      const lock = new Lock();
      const got = yield* asyncWith(lock, function* (value) {
        expect(value).to.equal(undefined);
        expect(lock.locked()).to.equal(true);
        return 5;
      });
      expect(got).to.equal(5);
      expect(lock.locked()).to.equal(false);
      let caught: unknown;
      try {
        yield* asyncWith(lock, function* () {
          throw new Error('boom');
        });
      } catch (e) {
        caught = e;
      }
      expect((caught as Error).message).to.equal('boom');
      expect(lock.locked()).to.equal(false);
    });
  });

  it('records its holder and labels its waiters for task trees', () => {
    vrun(function* () {
      const lock = new Lock();
      expect(lock._holder).to.equal(null);
      yield* lock.acquire();
      const me = currentTask();
      expect(lock._holder).to.equal(me);
      const t = createTask(lock.acquire(), { name: 'B' });
      yield* sleep(0);
      const waiter = lock._waiters?.at(0);
      expect(waiter?._waitInfo).to.deep.equal({ kind: 'Lock.acquire', resource: lock });
      expect(t._futWaiter).to.equal(waiter);
      lock.release();
      expect(lock._holder).to.equal(null);
      yield* t;
      expect(lock._holder).to.equal(t);
      lock.release();
      expect(lock._holder).to.equal(null);
    });
  });

  it('its holder shows in the deadlock report of two tasks taking two locks in opposite orders', () => {
    let caught: unknown;
    try {
      vrun(function* () {
        const a = new Lock();
        const b = new Lock();
        function* take(x: Lock, y: Lock): Coroutine<void> {
          yield* x.acquire();
          yield* sleep(1);
          yield* y.acquire();
        }
        const ta = createTask(take(a, b), { name: 'A' });
        const tb = createTask(take(b, a), { name: 'B' });
        yield* settle([ta, tb]);
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(RuntimeError);
    const message = (caught as Error).message;
    expect(message).to.match(/^deadlock:/);
    expect(message).to.match(/held by Task 'B'/);
    expect(message).to.match(/held by Task 'A'/);
  });

  it('refuses to make a task of another loop wait', () => {
    const lock = new Lock();
    vrun(function* () {
      yield* lock.acquire();
      const t = createTask(lock.acquire());
      yield* sleep(0); // t's waiter binds the lock to this loop
      lock.release();
      yield* t;
    });
    expect(lock.locked()).to.equal(true);
    vrun(function* () {
      let caught: unknown;
      try {
        yield* lock.acquire();
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(RuntimeError);
      expect((caught as Error).message).to.equal('<Lock [locked]> is bound to a different event loop');
    });
  });
});

describe('Event', () => {
  it("toString is Python's repr", () => {
    vrun(function* () {
      const ev = new Event();
      expect(String(ev)).to.equal('<Event [unset]>');
      const t = createTask(ev.wait());
      yield* sleep(0);
      expect(String(ev)).to.equal('<Event [unset, waiters:1]>');
      ev.set();
      expect(String(ev)).to.equal('<Event [set, waiters:1]>');
      yield* t;
      expect(String(ev)).to.equal('<Event [set]>');
    });
  });

  it('set wakes every waiter; a wait started after set returns at once (test_wait)', () => {
    vrun(function* () {
      const ev = new Event();
      expect(ev.isSet()).to.equal(false);
      const result: number[] = [];
      function* c(n: number): Coroutine<void> {
        if (yield* ev.wait()) result.push(n);
      }
      const t1 = createTask(c(1));
      const t2 = createTask(c(2));
      yield* sleep(0);
      expect(result).to.deep.equal([]);
      const t3 = createTask(c(3));
      ev.set();
      yield* sleep(0);
      expect(result).to.deep.equal([3, 1, 2]);
      for (const t of [t1, t2, t3]) expect(t.done()).to.equal(true);
    });
  });

  it('wait on a set event is true without suspending; clear lowers the flag', () => {
    vrun(function* () {
      const ev = new Event();
      ev.set();
      expect(ev.isSet()).to.equal(true);
      expect(ev.wait().next()).to.deep.equal({ value: true, done: true });
      ev.clear();
      expect(ev.isSet()).to.equal(false);
      const t = createTask(ev.wait());
      yield* sleep(1);
      expect(t.done()).to.equal(false);
      ev.set();
      expect(yield* t).to.equal(true);
    });
  });

  it('a cancelled wait leaves no waiter behind', () => {
    vrun(function* () {
      const ev = new Event();
      const t = createTask(ev.wait());
      getRunningLoop().callSoon(() => t.cancel());
      yield* expectCancelled(t);
      expect(ev._waiters.length).to.equal(0);
    });
  });

  it('set then clear before the waiters run still wakes them (test_clear_with_waiters)', () => {
    vrun(function* () {
      const ev = new Event();
      const result: number[] = [];
      const t = createTask(
        (function* (): Coroutine<boolean> {
          if (yield* ev.wait()) result.push(1);
          return true;
        })(),
      );
      yield* sleep(0);
      ev.set();
      ev.clear();
      expect(ev.isSet()).to.equal(false);
      ev.set();
      ev.set();
      expect(ev._waiters.length).to.equal(1);
      yield* sleep(0);
      expect(result).to.deep.equal([1]);
      expect(ev._waiters.length).to.equal(0);
      expect(t.result()).to.equal(true);
    });
  });

  it('labels its waiters Event.wait', () => {
    vrun(function* () {
      const ev = new Event();
      const t = createTask(ev.wait());
      yield* sleep(0);
      expect(ev._waiters.at(0)?._waitInfo).to.deep.equal({ kind: 'Event.wait', resource: ev });
      ev.set();
      yield* t;
    });
  });
});

describe('Condition', () => {
  it('waiting or notifying without the lock is a RuntimeError', () => {
    vrun(function* () {
      const cond = new Condition();
      let caught: unknown;
      try {
        yield* cond.wait();
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(RuntimeError);
      expect((caught as Error).message).to.equal('cannot wait on un-acquired lock');
      throws(() => cond.notify(), RuntimeError, 'cannot notify on un-acquired lock');
      throws(() => cond.notifyAll(), RuntimeError, 'cannot notify on un-acquired lock');
      // waitFor returns at once on a true predicate, lock or no lock
      expect(yield* cond.waitFor(() => [1, 2, 3])).to.deep.equal([1, 2, 3]);
      caught = undefined;
      try {
        yield* cond.waitFor(() => false);
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(RuntimeError);
    });
  });

  it('bad arguments: a non-Lock, a non-function predicate, a non-number n', () => {
    throws(() => new Condition(5 as unknown as Lock), TypeError, 'Condition(lock) needs a Lock (or nothing, for a new one), got 5');
    throws(() => new Condition({ lock: {} as Lock }), TypeError, 'Condition(lock) needs a Lock (or nothing, for a new one), got {}');
    throws(() => new Condition({ lok: new Lock() } as ConditionOptions), TypeError, "Condition() got an unexpected option 'lok' (it takes 'lock')");
    vrun(function* () {
      const cond = new Condition();
      throws(() => cond.waitFor(42 as unknown as () => boolean), TypeError, /predicate function/);
      yield* cond.acquire();
      throws(() => cond.notify('2' as unknown as number), TypeError, /number of tasks/);
      cond.release();
    });
  });

  it('notify wakes waiters in order, each once it gets the lock back (test_wait)', () => {
    vrun(function* () {
      const cond = new Condition();
      const result: number[] = [];
      function* c(n: number): Coroutine<boolean> {
        yield* cond.acquire();
        if (yield* cond.wait()) result.push(n);
        return true;
      }
      const ts = [createTask(c(1)), createTask(c(2)), createTask(c(3))];
      yield* sleep(0);
      expect(result).to.deep.equal([]);
      expect(cond.locked()).to.equal(false);
      expect(yield* cond.acquire()).to.equal(true);
      cond.notify();
      yield* sleep(0);
      expect(result).to.deep.equal([]);
      expect(cond.locked()).to.equal(true);
      cond.release();
      yield* sleep(0);
      expect(result).to.deep.equal([1]);
      expect(cond.locked()).to.equal(true);
      cond.notify(2);
      yield* sleep(0);
      expect(result).to.deep.equal([1]);
      cond.release();
      yield* sleep(0);
      expect(result).to.deep.equal([1, 2]);
      cond.release();
      yield* sleep(0);
      expect(result).to.deep.equal([1, 2, 3]);
      expect(cond.locked()).to.equal(true);
      for (const t of ts) expect(t.result()).to.equal(true);
    });
  });

  it('notify(n) and notifyAll (test_notify, test_notify_all)', () => {
    vrun(function* () {
      const cond = new Condition();
      const result: number[] = [];
      function* c(n: number): Coroutine<void> {
        yield* cond.acquire();
        if (yield* cond.wait()) {
          result.push(n);
          cond.release();
        }
      }
      createTask(c(1));
      createTask(c(2));
      createTask(c(3));
      yield* sleep(0);
      yield* cond.acquire();
      cond.notify(1);
      cond.release();
      yield* sleep(0);
      expect(result).to.deep.equal([1]);
      yield* cond.acquire();
      cond.notify(1);
      cond.notify(2048);
      cond.release();
      yield* sleep(0);
      expect(result).to.deep.equal([1, 2, 3]);
      createTask(c(4));
      createTask(c(5));
      yield* sleep(0);
      yield* asyncWith(cond, function* () {
        cond.notifyAll();
      });
      yield* sleep(0);
      expect(result).to.deep.equal([1, 2, 3, 4, 5]);
    });
  });

  it('waitFor re-checks its predicate after every wake-up', () => {
    vrun(function* () {
      const cond = new Condition();
      let ready = false;
      let calls = 0;
      const result: string[] = [];
      const t = createTask(
        (function* (): Coroutine<void> {
          yield* cond.acquire();
          const v = yield* cond.waitFor(() => {
            calls++;
            return ready && 'yes';
          });
          result.push(v as string);
          cond.release();
        })(),
      );
      yield* sleep(0);
      expect(calls).to.equal(1);
      yield* asyncWith(cond, function* () {
        cond.notify();
      });
      yield* sleep(0);
      expect(result).to.deep.equal([]);
      expect(calls).to.equal(2);
      ready = true;
      yield* asyncWith(cond, function* () {
        cond.notify();
      });
      yield* t;
      expect(result).to.deep.equal(['yes']);
      expect(calls).to.equal(3);
    });
  });

  it('a cancelled wait still re-acquires the lock (test_wait_cancel)', () => {
    vrun(function* () {
      const cond = new Condition();
      yield* cond.acquire();
      const t = createTask(cond.wait());
      getRunningLoop().callSoon(() => t.cancel());
      yield* expectCancelled(t);
      expect(cond._waiters.length).to.equal(0);
      expect(cond.locked()).to.equal(true);
    });
  });

  it('a notified waiter that must contest the lock is not cancelled by a later cancel (test_wait_cancel_contested)', () => {
    vrun(function* () {
      const cond = new Condition();
      yield* cond.acquire();
      const t = createTask(cond.wait());
      yield* sleep(0);
      expect(cond.locked()).to.equal(false);
      yield* cond.acquire();
      cond.notify();
      getRunningLoop().callSoon(() => t.cancel());
      getRunningLoop().callSoon(() => cond.release());
      try {
        yield* t;
      } catch {
        /* either outcome is allowed; the lock must be held */
      }
      expect(cond.locked()).to.equal(true);
    });
  });

  it('cancelled while re-acquiring: waits for the lock, then re-raises the same CancelledError (test_cancelled_error_re_aquire)', () => {
    vrun(function* () {
      const cond = new Condition();
      let wake = false;
      let raised: unknown = null;
      let heldWhenRaised = false;
      const t = createTask(
        (function* (): Coroutine<void> {
          yield* asyncWith(cond, function* () {
            try {
              yield* cond.waitFor(() => wake);
            } catch (e) {
              raised = e;
              heldWhenRaised = cond.locked() && cond._lock._holder === currentTask();
              throw e;
            }
          });
        })(),
      );
      yield* sleep(0);
      yield* cond.acquire();
      wake = true;
      cond.notify();
      yield* sleep(0); // t is now waiting to re-acquire the lock
      expect(cond._lock._waiters?.length).to.equal(1);
      t.cancel('foo');
      cond.release();
      const err = yield* expectCancelled(t);
      expect(err.message).to.equal('foo');
      expect(err).to.equal(raised);
      expect(heldWhenRaised).to.equal(true);
      expect(cond.locked()).to.equal(false);
    });
  });

  it('cancelled while waiting for the notify: re-raises the same CancelledError (test_cancelled_error_wakeup)', () => {
    vrun(function* () {
      const cond = new Condition();
      let raised: unknown = null;
      const t = createTask(
        (function* (): Coroutine<void> {
          yield* asyncWith(cond, function* () {
            try {
              yield* cond.waitFor(() => false);
            } catch (e) {
              raised = e;
              expect(cond.locked()).to.equal(true);
              throw e;
            }
          });
        })(),
      );
      yield* sleep(0);
      t.cancel('foo');
      const err = yield* expectCancelled(t);
      expect(err.message).to.equal('foo');
      expect(err).to.equal(raised);
    });
  });

  it('a waiter cancelled after notify hands the notification on (test_wait_cancel_after_notify, bpo-32841)', () => {
    vrun(function* () {
      const cond = new Condition();
      let waited = false;
      const waiter = createTask(
        (function* (): Coroutine<void> {
          yield* asyncWith(cond, function* () {
            waited = true;
            yield* cond.wait();
          });
        })(),
      );
      yield* sleep(0);
      yield* cond.acquire();
      cond.notify();
      yield* sleep(0);
      waiter.cancel();
      yield* sleep(0);
      cond.release();
      yield* sleep(0);
      expect(waiter.cancelled()).to.equal(true);
      expect(waited).to.equal(true);
    });
  });

  for (const relock of [false, true]) {
    it(`a notify that races a cancel is not lost (${relock ? 'test_cancelled_wakeup_relock' : 'test_cancelled_wakeup'})`, () => {
      vrun(function* () {
        const cond = new Condition();
        let state = 0;
        function* consumer(): Coroutine<void> {
          yield* asyncWith(cond, function* () {
            for (;;) {
              yield* cond.waitFor(() => state !== 0);
              if (state < 0) return;
              state -= 1;
            }
          });
        }
        const c = [createTask(consumer()), createTask(consumer())];
        yield* sleep(0);
        yield* asyncWith(cond, function* () {
          state += 1;
          cond.notify(1);
          if (relock) yield* sleep(0); // c[0] wakes and waits for the lock
          c[0].cancel();
          // Give the consumers time with the lock free (CPython waits here with a timeout).
          cond.release();
          yield* sleep(0.01);
          yield* cond.acquire();
          // If the notification had been lost with the cancelled task, nobody took the item.
          expect(state).to.equal(0);
          state = -1;
          cond.notifyAll();
        });
        yield* c[1];
        expect(c[0].cancelled()).to.equal(true);
      });
    });
  }

  it('an explicit Lock is shared (test_explicit_lock) and is refused by another loop (test_ambiguous_loops)', () => {
    vrun(function* () {
      const lock = new Lock();
      const cond = new Condition(lock);
      expect(cond._lock).to.equal(lock);
      yield* asyncWith(cond, function* () {
        expect(lock.locked()).to.equal(true);
      });
      expect(lock.locked()).to.equal(false);
      yield* asyncWith(lock, function* () {
        expect(cond.locked()).to.equal(true);
      });
      expect(cond.locked()).to.equal(false);
      expect(new Condition(null)._lock).to.be.instanceOf(Lock);
    });
    const other = new Lock();
    vrun(function* () {
      const c = new Condition(other);
      yield* c.acquire();
      const t = createTask(c.acquire()); // binds the lock to this loop
      yield* sleep(0);
      t.cancel();
      yield* settle([t]);
    });
    vrun(function* () {
      const cond = new Condition(new Lock());
      yield* cond.acquire();
      const t = createTask(cond.wait()); // binds the condition to this loop
      yield* sleep(0);
      t.cancel();
      yield* settle([t]);
    });
    vrun(function* () {
      let caught: unknown;
      try {
        yield* new Condition(other).acquire(); // locked and bound to the old loop
      } catch (e) {
        caught = e;
      }
      expect((caught as Error).message).to.match(/is bound to a different event loop/);
    });
  });

  it('an error other than a cancellation while re-acquiring is not retried', () => {
    const lock = new Lock();
    vrun(function* () {
      yield* lock.acquire();
      const t = createTask(lock.acquire()); // binds the lock to this loop
      yield* sleep(0);
      t.cancel();
      yield* settle([t]);
      lock.release();
    });
    vrun(function* () {
      const cond = new Condition(lock);
      const w = createTask(
        (function* (): Coroutine<void> {
          yield* cond.acquire(); // the fast path: no future, so no loop check
          yield* cond.wait();
        })(),
      );
      yield* sleep(0);
      yield* lock.acquire();
      cond.notify();
      yield* sleep(0); // w must now wait for the lock: a future on the wrong loop
      const [err] = yield* settle([w]);
      expect(err).to.be.instanceOf(RuntimeError);
      expect((err as Error).message).to.match(/bound to a different event loop/);
      expect(lock._holder).to.equal(currentTask());
      lock.release();
    });
  });

  it("toString is Python's repr; waiters are labelled Condition.wait", () => {
    vrun(function* () {
      const cond = new Condition();
      expect(String(cond)).to.equal('<Condition [unlocked]>');
      yield* cond.acquire();
      expect(String(cond)).to.equal('<Condition [locked]>');
      const t = createTask(
        (function* (): Coroutine<void> {
          yield* asyncWith(cond, function* () {
            yield* cond.wait();
          });
        })(),
      );
      cond.release();
      yield* sleep(0);
      expect(String(cond)).to.equal('<Condition [unlocked, waiters:1]>');
      expect(cond._waiters.at(0)?._waitInfo).to.deep.equal({ kind: 'Condition.wait', resource: cond });
      yield* asyncWith(cond, function* () {
        cond.notify();
      });
      yield* t;
    });
  });
});

describe('Semaphore and BoundedSemaphore', () => {
  it('takes value alone, as Python does, or as { value }; an unknown option is a TypeError naming it', () => {
    for (const [name, make] of [
      ['Semaphore', (o?: number | SemaphoreOptions) => new Semaphore(o)],
      ['BoundedSemaphore', (o?: number | SemaphoreOptions) => new BoundedSemaphore(o)],
    ] as const) {
      expect(String(make(2)), name).to.equal(`<${name} [unlocked, value:2]>`);
      expect(String(make({ value: 2 })), name).to.equal(`<${name} [unlocked, value:2]>`);
      expect(String(make({})), name).to.equal(`<${name} [unlocked, value:1]>`);
      throws(() => make({ value: -1 }), ValueError, 'Semaphore initial value must be >= 0, got -1');
      throws(() => make({ permits: 2 } as SemaphoreOptions), TypeError, `${name}() got an unexpected option 'permits' (it takes 'value')`);
    }
    throws(() => new Semaphore(new Date(0) as unknown as number), TypeError, /^Semaphore value must be an integer number of permits, got /);
    throws(() => new Condition(new Semaphore() as unknown as Lock), TypeError, /^Condition\(lock\) needs a Lock \(or nothing, for a new one\), got <Semaphore/);
    const bounded = new BoundedSemaphore({ value: 1 });
    throws(() => bounded.release(), ValueError, 'BoundedSemaphore released too many times');
  });

  it('Condition takes its lock alone or as { lock }', () => {
    const lock = new Lock();
    vrun(function* () {
      for (const cond of [new Condition(lock), new Condition({ lock }), new Condition({ lock: null })]) {
        yield* cond.acquire();
        expect(lock.locked() === (cond._lock === lock)).to.equal(true);
        cond.release();
      }
      expect(new Condition({ lock })._lock).to.equal(lock);
      expect(new Condition({})._lock).to.be.instanceOf(Lock);
    });
  });

  it('checks its value: negative is a ValueError, a non-integer a TypeError', () => {
    throws(() => new Semaphore(-1), ValueError, /must be >= 0/);
    throws(() => new Semaphore(1.5), TypeError, /integer/);
    throws(() => new BoundedSemaphore('2' as unknown as number), TypeError, /BoundedSemaphore value/);
    expect(new Semaphore(0).locked()).to.equal(true);
    expect(new Semaphore()._value).to.equal(1);
  });

  it("toString is Python's repr", () => {
    vrun(function* () {
      const sem = new Semaphore();
      expect(String(sem)).to.equal('<Semaphore [unlocked, value:1]>');
      yield* sem.acquire();
      expect(String(sem)).to.equal('<Semaphore [locked]>');
      const t = createTask(sem.acquire());
      yield* sleep(0);
      expect(String(sem)).to.equal('<Semaphore [locked, waiters:1]>');
      expect(sem._waiters?.at(0)?._waitInfo).to.deep.equal({ kind: 'Semaphore.acquire', resource: sem });
      sem.release();
      yield* t;
      expect(String(new BoundedSemaphore(2))).to.equal('<BoundedSemaphore [unlocked, value:2]>');
    });
  });

  it('lets `value` tasks in at once and the rest in FIFO order (test_acquire)', () => {
    vrun(function* () {
      const sem = new Semaphore(3);
      const result: number[] = [];
      expect(yield* sem.acquire()).to.equal(true);
      expect(yield* sem.acquire()).to.equal(true);
      expect(sem.locked()).to.equal(false);
      function* c(n: number): Coroutine<boolean> {
        yield* sem.acquire();
        result.push(n);
        return true;
      }
      const t1 = createTask(c(1));
      const t2 = createTask(c(2));
      const t3 = createTask(c(3));
      yield* sleep(0);
      expect(result).to.deep.equal([1]);
      expect(sem.locked()).to.equal(true);
      expect(sem._waiters?.length).to.equal(2);
      expect(sem._value).to.equal(0);
      const t4 = createTask(c(4));
      sem.release();
      sem.release();
      expect(sem._value).to.equal(0);
      yield* sleep(0);
      expect(sem._value).to.equal(0);
      expect(result).to.deep.equal([1, 2, 3]);
      expect(sem.locked()).to.equal(true);
      expect(sem._waiters?.length).to.equal(1);
      expect(t1.done() && t2.done() && t3.done() && !t4.done()).to.equal(true);
      sem.release();
      yield* t4;
      expect(result).to.deep.equal([1, 2, 3, 4]);
    });
  });

  it('a cancelled acquire leaves no pending waiter (test_acquire_cancel)', () => {
    vrun(function* () {
      const sem = new Semaphore();
      yield* sem.acquire();
      const t = createTask(sem.acquire());
      getRunningLoop().callSoon(() => t.cancel());
      yield* expectCancelled(t);
      expect(sem._waiters?.length).to.equal(0);
    });
  });

  it('skips cancelled waiters when handing out a permit (test_acquire_cancel_before_awoken)', () => {
    vrun(function* () {
      const sem = new Semaphore(0);
      const ts = [0, 1, 2, 3].map(() => createTask(sem.acquire()));
      yield* sleep(0);
      ts[0].cancel();
      ts[1].cancel();
      sem.release();
      yield* sleep(0);
      yield* sleep(0);
      expect(ts[2].done()).to.equal(true);
      expect(ts[3].done()).to.equal(false);
      ts[2].cancel();
      ts[3].cancel();
      yield* sleep(0);
    });
  });

  it('a permit handed to a task cancelled before it ran goes to the next (test_acquire_hang)', () => {
    vrun(function* () {
      const sem = new Semaphore(0);
      const t1 = createTask(sem.acquire());
      const t2 = createTask(sem.acquire());
      yield* sleep(0);
      sem.release(); // t1 gets the permit...
      t1.cancel(); // ...and is cancelled before it runs
      yield* sleep(0);
      yield* sleep(0);
      expect(sem.locked()).to.equal(true);
      expect(t2.done()).to.equal(true);
      expect(t1.cancelled()).to.equal(true);
      expect(sem._value).to.equal(0);
    });
  });

  it('cancelling a woken waiter gives its permit back (test_acquire_no_hang)', () => {
    vrun(function* () {
      const sem = new Semaphore(1);
      let t2: Task<void> | null = null;
      function* c1(): Coroutine<void> {
        yield* asyncWith(sem, function* () {
          yield* sleep(0);
        });
        t2?.cancel();
      }
      const t1 = createTask(c1());
      t2 = createTask(
        (function* (): Coroutine<void> {
          yield* asyncWith(sem, function* () {
            throw new Error('must not get in');
          });
        })(),
      );
      const [r1, r2] = yield* settle([t1, t2]);
      expect(r1).to.equal(undefined);
      expect(r2).to.be.instanceOf(CancelledError);
      expect(sem._value).to.equal(1);
      expect(yield* sem.acquire()).to.equal(true);
    });
  });

  it('FIFO across release and re-acquire (test_acquire_fifo_order)', () => {
    vrun(function* () {
      const sem = new Semaphore(1);
      const result: string[] = [];
      function* coro(tag: string): Coroutine<void> {
        yield* sem.acquire();
        result.push(`${tag}_1`);
        yield* sleep(0.01);
        sem.release();
        yield* sem.acquire();
        result.push(`${tag}_2`);
        yield* sleep(0.01);
        sem.release();
      }
      yield* settle(['c1', 'c2', 'c3'].map((t) => createTask(coro(t))));
      expect(result).to.deep.equal(['c1_1', 'c2_1', 'c3_1', 'c1_2', 'c2_2', 'c3_2']);
    });
  });

  it('a releaser does not overtake the queue when it acquires again (test_acquire_fifo_order_2)', () => {
    vrun(function* () {
      const sem = new Semaphore(1);
      const result: number[] = [];
      const t1 = createTask(
        (function* (): Coroutine<void> {
          yield* sem.acquire();
          result.push(1);
        })(),
      );
      const t2 = createTask(
        (function* (): Coroutine<void> {
          yield* sem.acquire();
          result.push(2);
          sem.release();
          yield* sem.acquire();
          result.push(4);
        })(),
      );
      const t3 = createTask(
        (function* (): Coroutine<void> {
          yield* sem.acquire();
          result.push(3);
        })(),
      );
      yield* sleep(0);
      sem.release();
      sem.release();
      yield* settle([t1, t2, t3]);
      expect(result).to.deep.equal([1, 2, 3, 4]);
    });
  });

  it('a cancelled first waiter is skipped (test_acquire_fifo_order_3)', () => {
    vrun(function* () {
      const sem = new Semaphore(0);
      const result: number[] = [];
      function* c(n: number): Coroutine<void> {
        yield* sem.acquire();
        result.push(n);
      }
      const ts = [createTask(c(1)), createTask(c(2)), createTask(c(3))];
      yield* sleep(0);
      ts[0].cancel();
      yield* sleep(0);
      sem.release();
      sem.release();
      yield* settle(ts);
      expect(result).to.deep.equal([2, 3]);
    });
  });

  it('a successful acquire wakes the waiters queued behind it by FIFO (test_acquire_fifo_order_4)', () => {
    vrun(function* () {
      const sem = new Semaphore(0);
      const result: number[] = [];
      let t4: Task<void> | null = null;
      const t1 = createTask(
        (function* (): Coroutine<void> {
          expect(sem._value).to.equal(0);
          yield* sem.acquire();
          expect(sem._value).to.equal(0); // every queued waiter has been woken
          t4 = createTask(
            (function* (): Coroutine<void> {
              result.push(4);
            })(),
          );
          result.push(1);
        })(),
      );
      const t2 = createTask(
        (function* (): Coroutine<void> {
          sem.release();
          sem.release();
          sem.release();
          expect(sem._value).to.equal(2);
          expect(sem.locked()).to.equal(true); // t1 has not run yet
          yield* sem.acquire();
          result.push(2);
        })(),
      );
      const t3 = createTask(
        (function* (): Coroutine<void> {
          yield* sem.acquire();
          expect(sem.locked()).to.equal(true);
          result.push(3);
        })(),
      );
      yield* sleep(0);
      expect(sem._value).to.equal(2);
      expect(sem._waiters?.length).to.equal(3);
      yield* sleep(0);
      const outcomes = yield* settle([t1, t2, t3]);
      yield* settle([t4 as unknown as Task<void>]);
      expect(outcomes).to.deep.equal([undefined, undefined, undefined]);
      expect(result).to.deep.equal([1, 2, 3, 4]);
    });
  });

  it('asyncWith takes and gives back a permit; Semaphore may be released above its start', () => {
    vrun(function* () {
      const sem = new Semaphore(2);
      yield* asyncWith(sem, function* (v) {
        expect(v).to.equal(undefined);
        expect(sem._value).to.equal(1);
      });
      expect(sem._value).to.equal(2);
      sem.release();
      expect(sem._value).to.equal(3);
    });
  });

  it('BoundedSemaphore refuses a release above its initial value', () => {
    vrun(function* () {
      const sem = new BoundedSemaphore();
      throws(() => sem.release(), ValueError, 'BoundedSemaphore released too many times');
      yield* sem.acquire();
      expect(sem.locked()).to.equal(true);
      sem.release();
      expect(sem.locked()).to.equal(false);
      throws(() => sem.release(), ValueError, 'BoundedSemaphore released too many times');
      yield* asyncWith(sem, function* () {
        expect(sem.locked()).to.equal(true);
      });
      expect(sem._value).to.equal(1);
    });
  });
});

/** A small seeded PRNG (mulberry32), so a failing stress run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('stress: 1 000 tasks, random cancellations', () => {
  for (const seed of [1, 2, 3]) {
    it(`Lock keeps mutual exclusion and lets every uncancelled task in (seed ${seed})`, () => {
      const random = prng(seed);
      vrun(function* () {
        const lock = new Lock();
        let inside = 0;
        let most = 0;
        const entered = new Set<number>();
        function* worker(i: number): Coroutine<void> {
          yield* sleep(random() * 0.01);
          yield* asyncWith(lock, function* () {
            inside++;
            most = Math.max(most, inside);
            expect(lock._holder).to.equal(currentTask());
            entered.add(i);
            try {
              if (random() < 0.5) yield* sleep(0);
              else yield* sleep(random() * 0.001);
            } finally {
              inside--;
            }
          });
        }
        const tasks = Array.from({ length: 1000 }, (_, i) => createTask(worker(i)));
        // Cancel about a third of them at random moments: while sleeping, waiting, or inside.
        for (let k = 0; k < 350; k++) {
          const victim = tasks[Math.floor(random() * tasks.length)];
          getRunningLoop().callLater(random() * 0.5, () => victim.cancel());
        }
        yield* settle(tasks);
        expect(most).to.equal(1);
        let cancelled = 0;
        for (let i = 0; i < tasks.length; i++) {
          if (tasks[i].cancelled()) cancelled++;
          else expect(entered.has(i), `task ${i} finished without getting in`).to.equal(true);
        }
        expect(cancelled).to.be.greaterThan(50);
        expect(lock.locked()).to.equal(false);
        expect(lock._holder).to.equal(null);
        expect(lock._waiters?.length ?? 0).to.equal(0);
      });
    });

    it(`Semaphore(5) never lets more than 5 in and loses no permit (seed ${seed})`, () => {
      const random = prng(seed * 7919);
      vrun(function* () {
        const sem = new Semaphore(5);
        let inside = 0;
        let most = 0;
        const entered = new Set<number>();
        function* worker(i: number): Coroutine<void> {
          yield* sleep(random() * 0.01);
          yield* asyncWith(sem, function* () {
            inside++;
            most = Math.max(most, inside);
            entered.add(i);
            try {
              if (random() < 0.5) yield* sleep(0);
              else yield* sleep(random() * 0.002);
            } finally {
              inside--;
            }
          });
        }
        const tasks = Array.from({ length: 1000 }, (_, i) => createTask(worker(i)));
        for (let k = 0; k < 350; k++) {
          const victim = tasks[Math.floor(random() * tasks.length)];
          getRunningLoop().callLater(random() * 0.2, () => victim.cancel());
        }
        yield* settle(tasks);
        expect(most).to.equal(5);
        for (let i = 0; i < tasks.length; i++) {
          if (!tasks[i].cancelled()) expect(entered.has(i), `task ${i} finished without getting in`).to.equal(true);
        }
        expect(sem._value).to.equal(5);
        expect(sem.locked()).to.equal(false);
        expect(sem._waiters?.length ?? 0).to.equal(0);
      });
    });
  }
});
