// lib/loop.ts: EventLoop — scheduling, timers, one iteration, stop, errors and
// handlers, debug mode, running-state errors, both drivers, close.
// Everything runs on the virtual clock unless a spec is about the real one;
// nothing asserts how long anything took.
import { expect } from 'chai';
import fc from 'fast-check';
import {
  EventLoop,
  Future,
  Handle,
  RuntimeError,
  Task,
  TimerHandle,
  ValueError,
  createTask,
  fromPromise,
  sleep,
  type Coroutine,
  type ExceptionContext,
  type Executor,
  type Instrument,
  type TaskFactory,
} from '../lib';
import { capture, errorsOf, iterate, tick, useVirtualLoop } from './support';
import type { WaitSource } from '../lib/loop';

/** A virtual clock that throws 'clock broke' from now() while `broken` is set: an error out of an iteration. */
class BreakableClock {
  readonly kind = 'virtual' as const;
  broken = false;
  now(): number {
    if (this.broken) throw new Error('clock broke');
    return 0;
  }
  block(): void {}
  advanceTo(): void {}
}

describe('EventLoop', () => {
  let loop: EventLoop;
  useVirtualLoop((l) => (loop = l), { mayBeRunning: true });

  describe('construction', () => {
    it('defaults: real clock, not debug, not running, not closed', () => {
      const real = new EventLoop();
      expect(real._clock.kind).to.equal('real');
      expect(real.getDebug()).to.equal(false);
      expect(real.isRunning()).to.equal(false);
      expect(real.isClosed()).to.equal(false);
      expect(real.slowCallbackDuration).to.equal(0.1);
      expect(String(real)).to.equal('<EventLoop running=false closed=false debug=false clock=real>');
      real.close();
    });

    it('takes its options: clock, debug, taskFactory, exceptionHandler, maxWorkers', () => {
      const handler = () => {};
      const factory: TaskFactory = (l, c) => new Task(c, { loop: l });
      const l = new EventLoop({ clock: 'virtual', debug: true, exceptionHandler: handler, taskFactory: factory, maxWorkers: 3 });
      expect(l.time()).to.equal(0);
      expect(l.getDebug()).to.equal(true);
      expect(l.getExceptionHandler()).to.equal(handler);
      expect(l.getTaskFactory()).to.equal(factory);
      expect(l._maxWorkers).to.equal(3);
      l.close();
    });

    it('refuses bad options with a clear error', () => {
      expect(() => new EventLoop(null as unknown as {})).to.throw(TypeError, 'EventLoop() options must be an object, got null');
      expect(() => new EventLoop({ shuffle: 1.5 })).to.throw(TypeError, 'shuffle must be an integer seed, got 1.5');
      expect(() => new EventLoop({ maxWorkers: 0 })).to.throw(ValueError, 'maxWorkers must be a positive integer, got 0');
      expect(() => new EventLoop({ clock: 'fast' as 'real' })).to.throw(TypeError, 'clock must be');
    });
  });

  describe('callSoon', () => {
    it('runs callbacks FIFO, with their arguments, on the next iteration', () => {
      const log: unknown[] = [];
      loop.callSoon((a: number, b: string) => log.push([a, b]), 1, 'x');
      loop.callSoon(() => log.push('no args'));
      loop.callSoon((a: number) => log.push(a), 3);
      expect(log).to.deep.equal([]);
      iterate(loop);
      expect(log).to.deep.equal([[1, 'x'], 'no args', 3]);
    });

    it('callSoonThreadsafe schedules the same way', () => {
      const log: number[] = [];
      loop.callSoon(() => log.push(1));
      const h = loop.callSoonThreadsafe((n: number) => log.push(n), 2);
      expect(h).to.be.instanceOf(Handle);
      iterate(loop);
      expect(log).to.deep.equal([1, 2]);
    });

    it('a cancelled handle never runs', () => {
      const log: string[] = [];
      loop.callSoon(() => log.push('a'));
      loop.callSoon(() => log.push('b')).cancel();
      loop.callSoon(() => log.push('c'));
      iterate(loop);
      expect(log).to.deep.equal(['a', 'c']);
    });

    it('a handle cancelled by an earlier callback of the same iteration does not run', () => {
      const log: string[] = [];
      let second: Handle | null = null;
      loop.callSoon(() => second!.cancel());
      second = loop.callSoon(() => log.push('second'));
      iterate(loop);
      expect(log).to.deep.equal([]);
    });

    it('refuses a non-function callback (TypeError) and a closed loop (RuntimeError)', () => {
      expect(() => loop.callSoon(42 as unknown as () => void)).to.throw(TypeError, 'callSoon() needs a function as its callback, got 42');
      loop.close();
      expect(() => loop.callSoon(() => {})).to.throw(RuntimeError, /^Event loop is closed$/);
      expect(() => loop.callSoonThreadsafe(() => {})).to.throw(RuntimeError, 'Event loop is closed');
    });

    it('in debug mode refuses a generator function, saying to make a task', () => {
      loop.setDebug(true);
      function* work(): Coroutine<void> {}
      expect(() => loop.callSoon(work as unknown as () => void)).to.throw(TypeError, 'coroutines cannot be used with callSoon(): wrap the call in a task instead, createTask(work())');
      expect(() => loop.callLater(1, work as unknown as () => void)).to.throw(TypeError, 'coroutines cannot be used with callLater()');
    });
  });

  describe('timers: callLater and callAt', () => {
    it('fire in deadline order, each at its time (virtual clock)', () => {
      const log: [string, number][] = [];
      const at = (name: string) => () => log.push([name, loop.time()]);
      loop.callLater(3, at('c'));
      loop.callLater(1, at('a'));
      loop.callAt(2, at('b'));
      loop.runUntilComplete(sleep(10));
      expect(log).to.deep.equal([
        ['a', 1],
        ['b', 2],
        ['c', 3],
      ]);
    });

    it('pass their arguments and return TimerHandles with when()', () => {
      const log: unknown[] = [];
      const t = loop.callLater(2, (a: number, b: number) => log.push(a + b), 1, 2);
      const u = loop.callAt(5, (s: string) => log.push(s), 'at');
      expect(t).to.be.instanceOf(TimerHandle);
      expect(t.when()).to.equal(2);
      expect(u.when()).to.equal(5);
      loop.runUntilComplete(sleep(5));
      expect(log).to.deep.equal([3, 'at']);
    });

    it('timers due at the same time run in the order they were scheduled', () => {
      const log: number[] = [];
      for (let i = 0; i < 20; i++) loop.callAt(1, () => log.push(i));
      loop.runUntilComplete(sleep(1));
      expect(log).to.deep.equal(Array.from({ length: 20 }, (_, i) => i));
    });

    it('a negative delay means as soon as possible, ordered by deadline', () => {
      const log: string[] = [];
      loop.callLater(-1, () => log.push('-1'));
      loop.callLater(-5, () => log.push('-5'));
      loop.callLater(0, () => log.push('0'));
      iterate(loop);
      expect(log).to.deep.equal(['-5', '-1', '0']);
      expect(loop.time()).to.equal(0);
    });

    it('due timers join the ready queue after the callbacks already in it', () => {
      const log: string[] = [];
      loop.callLater(0, () => log.push('timer'));
      loop.callSoon(() => log.push('soon'));
      iterate(loop);
      expect(log).to.deep.equal(['soon', 'timer']);
    });

    it('a cancelled timer never runs', () => {
      const log: string[] = [];
      loop.callLater(1, () => log.push('a'));
      loop.callLater(2, () => log.push('b')).cancel();
      loop.runUntilComplete(sleep(3));
      expect(log).to.deep.equal(['a']);
    });

    it('a timer never fires early: the clock only jumps to the next deadline', () => {
      const fired: [number, number][] = [];
      for (const d of [0.5, 0.25, 7, 7, 1e-9]) {
        const h: TimerHandle = loop.callLater(d, () => fired.push([h.when(), loop.time()]));
      }
      loop.runUntilComplete(sleep(8));
      expect(fired).to.have.length(5);
      for (const [when, now] of fired) expect(now).to.be.at.least(when);
    });

    it('refuse a delay that is not a number (TypeError) or NaN (ValueError), and a non-function', () => {
      expect(() => loop.callLater('1' as unknown as number, () => {})).to.throw(TypeError, "callLater() needs a delay in seconds (a number), got '1'");
      expect(() => loop.callLater(NaN, () => {})).to.throw(ValueError, 'callLater(): the delay is NaN');
      expect(() => loop.callAt(undefined as unknown as number, () => {})).to.throw(TypeError, 'callAt() needs a loop time (a number), got undefined');
      expect(() => loop.callAt(NaN, () => {})).to.throw(ValueError, 'callAt(): the time is NaN');
      expect(() => loop.callLater(1, null as unknown as () => void)).to.throw(TypeError, 'callLater() needs a function as its callback, got null');
      expect(() => loop.callAt(1, {} as unknown as () => void)).to.throw(TypeError, 'callAt() needs a function');
      expect(loop._scheduled.length).to.equal(0); // nothing was scheduled
    });

    it('refuse a closed loop', () => {
      loop.close();
      expect(() => loop.callLater(1, () => {})).to.throw(RuntimeError, 'Event loop is closed');
      expect(() => loop.callAt(1, () => {})).to.throw(RuntimeError, 'Event loop is closed');
    });

    describe('lazy cancellation', () => {
      it('a cancelled timer stays in the heap until it reaches the top', () => {
        const first = loop.callLater(1, () => {});
        const second = loop.callLater(2, () => {});
        second.cancel();
        expect(loop._scheduled.length).to.equal(2);
        expect(loop._timerCancelledCount).to.equal(1);
        first.cancel();
        iterate(loop); // both are cancelled: they are dropped from the top
        expect(loop._scheduled.length).to.equal(0);
        expect(loop._timerCancelledCount).to.equal(0);
      });

      it('a cancelled timer below a live one is dropped when it becomes due', () => {
        loop.callLater(1, () => {});
        loop.callLater(2, () => {}).cancel();
        loop.callLater(3, () => {});
        loop.runUntilComplete(sleep(2.5));
        expect(loop._timerCancelledCount).to.equal(0);
        expect(loop._scheduled.length).to.equal(1);
      });

      it('the heap is rebuilt when over 100 entries and more than half are cancelled', () => {
        const keep = loop.callLater(0.5, () => {}); // at the top, live: lazy dropping cannot help
        const handles = Array.from({ length: 150 }, (_, i) => loop.callLater(10 + i, () => {}));
        for (let i = 0; i < 76; i++) handles[i].cancel(); // 76 of 151 > half
        expect(loop._timerCancelledCount).to.equal(76);
        iterate(loop);
        expect(loop._scheduled.length).to.equal(75);
        expect(loop._timerCancelledCount).to.equal(0);
        for (let i = 0; i < 76; i++) expect(handles[i]._scheduled).to.equal(false);
        expect(keep._scheduled).to.equal(true);
      });

      it('is not rebuilt at exactly half, nor with 100 entries or fewer', () => {
        loop.callLater(0.5, () => {});
        const handles = Array.from({ length: 149 }, (_, i) => loop.callLater(10 + i, () => {}));
        for (let i = 0; i < 75; i++) handles[i].cancel(); // 75 of 150: exactly half
        iterate(loop);
        expect(loop._scheduled.length).to.equal(150);
        const small = new EventLoop({ clock: 'virtual' });
        small.callLater(0.5, () => {});
        const few = Array.from({ length: 99 }, () => small.callLater(10, () => {}));
        few.forEach((h) => h.cancel()); // 99 of 100 cancelled, but only 100 entries
        iterate(small);
        expect(small._scheduled.length).to.equal(100);
        small.close();
      });
    });
  });

  describe('one iteration', () => {
    it('runs exactly the callbacks ready when it began; what they schedule runs in the next', () => {
      const log: string[] = [];
      loop.callSoon(() => {
        log.push('a');
        loop.callSoon(() => log.push('a-child'));
      });
      loop.callSoon(() => log.push('b'));
      iterate(loop);
      expect(log).to.deep.equal(['a', 'b']);
      iterate(loop);
      expect(log).to.deep.equal(['a', 'b', 'a-child']);
    });

    it('a callback that reschedules itself forever cannot starve a due timer', () => {
      let spins = 0;
      const spin = () => {
        spins++;
        loop.callSoon(spin);
      };
      loop.callSoon(spin);
      loop.callLater(0, () => loop.stop());
      loop.runForever();
      expect(spins).to.equal(1); // the timer joined the first batch after the spinner
    });

    it('the virtual clock does not move while callbacks are ready', () => {
      loop.callLater(5, () => {});
      loop.callSoon(() => {});
      iterate(loop);
      expect(loop.time()).to.equal(0);
    });
  });

  describe('stop', () => {
    it('finishes the current iteration, then returns; the flag is consumed', () => {
      const log: string[] = [];
      loop.callSoon(() => {
        log.push('a');
        loop.stop();
      });
      loop.callSoon(() => log.push('b'));
      loop.callSoon(() => loop.callSoon(() => log.push('next iteration')));
      loop.runForever();
      expect(log).to.deep.equal(['a', 'b']);
      expect(loop.isRunning()).to.equal(false);
      loop.callSoon(() => loop.stop());
      loop.runForever(); // runs again: the first stop() was used up
      expect(log).to.deep.equal(['a', 'b', 'next iteration']);
    });

    it('called before running, the next run does exactly one iteration without waiting', () => {
      const log: string[] = [];
      loop.callLater(1, () => log.push('timer'));
      loop.callSoon(() => loop.callSoon(() => log.push('second iteration')));
      loop.stop();
      loop.runForever();
      expect(log).to.deep.equal([]);
      expect(loop.time()).to.equal(0);
    });

    it('stopping runUntilComplete before its future is done: "Event loop stopped before Future completed."', () => {
      const f = loop.createFuture();
      loop.callSoon(() => loop.stop());
      expect(() => loop.runUntilComplete(f)).to.throw(RuntimeError, /^Event loop stopped before Future completed\.$/);
      expect(f.done()).to.equal(false);
      f.setResult(1);
      expect(loop.runUntilComplete(f)).to.equal(1); // its done callback was removed: a new run works
    });
  });

  describe('runUntilComplete', () => {
    it('runs a coroutine as a task and returns its result, or throws its exception', () => {
      function* ok(): Coroutine<number> {
        yield* sleep(1);
        return 5;
      }
      function* bad(): Coroutine<void> {
        yield* sleep(1);
        throw new ValueError('bad');
      }
      expect(loop.runUntilComplete(ok())).to.equal(5);
      const seen = errorsOf(loop);
      expect(() => loop.runUntilComplete(bad())).to.throw(ValueError, 'bad');
      loop.close();
      expect(seen).to.deep.equal([]); // the exception reached the caller: it was retrieved
    });

    it('runs until a Future is done', () => {
      const f = loop.createFuture<string>();
      loop.callLater(3, () => f.setResult('later'));
      expect(loop.runUntilComplete(f)).to.equal('later');
      expect(loop.time()).to.equal(3);
    });

    it('refuses a future of another loop (ValueError) and a closed loop (RuntimeError)', () => {
      const other = new EventLoop({ clock: 'virtual' });
      expect(() => loop.runUntilComplete(other.createFuture())).to.throw(ValueError, 'different loop');
      other.close();
      loop.close();
      expect(() => loop.runUntilComplete(sleep(0))).to.throw(RuntimeError, 'Event loop is closed');
      expect(() => loop.runForever()).to.throw(RuntimeError, 'Event loop is closed');
    });

    it('when the run itself fails, the task it made is not reported as never retrieved', () => {
      // A clock that breaks once the task has failed makes runForever throw.
      const clock = new BreakableClock();
      const l = new EventLoop({ clock });
      const seen = errorsOf(l);
      function* bad(): Coroutine<void> {
        clock.broken = true;
        throw new ValueError('x');
      }
      expect(() => l.runUntilComplete(bad())).to.throw(Error, 'clock broke');
      expect(l.isRunning()).to.equal(false);
      clock.broken = false;
      l.close();
      expect(seen).to.deep.equal([]);
    });
  });

  describe('running-state errors', () => {
    it("'This event loop is already running' from inside it", () => {
      const errors: string[] = [];
      function* main(): Coroutine<void> {
        for (const attempt of [() => loop.runUntilComplete(sleep(0)), () => loop.runForever()]) {
          try {
            attempt();
          } catch (e) {
            errors.push((e as Error).message);
          }
        }
      }
      loop.runUntilComplete(main());
      expect(errors).to.deep.equal(['This event loop is already running', 'This event loop is already running']);
      expect(loop.isRunning()).to.equal(false);
    });

    it("'Cannot run the event loop while another loop is running'", () => {
      const other = new EventLoop({ clock: 'virtual' });
      let message = '';
      function* main(): Coroutine<void> {
        expect(loop.isRunning()).to.equal(true);
        try {
          other.runUntilComplete(sleep(0));
        } catch (e) {
          message = (e as Error).message;
        }
      }
      loop.runUntilComplete(main());
      expect(message).to.equal('Cannot run the event loop while another loop is running');
      other.close();
    });

    it("'Cannot close a running event loop'; close() is idempotent", () => {
      let message = '';
      loop.callSoon(() => {
        try {
          loop.close();
        } catch (e) {
          message = (e as Error).message;
        }
      });
      iterate(loop);
      expect(message).to.equal('Cannot close a running event loop');
      loop.close();
      loop.close();
      expect(loop.isClosed()).to.equal(true);
    });

    it('close() drops what was scheduled', () => {
      let ran = false;
      loop.callSoon(() => (ran = true));
      const t = loop.callLater(1, () => (ran = true));
      loop.close();
      expect(loop._ready.length).to.equal(0);
      expect(loop._scheduled.length).to.equal(0);
      expect(t._scheduled).to.equal(false);
      t.cancel(); // no longer counted
      expect(loop._timerCancelledCount).to.equal(0);
      expect(ran).to.equal(false);
    });
  });

  describe('errors in callbacks and the exception handler', () => {
    it('an exception in a callback goes to the handler and the loop goes on', () => {
      const seen = errorsOf(loop);
      const log: string[] = [];
      const err = new Error('boom');
      function failing() {
        throw err;
      }
      loop.callSoon(failing);
      loop.callSoon(() => log.push('after'));
      iterate(loop);
      expect(log).to.deep.equal(['after']);
      expect(seen).to.have.length(1);
      expect(seen[0].message).to.equal('Exception in callback failing()');
      expect(seen[0].exception).to.equal(err);
      expect(seen[0].handle).to.be.instanceOf(Handle);
    });

    it('setExceptionHandler takes a function or null; anything else is a TypeError', () => {
      const h = () => {};
      loop.setExceptionHandler(h);
      expect(loop.getExceptionHandler()).to.equal(h);
      loop.setExceptionHandler(null);
      expect(loop.getExceptionHandler()).to.equal(null);
      expect(() => loop.setExceptionHandler(5 as unknown as null)).to.throw(TypeError, 'A callable object or null is expected, got 5');
    });

    it('the handler gets the loop and the context', () => {
      const calls: [EventLoop, ExceptionContext][] = [];
      loop.setExceptionHandler((l, c) => calls.push([l, c]));
      loop.callExceptionHandler({ message: 'hello', extra: 1 });
      expect(calls).to.deep.equal([[loop, { message: 'hello', extra: 1 }]]);
    });

    it('a handler that throws is caught: the default handler reports both', () => {
      const bug = new Error('handler bug');
      loop.setExceptionHandler(() => {
        throw bug;
      });
      const lines = capture('error', () => {
        loop.callSoon(() => {
          throw new Error('original');
        });
        iterate(loop);
      });
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(/^Unhandled error in exception handler\n/);
      expect(lines[0]).to.contain('context: ');
      expect(lines[0]).to.contain('Error: handler bug');
    });

    it('when even the default handler fails, a last line still reaches console.error', () => {
      loop.setExceptionHandler(() => {
        throw new Error('custom');
      });
      const original = console.error;
      const lines: unknown[][] = [];
      let first = true;
      console.error = (...a: unknown[]) => {
        if (first) {
          first = false;
          throw new Error('console broke');
        }
        lines.push(a);
      };
      try {
        loop.callExceptionHandler({ message: 'm' });
        first = true;
        loop.setExceptionHandler(null);
        loop.callExceptionHandler({ message: 'm2' });
      } finally {
        console.error = original;
      }
      expect(lines.map((l) => l[0])).to.deep.equal([
        'Exception in default exception handler while handling an unexpected error in custom exception handler',
        'Exception in default exception handler',
      ]);
      expect((lines[0][1] as Error).message).to.equal('console broke');
    });

    it('defaultExceptionHandler logs the message, the other keys sorted, and the stack', () => {
      const err = new ValueError('bad value');
      const f = loop.createFuture();
      const lines = capture('error', () => loop.defaultExceptionHandler({ message: 'Something failed', exception: err, future: f, answer: 42, sourceTraceback: '    at here (x.ts:1:1)' }));
      expect(lines).to.have.length(1);
      const text = lines[0].split('\n');
      expect(text[0]).to.equal('Something failed');
      expect(text[1]).to.equal('answer: 42');
      expect(text[2]).to.equal('future: <Future pending>');
      expect(text[3]).to.equal('Object created at (most recent call first):');
      expect(text[4]).to.equal('    at here (x.ts:1:1)');
      expect(text[5]).to.equal('ValueError: bad value');
    });

    it('defaultExceptionHandler: a default message, and a non-Error exception by its repr', () => {
      const lines = capture('error', () => loop.defaultExceptionHandler({ message: '', exception: 'a string' }));
      expect(lines[0]).to.equal("Unhandled exception in event loop\n'a string'");
    });

    it('with no handler set, errors go to console.error', () => {
      const lines = capture('error', () => {
        loop.callSoon(function noisy() {
          throw new Error('to the console');
        });
        iterate(loop);
      });
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(/^Exception in callback noisy\(\)\nhandle: <Handle noisy\(\)>\nError: to the console/);
    });
  });

  describe('debug mode', () => {
    it('setDebug/getDebug', () => {
      loop.setDebug(true);
      expect(loop.getDebug()).to.equal(true);
      loop.setDebug(false);
      expect(loop.getDebug()).to.equal(false);
    });

    it('warns of callbacks slower than slowCallbackDuration, naming the handle or the task', () => {
      loop.setDebug(true);
      loop.slowCallbackDuration = 0; // every callback is "slow"
      const lines = capture('warn', () => {
        loop.callSoon(function slowOne() {});
        iterate(loop);
        const t = loop.createTask(sleep(0), { name: 'stepper' });
        loop.runUntilComplete(t);
      });
      expect(lines[0]).to.match(/^Executing <Handle slowOne\(\)> took \d+\.\d{3} seconds$/);
      expect(lines.some((l) => /^Executing <Task pending name='stepper'> took \d+\.\d{3} seconds$/.test(l))).to.equal(true);
    });

    it('does not warn of callbacks under the limit', () => {
      loop.setDebug(true);
      loop.slowCallbackDuration = Infinity;
      const lines = capture('warn', () => {
        loop.callSoon(() => {});
        iterate(loop);
      });
      expect(lines).to.deep.equal([]);
    });

    it('records where handles, timers, futures and tasks were created (sourceTraceback)', () => {
      loop.setDebug(true);
      const seen = errorsOf(loop);
      const h = loop.callSoon(() => {});
      const t = loop.callLater(1, () => {});
      const f = loop.createFuture();
      const task = loop.createTask(sleep(0));
      for (const x of [h._sourceTraceback, t._sourceTraceback, f._sourceTraceback, task._sourceTraceback]) {
        expect(x).to.be.a('string').and.to.contain('loop.spec.ts');
      }
      loop.callLater(0, () => {
        throw new Error('x');
      });
      loop.runUntilComplete(task);
      expect(seen[0].sourceTraceback).to.contain('loop.spec.ts');
      t.cancel();
    });

    it('reports tasks still pending at close, with where they were created', () => {
      loop.setDebug(true);
      const seen = errorsOf(loop);
      const f = loop.createFuture();
      const t = loop.createTask(
        (function* stuck(): Coroutine<void> {
          yield* f;
        })(),
      );
      iterate(loop);
      loop.close();
      expect(seen).to.have.length(1);
      expect(seen[0].message).to.equal('Task was destroyed but it is pending!');
      expect(seen[0].task).to.equal(t);
      expect(seen[0].sourceTraceback).to.contain('loop.spec.ts');
    });

    it('without debug mode, pending tasks are not reported', () => {
      const seen = errorsOf(loop);
      loop.createTask(sleep(10));
      iterate(loop);
      loop.close();
      expect(seen).to.deep.equal([]);
    });
  });

  describe('the synchronous driver', () => {
    it("fails with a 'deadlock:' RuntimeError when nothing can make progress", () => {
      const f = loop.createFuture();
      function* stuck(): Coroutine<void> {
        yield* f;
      }
      let err: unknown;
      try {
        loop.runUntilComplete(stuck());
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(RuntimeError);
      expect((err as Error).message).to.match(/^deadlock:/);
      expect(loop.isRunning()).to.equal(false);
    });

    it('runForever with nothing to do is a deadlock too', () => {
      expect(() => loop.runForever()).to.throw(RuntimeError, /^deadlock:/);
    });

    it('refuses to wait for host I/O (a promise), naming the async driver', () => {
      const never = new Promise<void>(() => {});
      function* main(): Coroutine<void> {
        yield* fromPromise(never);
      }
      let message = '';
      try {
        loop.runUntilComplete(main());
      } catch (e) {
        expect(e).to.be.instanceOf(RuntimeError);
        message = (e as Error).message;
      }
      expect(message).to.contain('the synchronous driver cannot wait for host I/O');
      expect(message).to.contain('runUntilCompleteAsync');
      expect(message).to.contain('`run(main())`, which returns a Promise (`.then()` in CommonJS, `await` in an ES module)');
    });

    it('a host wait that is no longer needed (its future was cancelled) does not block it', () => {
      function* main(): Coroutine<string> {
        const fut = fromPromise(new Promise<void>(() => {}));
        fut.cancel();
        yield* sleep(1);
        return 'done';
      }
      expect(loop.runUntilComplete(main())).to.equal('done');
    });

    it('waits for a busy wait source on the clock, then polls it', () => {
      const f = loop.createFuture<string>();
      let polls = 0;
      let busy = true;
      const source: WaitSource = {
        busy: () => busy,
        poll() {
          polls++;
          if (busy) {
            busy = false;
            f.setResult('from the source');
          }
        },
      };
      const remove = loop._addWaitSource(source);
      loop._wake[0] = 1; // as a worker thread would: the blocking wait returns at once
      expect(loop.runUntilComplete(f)).to.equal('from the source');
      expect(polls).to.be.greaterThan(0);
      remove();
      expect(loop._waitSources.size).to.equal(0);
    });
  });

  describe('the async driver', () => {
    it('runs to completion, jumping virtual time', async () => {
      function* main(): Coroutine<number> {
        yield* sleep(3600);
        return loop.time();
      }
      expect(await loop.runUntilCompleteAsync(main())).to.equal(3600);
      expect(loop.isRunning()).to.equal(false);
    });

    it('rejects with the task\'s exception', async () => {
      function* bad(): Coroutine<void> {
        yield* sleep(1);
        throw new ValueError('async bad');
      }
      let caught: unknown;
      await loop.runUntilCompleteAsync(bad()).catch((e) => (caught = e));
      expect(caught).to.be.instanceOf(ValueError);
    });

    it('sleep(3e6): a delay beyond setTimeout\'s limit completes (virtual clock)', async () => {
      await loop.runUntilCompleteAsync(sleep(3e6));
      expect(loop.time()).to.equal(3e6);
    });

    it('the virtual clock does not jump while a host wait (fromPromise) is outstanding', async () => {
      let resolve!: (v: number) => void;
      const promise = new Promise<number>((r) => (resolve = r));
      function* main(): Coroutine<[number, number, boolean, number]> {
        const sleeper = createTask(sleep(10));
        const v = yield* fromPromise(promise);
        const at = loop.time();
        const sleeperDone = sleeper.done();
        yield* sleeper;
        return [v, at, sleeperDone, loop.time()];
      }
      const run = loop.runUntilCompleteAsync(main());
      for (let i = 0; i < 5; i++) await tick(); // Node goes round; the loop must not jump meanwhile
      expect(loop.time()).to.equal(0);
      resolve(7);
      expect(await run).to.deep.equal([7, 0, false, 10]);
    });

    it('yields to Node while busy: a setImmediate scheduled first runs before busy tasks finish', async () => {
      let nodeRan = false;
      setImmediate(() => (nodeRan = true));
      function* busy(): Coroutine<number> {
        let steps = 0;
        while (!nodeRan) {
          yield* sleep(0);
          if (++steps > 5e6) throw new Error('the loop never let Node run');
        }
        return steps;
      }
      function* main(): Coroutine<number[]> {
        const tasks = Array.from({ length: 10 }, () => createTask(busy()));
        const out: number[] = [];
        for (const t of tasks) out.push(yield* t);
        return out;
      }
      const steps = await loop.runUntilCompleteAsync(main());
      expect(nodeRan).to.equal(true);
      expect(steps.every((n) => n > 0)).to.equal(true);
    });

    it('callSoonThreadsafe from a host callback wakes an idle loop (real clock)', async () => {
      const real = new EventLoop();
      const f = real.createFuture<string>();
      setImmediate(() => real.callSoonThreadsafe(() => f.setResult('woken')));
      expect(await real.runUntilCompleteAsync(f)).to.equal('woken');
      real.close();
    });

    it('on the real clock, a wait longer than setTimeout allows is capped at 2^31-1 ms and re-armed', async () => {
      const real = new EventLoop();
      const delays: number[] = [];
      const realSetTimeout = globalThis.setTimeout;
      let fired = 0;
      (globalThis as { setTimeout: unknown }).setTimeout = (fn: () => void, ms: number) => {
        delays.push(ms);
        if (fired++ === 0) setImmediate(fn); // the capped host timer "expires" before the deadline
        return realSetTimeout(() => {}, 1e6);
      };
      let ran = false;
      let run: Promise<void>;
      try {
        real.callLater(3e6, () => (ran = true)); // 3e9 ms
        run = real.runForeverAsync();
        await tick();
        await tick();
      } finally {
        globalThis.setTimeout = realSetTimeout;
      }
      expect(delays).to.deep.equal([2 ** 31 - 1, 2 ** 31 - 1]);
      expect(ran).to.equal(false); // it woke early and waited again, rather than firing the timer
      real.stop();
      await run;
      real.close();
    });

    it('stop() before running does one iteration', async () => {
      const log: string[] = [];
      loop.callSoon(() => loop.callSoon(() => log.push('second')));
      loop.callSoon(() => log.push('first'));
      loop.stop();
      await loop.runForeverAsync();
      expect(log).to.deep.equal(['first']);
    });

    it("'Event loop stopped before Future completed.'", async () => {
      const f = loop.createFuture();
      loop.callLater(1, () => loop.stop());
      let caught: unknown;
      await loop.runUntilCompleteAsync(f).catch((e) => (caught = e));
      expect(caught).to.be.instanceOf(RuntimeError);
      expect((caught as Error).message).to.equal('Event loop stopped before Future completed.');
      f.cancel();
    });

    it('running-state errors: already running (either driver), another loop running, closed, close while running', async () => {
      const f = loop.createFuture();
      const run = loop.runUntilCompleteAsync(f);
      await tick();
      expect(loop.isRunning()).to.equal(true); // idle in Node, still running
      const messages: string[] = [];
      await loop.runUntilCompleteAsync(sleep(0)).catch((e) => messages.push(e.message));
      await loop.runForeverAsync().catch((e) => messages.push(e.message));
      try {
        loop.runUntilComplete(sleep(0));
      } catch (e) {
        messages.push((e as Error).message);
      }
      try {
        loop.close();
      } catch (e) {
        messages.push((e as Error).message);
      }
      const other = new EventLoop({ clock: 'virtual' });
      loop.callSoon(() => {
        other.runUntilCompleteAsync(sleep(0)).catch((e) => messages.push(e.message));
      });
      await tick();
      await tick();
      f.setResult(1);
      await run;
      expect(messages).to.deep.equal([
        'This event loop is already running',
        'This event loop is already running',
        'This event loop is already running',
        'Cannot close a running event loop',
        'Cannot run the event loop while another loop is running',
      ]);
      other.close();
      loop.close();
      let closed = '';
      await loop.runForeverAsync().catch((e) => (closed = e.message));
      await loop.runUntilCompleteAsync(sleep(0)).catch((e) => (closed += ' / ' + e.message));
      expect(closed).to.equal('Event loop is closed / Event loop is closed');
    });

    it('when Node runs out of work while a run waits, the run fails with the deadlock report', async () => {
      const before = new Set(process.listeners('beforeExit'));
      const f = loop.createFuture();
      const run = loop.runUntilCompleteAsync(f);
      await tick();
      const mine = process.listeners('beforeExit').filter((l) => !before.has(l));
      expect(mine).to.have.length(1);
      (mine[0] as (code: number) => void)(0); // what Node does when it has nothing left to do
      let caught: unknown;
      await run.catch((e) => (caught = e));
      expect(caught).to.be.instanceOf(RuntimeError);
      expect((caught as Error).message).to.match(/^deadlock:/);
      expect(process.listeners('beforeExit').filter((l) => !before.has(l))).to.have.length(0);
      expect(loop.isRunning()).to.equal(false);
    });

    it('beforeExit while the loop is busy (not idle) changes nothing', async () => {
      const before = new Set(process.listeners('beforeExit'));
      let listener: ((code: number) => void) | null = null;
      function* main(): Coroutine<string> {
        listener = process.listeners('beforeExit').filter((l) => !before.has(l))[0] as (code: number) => void;
        listener(0); // called while the loop is running a step: ignored
        yield* sleep(1);
        return 'fine';
      }
      expect(await loop.runUntilCompleteAsync(main())).to.equal('fine');
      expect(listener).to.be.a('function');
    });

    it('an error thrown out of an iteration (here: by the clock) rejects the run', async () => {
      const clock = new BreakableClock();
      const l = new EventLoop({ clock });
      l.callSoon(() => (clock.broken = true));
      let caught: unknown;
      await l.runForeverAsync().catch((e) => (caught = e));
      expect((caught as Error).message).to.equal('clock broke');
      expect(l.isRunning()).to.equal(false);
      clock.broken = false;
      l.close();
    });

    it('when the run fails after its task failed, the task\'s exception counts as retrieved', async () => {
      const clock = new BreakableClock();
      const l = new EventLoop({ clock });
      const seen = errorsOf(l);
      function* bad(): Coroutine<void> {
        clock.broken = true;
        throw new ValueError('x');
      }
      let caught: unknown;
      await l.runUntilCompleteAsync(bad()).catch((e) => (caught = e));
      expect((caught as Error).message).to.equal('clock broke');
      clock.broken = false;
      l.close();
      expect(seen).to.deep.equal([]);
    });

    it('a release of a host wait wakes an idle virtual loop, which then jumps', async () => {
      const release = loop._holdHostWait();
      const run = loop.runUntilCompleteAsync(sleep(5));
      await tick();
      expect(loop.time()).to.equal(0);
      release();
      release(); // idempotent
      await run;
      expect(loop.time()).to.equal(5);
      expect(loop._hostWaits).to.equal(0);
    });

    it('a wake-up that arrives while another loop runs synchronously is deferred', async () => {
      const f = loop.createFuture<string>();
      const run = loop.runUntilCompleteAsync(f);
      await tick(); // idle in Node
      const other = new EventLoop({ clock: 'virtual' });
      function* elsewhere(): Coroutine<void> {
        loop.callSoon(() => f.setResult('after the other loop'));
        loop._hostTick!(); // as if Node ran the wake-up now, inside the other loop's run
        expect(f.done()).to.equal(false);
      }
      other.runUntilComplete(elsewhere());
      other.close();
      expect(await run).to.equal('after the other loop');
    });

    it('a timer scheduled from a host callback wakes an idle loop', async () => {
      const real = new EventLoop();
      const f = real.createFuture<string>();
      const run = real.runUntilCompleteAsync(f);
      await tick();
      real.callLater(0, () => f.setResult('timer'));
      expect(await run).to.equal('timer');
      real.close();
    });
  });

  describe('tasks and the task factory', () => {
    it('createTask goes through the factory, then sets the name', () => {
      const made: string[] = [];
      loop.setTaskFactory((l, coro, opts) => {
        made.push(String(opts.name));
        return new Task(coro, { loop: l });
      });
      const t = loop.createTask(sleep(0), { name: 'custom' });
      expect(made).to.deep.equal(['custom']);
      expect(t.getName()).to.equal('custom');
      loop.createTask(sleep(0));
      expect(made).to.deep.equal(['custom', 'undefined']);
      loop.setTaskFactory(null);
      expect(loop.getTaskFactory()).to.equal(null);
      loop.runUntilComplete(t);
    });

    it('setTaskFactory refuses a non-function', () => {
      expect(() => loop.setTaskFactory('x' as unknown as null)).to.throw(TypeError, "A callable object or null is expected, got 'x'");
    });

    it('createTask refuses a closed loop', () => {
      loop.close();
      expect(() => loop.createTask(sleep(0))).to.throw(RuntimeError, 'Event loop is closed');
    });

    it('createFuture makes a Future of this loop', () => {
      const f = loop.createFuture<number>();
      expect(f).to.be.instanceOf(Future);
      expect(f.getLoop()).to.equal(loop);
    });
  });

  describe('seeded scheduling (shuffle)', () => {
    function order(seed: number): number[] {
      const l = new EventLoop({ clock: 'virtual', shuffle: seed });
      const log: number[] = [];
      for (let i = 0; i < 10; i++) l.callSoon(() => log.push(i));
      iterate(l);
      l.close();
      return log;
    }

    it('the same seed gives the same permutation of a ready batch', () => {
      const a = order(42);
      expect(a).to.deep.equal(order(42));
      expect([...a].sort((x, y) => x - y)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const seeds = [1, 2, 3, 42];
      expect(seeds.some((s) => order(s).join() !== '0,1,2,3,4,5,6,7,8,9')).to.equal(true);
    });

    it('shows its seed in toString', () => {
      const l = new EventLoop({ clock: 'virtual', shuffle: 7 });
      expect(String(l)).to.contain('shuffle=7');
      l.close();
    });
  });

  describe('instruments', () => {
    it('see tasks, callbacks, timers and waits', () => {
      const events: string[] = [];
      const inst: Instrument = {
        taskCreated: (t) => events.push(`created ${t.getName()}`),
        beforeTaskStep: (t) => events.push(`step ${t.getName()}`),
        afterTaskStep: (t, y) => events.push(`after ${t.getName()} ${y === undefined ? 'undefined' : 'future'}`),
        taskDone: (t) => events.push(`done ${t.getName()}`),
        callbackScheduled: () => events.push('scheduled'),
        beforeCallback: () => events.push('before cb'),
        afterCallback: () => events.push('after cb'),
        timerScheduled: (h) => events.push(`timer ${h.when()}`),
        beforeWait: (timeout) => events.push(`wait ${timeout}`),
        afterWait: (waited) => events.push(`waited ${waited}`),
      };
      loop.addInstrument(inst);
      loop.addInstrument(inst); // once only
      loop.runUntilComplete(loop.createTask(sleep(2), { name: 'T' }));
      expect(events).to.include.members(['created T', 'step T', 'after T future', 'timer 2', 'wait 2', 'waited 2', 'done T', 'scheduled', 'before cb', 'after cb']);
      expect(events.filter((e) => e === 'created T')).to.have.length(1);
      expect(loop.removeInstrument(inst)).to.equal(true);
      expect(loop.removeInstrument(inst)).to.equal(false);
      expect(loop._instrumented).to.equal(false);
    });

    it('an instrument that throws is reported and removed; the program goes on', () => {
      const seen = errorsOf(loop);
      const inst: Instrument = {
        beforeCallback() {
          throw new Error('bad instrument');
        },
      };
      loop.addInstrument(inst);
      expect(loop.runUntilComplete(sleep(1, 'ok'))).to.equal('ok');
      expect(seen).to.have.length(1);
      expect(seen[0].message).to.equal('Instrument hook beforeCallback() raised an exception; the instrument was removed');
      expect(loop._instruments).to.deep.equal([]);
    });

    it('addInstrument refuses a non-object', () => {
      expect(() => loop.addInstrument(null as unknown as Instrument)).to.throw(TypeError, 'addInstrument() needs an object');
    });

    it('see the waits of the async driver too', async () => {
      const events: string[] = [];
      loop.addInstrument({ beforeWait: (t) => events.push(`wait ${t}`), afterWait: (w) => events.push(`waited ${w}`) });
      await loop.runUntilCompleteAsync(sleep(3));
      expect(events).to.deep.equal(['wait 3', 'waited 3']);
      const real = new EventLoop();
      const rEvents: string[] = [];
      real.addInstrument({ beforeWait: (t) => rEvents.push(`wait ${t}`), afterWait: () => rEvents.push('waited') });
      const f = real.createFuture();
      setImmediate(() => real.callSoonThreadsafe(() => f.setResult(1)));
      await real.runUntilCompleteAsync(f);
      expect(rEvents).to.deep.equal(['wait null', 'waited']);
      real.close();
    });
  });

  describe('executors', () => {
    function fakeExecutor(): Executor & { jobs: unknown[][]; shutdowns: number } {
      return {
        jobs: [],
        shutdowns: 0,
        submit<T>(l: EventLoop, fn: unknown, args: unknown[]) {
          this.jobs.push([fn, args]);
          const f = l.createFuture<T>();
          f.setResult('ran' as T);
          return f;
        },
        shutdown() {
          this.shutdowns++;
        },
      };
    }

    it('runInExecutor submits to the given executor, or to the default one', () => {
      const mine = fakeExecutor();
      const dflt = fakeExecutor();
      loop.setDefaultExecutor(dflt);
      const fn = (a: number) => a * 2;
      expect(loop.runUntilComplete(loop.runInExecutor(mine, fn, 2))).to.equal('ran');
      loop.runInExecutor(null, { module: 'm', export: 'e' }, 1);
      expect(mine.jobs).to.deep.equal([[fn, [2]]]);
      expect(dflt.jobs).to.deep.equal([[{ module: 'm', export: 'e' }, [1]]]);
      loop.close();
      expect(dflt.shutdowns).to.equal(1);
    });

    it('the default executor comes from the factory, sized by maxWorkers, made once', () => {
      const saved = EventLoop._defaultExecutorFactory;
      const sizes: (number | undefined)[] = [];
      const ex = fakeExecutor();
      EventLoop._defaultExecutorFactory = (n) => {
        sizes.push(n);
        return ex;
      };
      try {
        const l = new EventLoop({ clock: 'virtual', maxWorkers: 4 });
        l.runInExecutor(null, () => 1);
        l.runInExecutor(null, () => 2);
        expect(sizes).to.deep.equal([4]);
        l.close();
        EventLoop._defaultExecutorFactory = null;
        const l2 = new EventLoop({ clock: 'virtual' });
        expect(() => l2.runInExecutor(null, () => 1)).to.throw(RuntimeError, 'no default executor');
        l2.close();
      } finally {
        EventLoop._defaultExecutorFactory = saved;
      }
    });

    it('refuses a bad function, a bad executor, a shut-down default, and a closed loop', () => {
      expect(() => loop.runInExecutor(null, 5 as unknown as () => void)).to.throw(TypeError, 'runInExecutor() needs a function or { module, export }, got 5');
      expect(() => loop.setDefaultExecutor({} as Executor)).to.throw(TypeError, 'setDefaultExecutor() needs an executor');
      const ex = fakeExecutor();
      loop.setDefaultExecutor(ex);
      loop.runUntilComplete(loop.shutdownDefaultExecutor());
      expect(ex.shutdowns).to.equal(1);
      expect(() => loop.runInExecutor(null, () => 1)).to.throw(RuntimeError, 'Executor shutdown has been called');
      expect(loop.runUntilComplete(loop.runInExecutor(fakeExecutor(), () => 1))).to.equal('ran'); // an explicit one still works
      loop.runUntilComplete(loop.shutdownDefaultExecutor()); // again: nothing to shut down
      loop.close();
      expect(() => loop.runInExecutor(ex, () => 1)).to.throw(RuntimeError, 'Event loop is closed');
    });
  });

  describe('random programs of callSoon/callLater/callAt/cancel (property)', () => {
    // An action runs at the top level (parent -1) or inside the callback of an
    // earlier action; a cancel targets an earlier action's handle.
    type Action = { parent: number } & ({ kind: 'soon' } | { kind: 'later'; delay: number } | { kind: 'at'; offset: number } | { kind: 'cancel'; target: number });
    const delay = fc.constantFrom(0, 0, 0.5, 1, 1, 2, 3.25, 10);
    const raw = fc.record({
      parent: fc.nat(),
      nested: fc.boolean(),
      pick: fc.nat(),
      op: fc.oneof(
        { weight: 2, arbitrary: fc.constant({ kind: 'soon' as const }) },
        { weight: 3, arbitrary: delay.map((d) => ({ kind: 'later' as const, delay: d })) },
        { weight: 1, arbitrary: delay.map((d) => ({ kind: 'at' as const, offset: d })) },
        { weight: 3, arbitrary: fc.constant({ kind: 'cancel' as const, target: 0 }) },
      ),
    });
    const program = fc.array(raw, { maxLength: 300 }).map((list) =>
      list.map((r, i): Action => {
        const parent = r.nested && i > 0 ? r.parent % i : -1;
        if (r.op.kind === 'cancel') return { parent, kind: 'cancel', target: i > 0 ? r.pick % i : -1 };
        return { parent, ...r.op };
      }),
    );

    it('every callback not cancelled runs exactly once, never early; equal deadlines keep scheduling order; the queues end empty', () => {
      fc.assert(
        fc.property(program, (actions) => {
          const l = new EventLoop({ clock: 'virtual' });
          const n = actions.length;
          const handles: (Handle | null)[] = new Array(n).fill(null);
          const created: number[] = new Array(n).fill(-1);
          const runs: number[] = new Array(n).fill(0);
          const cancelledBeforeRun = new Set<number>();
          const fired: number[] = [];
          const children: number[][] = actions.map(() => []);
          const top: number[] = [];
          actions.forEach((a, i) => (a.parent < 0 ? top : children[a.parent]).push(i));
          let creation = 0;
          const perform = (i: number): void => {
            const a = actions[i];
            if (a.kind === 'cancel') {
              const h = a.target >= 0 ? handles[a.target] : null;
              if (h !== null && runs[a.target] === 0) cancelledBeforeRun.add(a.target);
              h?.cancel();
              return;
            }
            const cb = () => {
              runs[i]++;
              const h = handles[i];
              if (h instanceof TimerHandle) expect(l.time()).to.be.at.least(h.when());
              fired.push(i);
              for (const c of children[i]) perform(c);
            };
            handles[i] = a.kind === 'soon' ? l.callSoon(cb) : a.kind === 'later' ? l.callLater(a.delay, cb) : l.callAt(l.time() + a.offset, cb);
            created[i] = creation++;
          };
          top.forEach(perform);
          l.runUntilComplete(sleep(1e6));
          for (let i = 0; i < n; i++) {
            if (actions[i].kind === 'cancel') continue;
            const expected = handles[i] !== null && !cancelledBeforeRun.has(i) ? 1 : 0;
            expect(runs[i], `action ${i}`).to.equal(expected);
          }
          // Timers fire in (when, scheduling order); callSoon callbacks in FIFO order.
          const timers = fired.map((i) => handles[i]).filter((h): h is TimerHandle => h instanceof TimerHandle);
          for (let k = 1; k < timers.length; k++) {
            const [a, b] = [timers[k - 1], timers[k]];
            expect(a.when() < b.when() || (a.when() === b.when() && a._seq < b._seq), `${a} before ${b}`).to.equal(true);
          }
          const soon = fired.filter((i) => actions[i].kind === 'soon').map((i) => created[i]);
          expect(soon).to.deep.equal([...soon].sort((x, y) => x - y));
          expect(l._ready.length).to.equal(0);
          expect(l._scheduled.length).to.equal(0);
          expect(l._timerCancelledCount).to.equal(0);
          l.close();
        }),
        { numRuns: 200 },
      );
    });
  });
});
