// lib/inspect/stepper.ts: LoopStepper runs exactly the loop's own iteration,
// one callback at a time. The main check: for the same program, a Tracer
// records the same events under LoopStepper as under loop.runUntilComplete,
// and loop.snapshot() after each callback is the same.
import { expect } from 'chai';
import {
  CancelledError,
  EventLoop,
  Future,
  LoopStepper,
  Lock,
  Queue,
  RuntimeError,
  Tracer,
  createTask,
  fromPromise,
  gather,
  sleep,
  waitFor,
  type Coroutine,
  type Handle,
  type Snapshot,
  type StepEvent,
} from '../../lib';

type Program = (log: string[]) => Coroutine<unknown>;

interface Run {
  events: string;
  snapshots: string;
  log: string[];
  outcome: string;
}

/** Task-7 in one run is Task-3 in another (a global counter): number auto-named tasks by first appearance. */
function normalize(json: string): string {
  const seen = new Map<string, number>();
  return json.replace(/Task-\d+/g, (m) => {
    if (!seen.has(m)) seen.set(m, seen.size + 1);
    return `Task#${seen.get(m)}`;
  });
}

/** Runs `program` on a fresh virtual-clock loop, by the loop's driver or by a stepper. */
function runWith(program: Program, how: 'loop' | 'stepper', options: { shuffle?: number } = {}): Run {
  const loop = new EventLoop({ clock: 'virtual', shuffle: options.shuffle });
  const tracer = new Tracer();
  const snapshots: Snapshot[] = [];
  loop.addInstrument(tracer);
  loop.addInstrument({ afterCallback: () => void snapshots.push(loop.snapshot()) });
  const log: string[] = [];
  loop.setExceptionHandler((_l, ctx) => log.push(`handler: ${ctx.message}`));
  let outcome: string;
  try {
    const main = loop.createTask(program(log), { name: 'main' });
    if (how === 'loop') outcome = `result ${String(loop.runUntilComplete(main))}`;
    else {
      const stepper = new LoopStepper(loop, main);
      stepper.runUntilComplete(10_000);
      outcome = `result ${String(stepper.result())}`;
    }
  } catch (e) {
    outcome = `error ${(e as Error).name}: ${(e as Error).message}`;
  }
  loop.close();
  return { events: normalize(JSON.stringify(tracer.events)), snapshots: normalize(JSON.stringify(snapshots)), log, outcome };
}

function* worker(name: string, delay: number, log: string[]): Coroutine<string> {
  log.push(`${name} starts`);
  yield* sleep(delay);
  log.push(`${name} done`);
  return name;
}

const programs: Record<string, Program> = {
  'sleep ordering': function* (log) {
    const a = createTask(worker('a', 2, log), { name: 'a' });
    const b = createTask(worker('b', 1, log), { name: 'b' });
    const c = createTask(worker('c', 1, log), { name: 'c' });
    yield* a;
    yield* b;
    yield* c;
    return 'ok';
  },
  gather: function* (log) {
    const r = yield* gather([worker('x', 3, log), worker('y', 1, log), worker('z', 2, log)]);
    return r.join(',');
  },
  'producer/consumer': function* (log) {
    const q = new Queue<number>(2);
    const producer = createTask(
      (function* () {
        for (let i = 0; i < 5; i++) {
          yield* q.put(i);
          log.push(`put ${i}`);
        }
      })(),
      { name: 'producer' },
    );
    let sum = 0;
    for (let i = 0; i < 5; i++) {
      yield* sleep(0.5);
      sum += yield* q.get();
    }
    yield* producer;
    return sum;
  },
  'timeouts and cancellation': function* (log) {
    try {
      yield* waitFor(worker('slow', 10, log), 1);
    } catch (e) {
      log.push(`caught ${(e as Error).name}`);
    }
    const t = createTask(worker('victim', 5, log), { name: 'victim' });
    yield* sleep(1);
    t.cancel();
    try {
      yield* t;
    } catch (e) {
      log.push(`victim cancelled: ${e instanceof CancelledError}`);
    }
    return 'ok';
  },
  'bare yields, errors in callbacks, cancelled handles': function* (log) {
    const loop = createTask(
      (function* () {
        for (let i = 0; i < 3; i++) yield;
      })(),
      { name: 'spinner' },
    );
    const lp = loop.getLoop();
    lp.callSoon(() => {
      throw new Error('boom');
    });
    const h1 = lp.callSoon(() => log.push('never'));
    const h2 = lp.callSoon(() => log.push('never either'));
    h1.cancel();
    h2.cancel();
    lp.callLater(0.5, () => log.push('timer')).cancel();
    yield* loop;
    return 'ok';
  },
  'a lock': function* (log) {
    const lock = new Lock();
    function* user(name: string): Coroutine<void> {
      yield* lock.acquire();
      try {
        log.push(`${name} holds the lock`);
        yield* sleep(1);
      } finally {
        lock.release();
      }
    }
    yield* gather([user('p'), user('q'), user('r')]);
    return 'ok';
  },
  'a failing main': function* () {
    yield* sleep(1);
    throw new TypeError('main failed');
  },
  deadlock: function* () {
    const never = new Future<void>();
    yield* never;
  },
};

describe('LoopStepper', () => {
  describe('performs exactly the loop\'s iteration', () => {
    for (const [name, program] of Object.entries(programs)) {
      it(`gives the same trace, snapshots, output and outcome as runUntilComplete: ${name}`, () => {
        const byLoop = runWith(program, 'loop');
        const byStepper = runWith(program, 'stepper');
        expect(byLoop.events.length).to.be.greaterThan(2);
        expect(byStepper.events).to.equal(byLoop.events);
        expect(byStepper.snapshots).to.equal(byLoop.snapshots);
        expect(byStepper.log).to.deep.equal(byLoop.log);
        expect(byStepper.outcome).to.equal(byLoop.outcome);
      });
    }

    it('shuffles each batch the way the loop does under the same seed', () => {
      const byLoop = runWith(programs.gather, 'loop', { shuffle: 7 });
      const byStepper = runWith(programs.gather, 'stepper', { shuffle: 7 });
      expect(byStepper.events).to.equal(byLoop.events);
      // The seed changes the schedule (else this check would prove nothing).
      const unshuffled = runWith(programs.gather, 'stepper');
      const others = [1, 2, 3, 4, 5].map((s) => runWith(programs.gather, 'stepper', { shuffle: s }).events);
      expect(others.some((e) => e !== unshuffled.events)).to.equal(true);
    });

    it('reports a deadlock with the loop\'s own message', () => {
      const run = runWith(programs.deadlock, 'stepper');
      expect(run.outcome).to.match(/^error RuntimeError: deadlock:/);
    });
  });

  describe('steps', () => {
    let loop: EventLoop;
    beforeEach(() => {
      loop = new EventLoop({ clock: 'virtual' });
    });
    afterEach(() => {
      if (loop.isRunning()) loop._running = false;
      loop.close();
    });

    it('runs one callback per step, and stops at an iteration that moves the clock', () => {
      const log: string[] = [];
      const stepper = new LoopStepper(loop, worker('w', 2, log));
      expect(loop.isRunning()).to.equal(true);
      const first = stepper.step();
      expect(first).to.include({ kind: 'callback', iteration: 1, index: 1, batch: 1 });
      expect(log).to.deep.equal(['w starts']);
      expect(loop.snapshot().timers.map((t) => t.when)).to.deep.equal([2]);
      // Nothing is ready: the next step is the clock's jump, with the timer moved to the ready deque.
      const jump = stepper.step();
      expect(jump).to.deep.equal({ kind: 'iteration', iteration: 2, waited: 2, due: 1, batch: 1 });
      expect(loop.time()).to.equal(2);
      expect(loop.snapshot().timers).to.deep.equal([]);
      expect(loop.snapshot().ready).to.have.length(1);
      expect(stepper.left).to.equal(1);
      expect(stepper.batch).to.equal(1);
      const events: StepEvent[] = [];
      while (!stepper.finished) events.push(stepper.step());
      expect(events.map((e) => e.kind)).to.deep.equal(['callback', 'callback', 'callback']);
      expect(stepper.step()).to.deep.equal({ kind: 'finished', iteration: stepper.iteration });
      expect(stepper.result()).to.equal('w');
      expect(stepper.callbacks).to.equal(4);
      expect(loop.isRunning()).to.equal(false);
    });

    it('keeps the batch rule: callbacks scheduled during an iteration wait for the next one', () => {
      const order: string[] = [];
      loop.callSoon(() => {
        order.push('a');
        loop.callSoon(() => order.push('c (next iteration)'));
      });
      loop.callSoon(() => order.push('b'));
      const stepper = new LoopStepper(loop, sleep(0));
      const first = stepper.stepIteration();
      expect(first.map((e) => e.kind)).to.deep.equal(['callback', 'callback', 'callback']);
      expect(order).to.deep.equal(['a', 'b']);
      expect(stepper.left).to.equal(0);
      stepper.stepIteration();
      expect(order).to.deep.equal(['a', 'b', 'c (next iteration)']);
      expect(stepper.iteration).to.equal(2);
    });

    it('finishes the iteration in progress with stepIteration()', () => {
      loop.callSoon(() => undefined);
      loop.callSoon(() => undefined);
      const stepper = new LoopStepper(loop, sleep(0));
      stepper.step();
      expect(stepper.left).to.equal(2);
      expect(stepper.stepIteration()).to.have.length(2);
      expect(stepper.left).to.equal(0);
      expect(stepper.iteration).to.equal(1);
    });

    it('goes on past a batch of cancelled callbacks within one step', () => {
      const ran: string[] = [];
      const stepper = new LoopStepper(loop, sleep(0));
      stepper.step(); // the sleep's step: it yields once
      loop.callSoon(() => ran.push('x')).cancel();
      // The next iteration holds the cancelled callback and the task's next step.
      const e = stepper.step();
      expect(e.kind).to.equal('callback');
      expect(ran).to.deep.equal([]);
      const h = loop.callLater(1, () => ran.push('late'));
      stepper.runUntilComplete();
      h.cancel();
      expect(ran).to.deep.equal([]);
    });

    it('moves on through an iteration whose whole batch was cancelled', () => {
      const fut = loop.createFuture<string>();
      const stepper = new LoopStepper(loop, fut);
      loop.callSoon(() => undefined).cancel();
      loop.callLater(1, () => fut.setResult('done'));
      const e = stepper.step(); // the cancelled callback is skipped; the clock jumps in the same step
      expect(e).to.include({ kind: 'iteration', iteration: 2, waited: 1, due: 1 });
      stepper.runUntilComplete();
      expect(stepper.result()).to.equal('done');
    });

    it('drops cancelled timers like the loop and does not count them as due', () => {
      const fut = loop.createFuture<number>();
      const stepper = new LoopStepper(loop, fut);
      loop.callLater(1, () => undefined).cancel();
      const t2 = loop.callLater(2, () => undefined);
      loop.callLater(2, () => fut.setResult(2));
      t2.cancel();
      expect(stepper.step()).to.deep.equal({ kind: 'iteration', iteration: 1, waited: 2, due: 1, batch: 1 });
      stepper.runUntilComplete();
      expect(stepper.result()).to.equal(2);
      expect(loop._timerCancelledCount).to.equal(0);
    });

    it('stops at the end of the iteration in which main finished, like runUntilComplete', () => {
      const fut = loop.createFuture<string>();
      const later: string[] = [];
      loop.callSoon(() => fut.setResult('r'));
      loop.callSoon(() => loop.callSoon(() => later.push('after the run')));
      const stepper = new LoopStepper(loop, fut);
      const steps = stepper.runUntilComplete();
      // Iteration 1: the two callbacks; iteration 2: fut's done callback (stop) and the nested callSoon.
      expect(steps).to.equal(4);
      expect(later).to.deep.equal(['after the run']);
      expect(stepper.result()).to.equal('r');
    });

    it('gives result() as runUntilComplete would: the exception, or an error before the end', () => {
      const fut = loop.createFuture<number>();
      const stepper = new LoopStepper(loop, fut);
      expect(() => stepper.result()).to.throw(RuntimeError, 'the run is not over yet');
      loop.callSoon(() => fut.setException(new RangeError('bad')));
      stepper.runUntilComplete();
      expect(() => stepper.result()).to.throw(RangeError, 'bad');
    });

    it('close() ends a run early; result() then says the Future is not done', () => {
      const stepper = new LoopStepper(loop, sleep(5));
      stepper.step();
      stepper.close();
      stepper.close();
      expect(stepper.finished).to.equal(true);
      expect(loop.isRunning()).to.equal(false);
      expect(() => stepper.result()).to.throw(RuntimeError, 'Event loop stopped before Future completed.');
      stepper.future.cancel();
    });

    it('throws when the step budget of runUntilComplete runs out', () => {
      const spinner = function* (): Coroutine<void> {
        for (;;) yield;
      };
      const stepper = new LoopStepper(loop, spinner());
      expect(() => stepper.runUntilComplete(50)).to.throw(RuntimeError, 'more than 50 steps');
      stepper.close();
      stepper.future.cancel();
      const s2 = new LoopStepper(loop, stepper.future);
      s2.runUntilComplete();
      expect(stepper.future.cancelled()).to.equal(true);
    });

    it('fails a deadlock with the loop\'s report, and marks the task\'s exception as read', () => {
      const main = function* (): Coroutine<void> {
        yield* loop.createFuture<void>();
      };
      const stepper = new LoopStepper(loop, main());
      stepper.step();
      expect(() => stepper.step()).to.throw(RuntimeError, /^deadlock:/);
      expect(stepper.finished).to.equal(true);
      expect(() => stepper.result()).to.throw(RuntimeError, /^deadlock:/);
      expect(loop.isRunning()).to.equal(false);
    });

    it('marks the exception of a task it made as read when the run fails after the task failed', () => {
      const seen: string[] = [];
      loop.setExceptionHandler((_l, ctx) => seen.push(ctx.message));
      const fut = loop.createFuture<void>();
      const failing = function* (): Coroutine<void> {
        throw new Error('early');
      };
      // The task fails in iteration 1 but the run waits for `fut`, which nobody sets: a deadlock.
      const stepper = new LoopStepper(loop, failing());
      stepper.future.removeDoneCallback((stepper.future as unknown as { _callback0: (f: Future<unknown>) => void })._callback0);
      loop._awaiting = fut;
      expect(() => stepper.runUntilComplete()).to.throw(RuntimeError, /^deadlock:/);
      loop.close();
      expect(seen).to.deep.equal([]);
    });

    it('refuses a real clock, a running loop, a closed loop and host waits', () => {
      const real = new EventLoop();
      expect(() => new LoopStepper(real, sleep(0))).to.throw(TypeError, "clock: 'virtual'");
      real.close();
      const s = new LoopStepper(loop, sleep(0));
      expect(() => new LoopStepper(loop, sleep(0))).to.throw(RuntimeError, 'already running');
      s.runUntilComplete();
      const other = new EventLoop({ clock: 'virtual' });
      other.callSoon(() => {
        expect(() => new LoopStepper(loop, sleep(0))).to.throw(RuntimeError, 'another loop is running');
      });
      other.runUntilComplete(sleep(0));
      other.close();
      const fut = fromPromise(new Promise<void>(() => undefined), loop);
      const waiting = new LoopStepper(loop, fut);
      expect(() => waiting.step()).to.throw(RuntimeError, 'cannot wait for host I/O');
      const closed = new EventLoop({ clock: 'virtual' });
      closed.close();
      expect(() => new LoopStepper(closed, sleep(0))).to.throw(RuntimeError, 'Event loop is closed');
    });

    it('lets code inside a step see the running loop, and only there', () => {
      let inside: EventLoop | null = null;
      const main = function* (): Coroutine<void> {
        inside = createTask(sleep(0)).getLoop();
        yield* sleep(0);
      };
      const stepper = new LoopStepper(loop, main());
      stepper.step();
      expect(inside).to.equal(loop);
      expect(() => createTask(sleep(0))).to.throw(RuntimeError, 'no running event loop');
      stepper.runUntilComplete();
    });

    it('hands the handle that ran to the caller', () => {
      let h: Handle | null = null;
      const stepper = new LoopStepper(loop, sleep(0));
      h = loop.callSoon(() => undefined);
      const events = stepper.stepIteration();
      expect(events.some((e) => e.kind === 'callback' && e.handle === h)).to.equal(true);
      stepper.runUntilComplete();
    });
  });
});
