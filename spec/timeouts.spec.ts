// lib/timeouts.ts: timeout / timeoutAt / Timeout — expiry into TimeoutError, the states and
// their errors, reschedule, and the uncancel arithmetic that makes nesting and outside
// cancellations come out right.
import { expect } from 'chai';
import {
  CancelledError,
  EventLoop,
  RuntimeError,
  TaskGroup,
  Timeout,
  TimeoutError,
  ValueError,
  asyncWith,
  createTask,
  currentTask,
  sleep,
  timeout,
  timeoutAt,
  waitFor,
  type Coroutine,
} from '../lib';
import { catching, runClean, throws, useVirtualLoop } from './support';

let loop: EventLoop;
useVirtualLoop((l) => (loop = l));

const me = () => currentTask() as NonNullable<ReturnType<typeof currentTask>>;

describe('timeout()', () => {
  it('turns its expiry into TimeoutError (caused by the CancelledError) at the deadline', () => {
    runClean(loop, (function* () {
      const cm = timeout(1);
      let inner: unknown;
      const err = yield* catching(asyncWith(cm, function* () {
        try {
          yield* sleep(10);
        } catch (e) {
          inner = e;
          throw e;
        }
      }));
      expect(err).to.be.instanceOf(TimeoutError);
      expect((err as Error).cause).to.equal(inner);
      expect(inner).to.be.instanceOf(CancelledError);
      expect(cm.expired()).to.equal(true);
      expect(String(cm)).to.equal('<Timeout [expired]>');
      expect(loop.time()).to.equal(1);
      expect(me().cancelling()).to.equal(0);
    })());
  });

  it('timeoutAt: an absolute deadline; when() reports it', () => {
    runClean(loop, (function* () {
      const deadline = loop.time() + 0.01;
      const cm = timeoutAt(deadline);
      expect(cm.when()).to.equal(deadline);
      expect(yield* catching(asyncWith(cm, function* () {
        yield* sleep(10);
      }))).to.be.instanceOf(TimeoutError);
      expect(cm.when()).to.equal(deadline);
    })());
  });

  it('in time: the body\'s result, not expired, finished', () => {
    runClean(loop, (function* () {
      const cm = timeout(10);
      const r = yield* asyncWith(cm, function* (t) {
        expect(t).to.equal(cm); // enter hands the body the Timeout itself
        expect(String(t)).to.equal('<Timeout [active] when=10.0>');
        yield* sleep(0.01);
        return 'fast';
      });
      expect(r).to.equal('fast');
      expect(cm.expired()).to.equal(false);
      expect(cm.when()).to.be.greaterThan(loop.time());
      expect(String(cm)).to.equal('<Timeout [finished]>');
    })());
    expect(loop.time()).to.equal(0.01); // the timer was cancelled: the clock did not jump to 10
  });

  it('null never expires; when() is null', () => {
    runClean(loop, (function* () {
      for (const cm of [timeout(null), timeoutAt(null)]) {
        yield* asyncWith(cm, function* () {
          expect(String(cm)).to.equal('<Timeout [active] when=None>');
          yield* sleep(1e6);
        });
        expect(cm.expired()).to.equal(false);
        expect(cm.when()).to.equal(null);
      }
    })());
  });

  it('0 or negative: the block runs until its first suspension, then TimeoutError', () => {
    runClean(loop, (function* () {
      for (const d of [0, -11]) {
        const log: string[] = [];
        const t0 = loop.time();
        const cm = timeout(d);
        const err = yield* catching(asyncWith(cm, function* () {
          log.push('in block');
          yield* sleep(0);
          log.push('not reached');
        }));
        expect(err).to.be.instanceOf(TimeoutError);
        expect(log).to.deep.equal(['in block']);
        expect(cm.when()).to.be.at.most(t0);
      }
    })());
  });

  it('0, with a block that never suspends: no error (the timer never got its turn)', () => {
    runClean(loop, (function* () {
      const cm = timeout(0);
      expect(yield* asyncWith(cm, function* () {
        return 1;
      })).to.equal(1);
      expect(cm.expired()).to.equal(false);
    })());
  });

  it('another error before expiry passes unchanged', () => {
    runClean(loop, (function* () {
      const cm = timeout(0.01);
      const boom = new RangeError('key');
      expect(yield* catching(asyncWith(cm, function* () {
        throw boom;
      }))).to.equal(boom);
      expect(cm.expired()).to.equal(false);
    })());
  });

  it('another error after expiry also passes unchanged (only a CancelledError is converted)', () => {
    runClean(loop, (function* () {
      const cm = timeout(0.01);
      const boom = new RangeError('cleanup failed');
      expect(yield* catching(asyncWith(cm, function* () {
        try {
          yield* sleep(1);
        } finally {
          throw boom;
        }
      }))).to.equal(boom);
      expect(cm.expired()).to.equal(true);
      expect(me().cancelling()).to.equal(0);
    })());
  });

  it('a block that swallows the cancellation exits normally, expired, with the count restored', () => {
    runClean(loop, (function* () {
      const cm = timeout(1);
      const r = yield* asyncWith(cm, function* () {
        try {
          yield* sleep(10);
        } catch {
          return 'swallowed';
        }
        return 'slept';
      });
      expect(r).to.equal('swallowed');
      expect(cm.expired()).to.equal(true);
      expect(String(cm)).to.equal('<Timeout [expired]>');
      expect(me().cancelling()).to.equal(0);
    })());
  });

  it('a block that catches and re-throws still gets TimeoutError', () => {
    runClean(loop, (function* () {
      expect(yield* catching(asyncWith(timeout(0.01), function* () {
        try {
          yield* sleep(10);
        } catch (e) {
          yield* sleep(0); // some cleanup that itself waits
          throw e;
        }
      }))).to.be.instanceOf(TimeoutError);
    })());
  });

  it('a task that handles its own timeout is not cancelled', () => {
    runClean(loop, (function* () {
      const t = createTask((function* () {
        try {
          yield* asyncWith(timeout(0.001), function* () {
            yield* sleep(10);
          });
        } catch (e) {
          if (!(e instanceof TimeoutError)) throw e;
        }
        return 'ok';
      })());
      expect(yield* t).to.equal('ok');
      expect(t.cancelled()).to.equal(false);
    })());
  });
});

describe('timeout: nesting and outside cancellation', () => {
  it('same deadline: both fire in one iteration; the inner lets the CancelledError through, the outer converts', () => {
    runClean(loop, (function* () {
      const deadline = loop.time() + 0.1;
      const outer = timeoutAt(deadline);
      const inner = timeoutAt(deadline);
      let innerSaw: unknown;
      const err = yield* catching(asyncWith(outer, function* () {
        try {
          yield* asyncWith(inner, function* () {
            yield* sleep(10);
          });
        } catch (e) {
          innerSaw = e;
          throw e;
        }
      }));
      expect(innerSaw).to.be.instanceOf(CancelledError);
      expect(err).to.be.instanceOf(TimeoutError);
      expect(outer.expired() && inner.expired()).to.equal(true);
      expect(me().cancelling()).to.equal(0);
    })());
  });

  it('outer shorter: the unexpired inner passes the CancelledError through; the outer converts', () => {
    runClean(loop, (function* () {
      const outer = timeout(0.002);
      const inner = timeout(0.1);
      let innerSaw: unknown;
      const err = yield* catching(asyncWith(outer, function* () {
        try {
          yield* asyncWith(inner, function* () {
            yield* sleep(10);
          });
        } catch (e) {
          innerSaw = e;
          throw e;
        }
      }));
      expect(innerSaw).to.be.instanceOf(CancelledError);
      expect(err).to.be.instanceOf(TimeoutError);
      expect(outer.expired()).to.equal(true);
      expect(inner.expired()).to.equal(false);
    })());
  });

  it('inner shorter: the inner converts; the outer block goes on and finishes in time', () => {
    runClean(loop, (function* () {
      const outer = timeout(10);
      const r = yield* asyncWith(outer, function* () {
        const e = yield* catching(asyncWith(timeout(1), function* () {
          yield* sleep(5);
        }));
        expect(e).to.be.instanceOf(TimeoutError);
        yield* sleep(1);
        return 'went on';
      });
      expect(r).to.equal('went on');
      expect(outer.expired()).to.equal(false);
      expect(loop.time()).to.equal(2);
    })());
  });

  it('a nested timeout in the outer block\'s cleanup raises its own TimeoutError', () => {
    runClean(loop, (function* () {
      let innerErr: unknown;
      const err = yield* catching(asyncWith(timeout(0.01), function* () {
        try {
          yield* sleep(1);
        } finally {
          innerErr = yield* catching(asyncWith(timeout(0.01), function* () {
            yield* sleep(1);
          }));
        }
      }));
      expect(innerErr).to.be.instanceOf(TimeoutError);
      expect(err).to.be.instanceOf(TimeoutError);
      expect(loop.time()).to.be.closeTo(0.02, 1e-9);
    })());
  });

  it('an outside cancel inside an unexpired timeout stays a CancelledError', () => {
    runClean(loop, (function* () {
      const cm = timeout(10);
      const err = yield* catching(asyncWith(cm, function* () {
        me().cancel();
        yield* sleep(1);
      }));
      expect(err).to.be.instanceOf(CancelledError);
      expect(cm.expired()).to.equal(false);
      expect(me().uncancel()).to.equal(0);
    })());
  });

  it('an outside cancel in the same iteration as the expiry stays a CancelledError', () => {
    runClean(loop, (function* () {
      const cm = timeout(1);
      const t = createTask(asyncWith(cm, function* () {
        yield* sleep(10);
      }));
      loop.callLater(1, () => t.cancel()); // due with the timeout, scheduled after it
      expect(yield* catching(t)).to.be.instanceOf(CancelledError);
      expect(cm.expired()).to.equal(true);
      expect(t.cancelled()).to.equal(true);
    })());
  });

  it('cancelled from outside during the cleanup that follows its expiry: CancelledError', () => {
    runClean(loop, (function* () {
      const log: unknown[] = [];
      const cm = timeout(1);
      const t = createTask((function* () {
        try {
          yield* asyncWith(cm, function* () {
            try {
              yield* sleep(10);
            } finally {
              log.push('cleanup');
              yield* sleep(1);
              log.push('cleanup done');
            }
          });
        } catch (e) {
          log.push([(e as Error).name, cm.expired(), me().cancelling()]);
          throw e;
        }
      })());
      yield* sleep(1.5);
      t.cancel();
      expect(yield* catching(t)).to.be.instanceOf(CancelledError);
      expect(log).to.deep.equal(['cleanup', ['CancelledError', true, 1]]);
    })());
  });

  it('works after a cancellation the task already handled; a new one still passes through', () => {
    runClean(loop, (function* () {
      try {
        me().cancel();
        yield* sleep(0);
      } catch {
        // handled, but not uncancelled: cancelling() stays 1, which is the baseline below
      }
      expect(me().cancelling()).to.equal(1);
      expect(yield* catching(asyncWith(timeout(0), function* () {
        yield* sleep(1);
      }))).to.be.instanceOf(TimeoutError);
      expect(yield* catching(asyncWith(timeout(1), function* () {
        me().cancel();
        yield* sleep(0.5);
      }))).to.be.instanceOf(CancelledError);
      me().uncancel();
      me().uncancel();
    })());
  });

  it('a timeout inside a TaskGroup task, and a TaskGroup inside a timeout', () => {
    runClean(loop, (function* () {
      const log: string[] = [];
      function* slow(): Coroutine<void> {
        try {
          yield* sleep(10);
        } catch (e) {
          log.push('slow cancelled');
          throw e;
        }
      }
      const err = yield* catching(asyncWith(timeout(1), function* () {
        yield* asyncWith(new TaskGroup(), function* (tg) {
          tg.createTask(slow());
          yield* sleep(5);
        });
      }));
      expect(err).to.be.instanceOf(TimeoutError);
      expect(loop.time()).to.equal(1);
      function* child(): Coroutine<string> {
        try {
          yield* asyncWith(timeout(1), function* () {
            yield* sleep(10);
          });
        } catch (e) {
          if (e instanceof TimeoutError) log.push('child timeout');
          return 'ok';
        }
        return 'slept';
      }
      let c!: ReturnType<TaskGroup['createTask']>;
      yield* asyncWith(new TaskGroup(), function* (tg) {
        c = tg.createTask(child());
      });
      expect(c.result()).to.equal('ok');
      expect(log).to.deep.equal(['slow cancelled', 'child timeout']);
      expect(me().cancelling()).to.equal(0);
    })());
  });

  it('waitFor inside a timeout: the shorter limit wins, each converts only its own', () => {
    runClean(loop, (function* () {
      const outer = timeout(1);
      const err = yield* catching(asyncWith(outer, function* () {
        yield* waitFor(sleep(10), 5);
      }));
      expect(err).to.be.instanceOf(TimeoutError);
      expect(outer.expired()).to.equal(true);
      const r = yield* asyncWith(timeout(5), function* () {
        return yield* catching(waitFor(sleep(10), 1));
      });
      expect(r).to.be.instanceOf(TimeoutError);
      expect(loop.time()).to.equal(2);
    })());
  });
});

describe('Timeout: reschedule and states', () => {
  it('reschedule from another task moves the deadline; null removes it', () => {
    runClean(loop, (function* () {
      const cm = timeoutAt(loop.time() + 1);
      const t = createTask(asyncWith(cm, function* () {
        yield* sleep(10);
      }));
      yield* sleep(0);
      cm.reschedule(loop.time() + 2);
      expect(cm.when()).to.equal(2);
      yield* sleep(1.5);
      expect(t.done()).to.equal(false);
      cm.reschedule(null);
      expect(cm.when()).to.equal(null);
      yield* sleep(5);
      expect(t.done()).to.equal(false);
      t.cancel();
      expect(yield* catching(t)).to.be.instanceOf(CancelledError);
      expect(cm.expired()).to.equal(false);
    })());
  });

  it('reschedule to a time already past fires on the next iteration', () => {
    runClean(loop, (function* () {
      const err = yield* catching(asyncWith(timeout(10), function* (cm) {
        yield* sleep(1);
        cm.reschedule(0);
        yield* sleep(1);
      }));
      expect(err).to.be.instanceOf(TimeoutError);
      expect(loop.time()).to.equal(1);
    })());
  });

  it('reschedule is refused before enter, while expiring, after expiry and after exit', () => {
    runClean(loop, (function* () {
      const fresh = timeout(1);
      const e0 = throws(() => fresh.reschedule(5)) as Error;
      expect(e0).to.be.instanceOf(RuntimeError);
      expect(e0.message).to.equal('Timeout has not been entered');

      const finished = timeout(1);
      yield* asyncWith(finished, function* () {});
      expect((throws(() => finished.reschedule(5)) as Error).message).to.equal('Cannot change state of finished Timeout');

      const expired = timeout(0.01);
      let whileExpiring: unknown;
      yield* catching(asyncWith(expired, function* (cm) {
        try {
          yield* sleep(1);
        } catch (e) {
          whileExpiring = throws(() => cm.reschedule(5));
          throw e;
        }
      }));
      expect((whileExpiring as Error).message).to.equal('Cannot change state of expiring Timeout');
      expect((throws(() => expired.reschedule(5)) as Error).message).to.equal('Cannot change state of expired Timeout');
    })());
  });

  it('reschedule checks its argument: NaN is a ValueError, a string a TypeError', () => {
    runClean(loop, (function* () {
      yield* asyncWith(timeout(1), function* (cm) {
        expect(throws(() => cm.reschedule(NaN))).to.be.instanceOf(ValueError);
        expect(throws(() => cm.reschedule('2' as never))).to.be.instanceOf(TypeError);
        expect(cm.when()).to.equal(1); // unchanged
      });
    })());
  });

  it('entering twice is refused, whether active or exited', () => {
    runClean(loop, (function* () {
      const cm = timeout(1);
      yield* asyncWith(cm, function* () {
        const e = yield* catching(asyncWith(cm, function* () {}));
        expect(e).to.be.instanceOf(RuntimeError);
        expect((e as Error).message).to.equal('Timeout has already been entered');
      });
      expect(yield* catching(asyncWith(cm, function* () {}))).to.be.instanceOf(RuntimeError);
    })());
  });

  it('enter outside a task is refused and leaves it not entered', () => {
    const cm = new Timeout(null);
    const e = throws(() => cm.enter().next()) as Error;
    expect(e).to.be.instanceOf(RuntimeError);
    expect(e.message).to.equal('Timeout should be used inside a task');
    expect(String(cm)).to.equal('<Timeout [created]>');
    expect((throws(() => cm.reschedule(1)) as Error).message).to.equal('Timeout has not been entered');
    // In a plain callback of a running loop there is no task either.
    let inCallback: unknown;
    loop.callSoon(() => {
      inCallback = throws(() => cm.enter().next());
    });
    loop.runUntilComplete(sleep(0));
    expect((inCallback as Error).message).to.equal('Timeout should be used inside a task');
  });

  it('exit without a matching enter is a RuntimeError', () => {
    const cm = new Timeout(5);
    expect((throws(() => cm.exit().next()) as Error).message).to.equal('Timeout has not been entered');
    runClean(loop, (function* () {
      const done = timeout(1);
      yield* asyncWith(done, function* () {});
      expect((yield* catching(done.exit())) as Error).to.be.instanceOf(RuntimeError);
    })());
  });

  it('toString follows Python\'s repr (3 decimals, a float)', () => {
    runClean(loop, (function* () {
      yield* sleep(1.23456);
      yield* asyncWith(timeout(1), function* (cm) {
        expect(String(cm)).to.equal('<Timeout [active] when=2.235>');
      });
      yield* asyncWith(timeoutAt(Infinity), function* (cm) {
        expect(String(cm)).to.equal('<Timeout [active] when=inf>');
      });
      yield* asyncWith(timeoutAt(-Infinity), function* (cm) {
        expect(String(cm)).to.equal('<Timeout [active] when=-inf>');
      });
    })());
  });

  it('bad arguments: TypeError / ValueError; timeout() needs a running loop', () => {
    expect((throws(() => timeout(1)) as Error).message).to.equal('no running event loop');
    expect(throws(() => timeout(NaN))).to.be.instanceOf(ValueError);
    expect(throws(() => timeout('1' as never))).to.be.instanceOf(TypeError);
    expect(throws(() => timeout(undefined as never))).to.be.instanceOf(TypeError);
    expect(throws(() => timeoutAt(NaN))).to.be.instanceOf(ValueError);
    expect(throws(() => new Timeout({} as never))).to.be.instanceOf(TypeError);
    expect(timeoutAt(12).when()).to.equal(12);
  });
});
