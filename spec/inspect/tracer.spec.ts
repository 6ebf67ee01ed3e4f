// Tracer: the typed event stream, and the wake-up edges it pieces together.
import { expect } from 'chai';
import { EventLoop, Future, Lock, Tracer, ValueError, asyncGenerator, eagerTaskFactory, emit, sleep, type Coroutine, type StepCause, type TraceEvent } from '../../lib';
import { traceHandOff } from './support';

type Of<K extends TraceEvent['type']> = Extract<TraceEvent, { type: K }>;

function traced(): { loop: EventLoop; tracer: Tracer } {
  const loop = new EventLoop({ clock: 'virtual' });
  const tracer = new Tracer();
  loop.addInstrument(tracer);
  return { loop, tracer };
}

function ofType<K extends TraceEvent['type']>(tracer: Tracer, type: K): Of<K>[] {
  return tracer.events.filter((e): e is Of<K> => e.type === type);
}

/** The causes of a task's steps, by task name. */
function causes(tracer: Tracer, name: string): StepCause[] {
  return ofType(tracer, 'stepStart')
    .filter((e) => e.task.name === name)
    .map((e) => e.cause);
}

describe('inspect: Tracer', () => {
  it('numbers events in order and stamps them with loop time', () => {
    const { loop, tracer } = traced();
    function* c(): Coroutine<void> {
      yield* sleep(1);
      yield* sleep(2);
    }
    loop.runUntilComplete(loop.createTask(c(), { name: 'c' }));
    const ev = tracer.events;
    expect(ev.length).to.be.greaterThan(10);
    ev.forEach((e, i) => expect(e.seq).to.equal(i));
    for (let i = 1; i < ev.length; i++) expect(ev[i].time).to.be.at.least(ev[i - 1].time);
    expect(ev[ev.length - 1].time).to.equal(3);
    expect(ofType(tracer, 'stepEnd').map((e) => [e.action, e.until])).to.deep.equal([
      ['sleep', 1],
      ['sleep', 3],
      ['done', null],
    ]);
    expect(ofType(tracer, 'waited').map((e) => [e.waited, e.virtual])).to.deep.equal([
      [1, true],
      [2, true],
    ]);
    loop.close();
  });

  it('records who created a task', () => {
    const { loop, tracer } = traced();
    function* child(): Coroutine<void> {}
    function* main(): Coroutine<void> {
      yield* loop.createTask(child(), { name: 'child' });
    }
    loop.runUntilComplete(loop.createTask(main(), { name: 'main' }));
    const created = ofType(tracer, 'taskCreated');
    expect(created.map((e) => [e.task.name, e.by?.name ?? null])).to.deep.equal([
      ['main', null],
      ['child', 'main'],
    ]);
    expect(created[0].task.id).to.not.equal(created[1].task.id);
    loop.close();
  });

  it('captures the wake-up edge: which future woke a task, how it ended, and who completed it', () => {
    const { loop, tracer } = traced();
    const fut = loop.createFuture<number>();
    function* a(): Coroutine<number> {
      return yield* fut;
    }
    function* b(): Coroutine<void> {
      yield* sleep(1);
      fut.setResult(42);
    }
    function* main(): Coroutine<void> {
      const ta = loop.createTask(a(), { name: 'a' });
      loop.createTask(b(), { name: 'b' });
      yield* ta;
    }
    loop.runUntilComplete(loop.createTask(main(), { name: 'main' }));
    const [first, second] = causes(tracer, 'a');
    expect(first).to.deep.equal({ kind: 'start' });
    expect(second.kind).to.equal('wakeup');
    if (second.kind !== 'wakeup') return;
    expect(second.outcome).to.equal('result');
    expect(second.value).to.equal('42');
    expect(second.by?.name).to.equal('b');
    expect(second.sleepUntil).to.equal(null);
    expect(second.future.label).to.match(/^Future #\d+$/);
    // The futureDone event it points to happened inside b's step.
    const done = tracer.events[second.doneSeq] as Of<'futureDone'>;
    expect(done.type).to.equal('futureDone');
    expect(done.future).to.deep.equal(second.future);
    const bSteps = ofType(tracer, 'stepStart').filter((e) => e.task.name === 'b');
    expect(done.seq).to.be.greaterThan(bSteps[1].seq);
    // main was woken by task a finishing.
    const mainWake = causes(tracer, 'main')[1];
    expect(mainWake.kind === 'wakeup' && mainWake.future.label).to.equal("Task 'a'");
    expect(mainWake.kind === 'wakeup' && mainWake.by?.name).to.equal('a');
    loop.close();
  });

  it('tells a sleep from other waits, and names the timer callback that ended it', () => {
    const { loop, tracer } = traced();
    function* c(): Coroutine<void> {
      yield* sleep(2.5);
    }
    loop.runUntilComplete(loop.createTask(c(), { name: 'c' }));
    const wake = causes(tracer, 'c')[1];
    expect(wake.kind).to.equal('wakeup');
    if (wake.kind !== 'wakeup') return;
    expect(wake.sleepUntil).to.equal(2.5);
    expect(wake.by).to.equal(null);
    expect(wake.callback).to.match(/^setResultUnlessCancelled\(Future #\d+\)$/);
    const timers = ofType(tracer, 'callback').filter((e) => e.timer);
    expect(timers).to.have.length(1);
    expect(ofType(tracer, 'timerScheduled')[0]).to.include({ when: 2.5 });
    expect(ofType(tracer, 'timerScheduled')[0].by?.name).to.equal('c');
    loop.close();
  });

  it('records cancellations and failures without reading (retrieving) the exception', () => {
    const { loop, tracer } = traced();
    const errors: unknown[] = [];
    loop.setExceptionHandler((_l, ctx) => errors.push(ctx.exception));
    function* sleeper(): Coroutine<void> {
      yield* sleep(10);
    }
    function* failing(): Coroutine<void> {
      yield* sleep(1);
      throw new Error('boom');
    }
    function* main(): Coroutine<void> {
      const s = loop.createTask(sleeper(), { name: 's' });
      loop.createTask(failing(), { name: 'f' });
      yield* sleep(2);
      s.cancel('enough');
      yield* sleep(0);
    }
    loop.runUntilComplete(loop.createTask(main(), { name: 'main' }));
    const wake = causes(tracer, 's')[1];
    expect(wake.kind === 'wakeup' && [wake.outcome, wake.value, wake.by?.name]).to.deep.equal(['cancelled', "'enough'", 'main']);
    const done = ofType(tracer, 'taskDone');
    expect(done.find((e) => e.task.name === 's')).to.include({ outcome: 'cancelled' });
    expect(done.find((e) => e.task.name === 'f')).to.include({ outcome: 'exception', value: "Error('boom')" });
    loop.close();
    // Nobody read f's exception: the tracer did not count as reading it.
    expect(errors).to.have.length(1);
    expect((errors[0] as Error).message).to.equal('boom');
  });

  it('says why other steps run: after a bare yield, or to throw back a mistake', () => {
    const { loop, tracer } = traced();
    const fut = loop.createFuture();
    function* c(): Coroutine<string> {
      yield;
      try {
        yield fut as never; // the forgotten star
      } catch {
        return 'caught';
      }
      return 'no';
    }
    expect(loop.runUntilComplete(loop.createTask(c(), { name: 'c' }))).to.equal('caught');
    expect(causes(tracer, 'c').map((x) => x.kind)).to.deep.equal(['start', 'yield', 'throw']);
    expect(ofType(tracer, 'stepEnd').map((e) => e.action)).to.deep.equal(['yield', 'error', 'done']);
    expect(ofType(tracer, 'taskScheduled').map((e) => e.reason)).to.deep.equal(['step', 'step', 'throw']);
    loop.close();
  });

  it('attached while tasks are suspended, it learns them and says they resume', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    function* c(): Coroutine<void> {
      yield* sleep(1);
      yield;
    }
    const t = loop.createTask(c(), { name: 'late' });
    loop.runUntilComplete(sleep(0.5));
    const tracer = new Tracer();
    loop.addInstrument(tracer);
    loop.runUntilComplete(t);
    const steps = causes(tracer, 'late');
    // It saw the timer complete a future and the wakeup, not the task suspending on a sleep.
    expect(steps[0]).to.deep.include({ kind: 'wakeup', outcome: 'result', by: null, sleepUntil: null });
    expect(steps[1].kind).to.equal('yield');
    expect(ofType(tracer, 'taskScheduled').every((e) => e.task.name === 'late')).to.equal(true);
    loop.close();
  });

  it('attached after a future was completed, it still tells the wake-up, without who completed it', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const fut = loop.createFuture<string>();
    function* c(): Coroutine<string> {
      return yield* fut;
    }
    const t = loop.createTask(c(), { name: 'c' });
    loop.runUntilComplete(sleep(0));
    fut.setResult('x'); // schedules c's wakeup before anyone watches
    const tracer = new Tracer();
    loop.addInstrument(tracer);
    expect(loop.runUntilComplete(t)).to.equal('x');
    expect(causes(tracer, 'c')[0]).to.deep.include({ kind: 'wakeup', outcome: 'result', value: "'x'", by: null, callback: null, doneSeq: -1 });
    expect(tracer.timeline()).to.match(/c +█✓/);
    expect(tracer.narrate()).to.include("Task 'c' resumes: the Future it awaited got result 'x'\n");
    loop.close();
  });

  it('a step whose cause it cannot see is a plain resume', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    function* c(): Coroutine<void> {
      for (let i = 0; i < 5; i++) yield;
    }
    const t = loop.createTask(c(), { name: 'c' });
    loop.runUntilComplete(sleep(0)); // c has stepped a few times: its next step is queued
    const tracer = new Tracer();
    loop.addInstrument(tracer);
    loop.runUntilComplete(t);
    const seen = causes(tracer, 'c').map((x) => x.kind);
    expect(seen[0]).to.equal('resume');
    expect(seen.slice(1)).to.deep.equal(seen.slice(1).map(() => 'yield'));
    expect(tracer.narrate().split('\n')[0]).to.equal("t=0.000 Task 'c' resumes");
    loop.close();
  });

  it('follows eager tasks, which step inside their creator', () => {
    const { loop, tracer } = traced();
    loop.setTaskFactory(eagerTaskFactory);
    function* child(): Coroutine<number> {
      return 1;
    }
    function* main(): Coroutine<number> {
      return yield* loop.createTask(child(), { name: 'child' });
    }
    expect(loop.runUntilComplete(loop.createTask(main(), { name: 'main' }))).to.equal(1);
    const order = tracer.events.filter((e) => e.type === 'stepStart' || e.type === 'stepEnd').map((e) => `${e.type} ${(e as Of<'stepStart'>).task.name}`);
    expect(order.slice(0, 4)).to.deep.equal(['stepStart main', 'stepStart child', 'stepEnd child', 'stepEnd main']);
    loop.close();
  });

  it('names futures by their kind (gather, Lock.acquire) and keeps one id per future', () => {
    const { loop, tracer } = traced();
    const lock = new Lock();
    function* holder(): Coroutine<void> {
      yield* lock.acquire();
      yield* sleep(1);
      lock.release();
    }
    function* waiter(): Coroutine<void> {
      yield* lock.acquire();
      lock.release();
    }
    function* main(): Coroutine<void> {
      loop.createTask(holder(), { name: 'h' });
      yield* sleep(0);
      yield* loop.createTask(waiter(), { name: 'w' });
    }
    loop.runUntilComplete(loop.createTask(main(), { name: 'main' }));
    const awaitOfW = ofType(tracer, 'stepEnd').find((e) => e.task.name === 'w' && e.action === 'await');
    expect(awaitOfW?.future?.label).to.match(/^Lock\.acquire #\d+$/);
    const wake = causes(tracer, 'w')[1];
    expect(wake.kind === 'wakeup' && wake.future.id).to.equal(awaitOfW?.future?.id);
    expect(wake.kind === 'wakeup' && wake.by?.name).to.equal('h');
    loop.close();
  });

  it('records a plain callback with its arguments, and the loop going idle', () => {
    const { loop, tracer } = traced();
    function named(x: number, f: Future<unknown>): void {
      f.setResult(x);
    }
    const fut = loop.createFuture();
    loop.callLater(1, named, 5, fut);
    loop.runUntilComplete(fut);
    const cb = ofType(tracer, 'callback');
    expect(cb[0].callback).to.match(/^named\(5, Future #\d+\)$/);
    expect(cb[0].timer).to.equal(true);
    expect(ofType(tracer, 'callbackEnd')[0].callback).to.equal(cb[0].callback);
    expect(ofType(tracer, 'wait')[0].timeout).to.equal(1);
    const done = ofType(tracer, 'futureDone')[0];
    expect([done.by, done.callback]).to.deep.equal([null, cb[0].callback]);
    loop.close();
  });

  it('clear() forgets the events; the renderers then have nothing to show', () => {
    const { loop, tracer } = traced();
    loop.runUntilComplete(sleep(1));
    expect(tracer.events.length).to.be.greaterThan(0);
    tracer.clear();
    expect(tracer.events).to.deep.equal([]);
    expect(tracer.narrate()).to.equal('');
    loop.runUntilComplete(sleep(0));
    expect(tracer.events[0].seq).to.be.greaterThan(0); // sequence numbers stay unique
    tracer.clear();
    expect(tracer.timeline()).to.match(/nothing ran/);
    loop.close();
  });

  it('shortens long results', () => {
    const { loop, tracer } = traced();
    loop.runUntilComplete(loop.createTask(sleep(0, 'y'.repeat(100)), { name: 'long' }));
    const done = ofType(tracer, 'taskDone')[0];
    expect(done.value).to.have.length(60);
    expect(done.value).to.match(/^'y+…$/);
    loop.close();
  });

  it('one tracer can watch two loops', () => {
    const tracer = new Tracer();
    const l1 = new EventLoop({ clock: 'virtual' });
    const l2 = new EventLoop({ clock: 'virtual' });
    l1.addInstrument(tracer);
    l2.addInstrument(tracer);
    function* c(): Coroutine<void> {
      yield* sleep(1);
    }
    l1.runUntilComplete(l1.createTask(c(), { name: 'one' }));
    l2.runUntilComplete(l2.createTask(c(), { name: 'two' }));
    expect(ofType(tracer, 'taskDone').map((e) => e.task.name)).to.deep.equal(['one', 'two']);
    l1.close();
    l2.close();
  });

  describe('bounded: new Tracer({ limit }) keeps the last events, for a loop that runs for a long time', () => {
    /** The hand-off program traced twice: by an unbounded tracer and by one with `limit`. */
    function tracedTwice(limit: number): { all: Tracer; last: Tracer } {
      const all = new Tracer();
      const last = new Tracer({ limit });
      traceHandOff({
        setup: (loop) => {
          loop.addInstrument(all);
          loop.addInstrument(last);
        },
      });
      return { all, last };
    }

    it('keeps exactly the last `limit` events, and counts the ones it dropped', () => {
      const { all, last } = tracedTwice(7);
      const total = all.events.length;
      expect(total).to.be.greaterThan(20);
      expect(last.events.map((e) => e.seq)).to.deep.equal(all.events.slice(-7).map((e) => e.seq));
      expect(last.events).to.deep.equal(all.events.slice(-7));
      expect(last.dropped).to.equal(total - 7);
      expect(last.limit).to.equal(7);
      expect(all.dropped).to.equal(0);
      expect(all.limit).to.equal(null);
    });

    it('holds at most twice the limit while recording, however long the loop runs', () => {
      const loop = new EventLoop({ clock: 'virtual' });
      const tracer = new Tracer({ limit: 50 });
      loop.addInstrument(tracer);
      let most = 0;
      const held = () => (tracer as unknown as { buffer: unknown[] }).buffer.length;
      function* busy(): Coroutine<void> {
        for (let i = 0; i < 2000; i++) {
          yield* sleep(0);
          most = Math.max(most, held());
        }
      }
      loop.runUntilComplete(busy());
      loop.close();
      expect(most).to.be.at.most(100);
      expect(tracer.events).to.have.length(50);
      expect(tracer.dropped).to.be.greaterThan(5000); // three events per switch: stepStart, stepEnd, taskScheduled
    });

    it('every renderer says how many earlier events were dropped', () => {
      const { all, last } = tracedTwice(9);
      const note = `(${all.events.length - 9} earlier events dropped: this Tracer keeps the last 9)`;
      expect(last.narrate().split('\n')[0]).to.equal(note);
      expect(last.timeline().split('\n')[0]).to.equal(note);
      expect(last.toSVG()).to.contain(note);
      expect(last.toSVG({ title: 'Hand-off' })).to.contain(`Hand-off ${note}`);
      expect(JSON.parse(last.toChromeTrace()).otherData).to.deep.equal({ producer: 'tulip Tracer', droppedEvents: all.events.length - 9 });
      expect(JSON.parse(all.toChromeTrace()).otherData).to.deep.equal({ producer: 'tulip Tracer' });
      expect(all.narrate()).not.to.contain('dropped');
    });

    it('one dropped event is "1 earlier event"', () => {
      const { all } = tracedTwice(1);
      const { last } = tracedTwice(all.events.length - 1);
      expect(last.narrate().split('\n')[0]).to.equal(`(1 earlier event dropped: this Tracer keeps the last ${all.events.length - 1})`);
    });

    it('the renderers cope with a record cut anywhere (mid-step, mid-callback, mid-wait)', () => {
      const { all } = tracedTwice(1);
      for (let limit = 1; limit <= all.events.length; limit++) {
        const { last } = tracedTwice(limit);
        expect(() => [last.narrate(), last.timeline(), last.timeline({ by: 'time' }), last.toSVG(), last.toChromeTrace()], `limit ${limit}`).not.to.throw();
      }
    });

    it('clear() forgets the dropped count too', () => {
      const { last } = tracedTwice(3);
      expect(last.dropped).to.be.greaterThan(0);
      last.clear();
      expect(last.dropped).to.equal(0);
      expect(last.narrate()).to.equal('');
    });

    it('options are checked: an unknown key is a TypeError naming it; limit must be a positive integer', () => {
      expect(() => new Tracer({ limt: 5 } as unknown as { limit: number })).to.throw(TypeError, "Tracer() got an unexpected option 'limt' (it takes 'limit')");
      expect(() => new Tracer({ limit: '5' } as unknown as { limit: number })).to.throw(TypeError, "Tracer: limit must be an integer number of events, got '5'");
      expect(() => new Tracer({ limit: 2.5 })).to.throw(TypeError, 'got 2.5');
      expect(() => new Tracer({ limit: 0 })).to.throw(ValueError, 'Tracer: limit must be at least 1, got 0');
      expect(() => new Tracer(null as unknown as {})).to.throw(TypeError, 'Tracer() options must be an object, got null');
      expect(new Tracer({ limit: null }).limit).to.equal(null);
      expect(new Tracer({}).limit).to.equal(null);
    });
  });

  it('narrates async generators: who asks (anext, aclose…), what they emit, the end — and the steps taken inside them', () => {
    const { loop, tracer } = traced();
    const ticker = asyncGenerator(function* ticker(n: number) {
      try {
        for (let i = 0; i < n; i++) {
          yield* sleep(1);
          yield* emit(i);
        }
      } finally {
        yield* sleep(0.5);
      }
    });
    const failing = asyncGenerator(function* failing() {
      throw new RangeError('bad');
    });
    function* main(): Coroutine<void> {
      const g = ticker(1);
      yield* g.anext();
      try {
        yield* g.anext();
      } catch {
        /* exhausted */
      }
      const h = ticker(3);
      yield* h.asend(undefined);
      yield* h.aclose();
      try {
        yield* failing().anext();
      } catch {
        /* failed */
      }
      const k = ticker(3);
      yield* k.anext();
      try {
        yield* k.athrow(new RangeError('in'));
      } catch {
        /* not caught inside */
      }
    }
    loop.runUntilComplete(loop.createTask(main(), { name: 'main' }));
    loop.close();
    const lines = tracer.narrate({ callbacks: false, waits: false }).split('\n').filter((l) => /generator|inside/.test(l));
    expect(lines).to.deep.equal([
      "t=0.000 Task 'main' asks async generator 'ticker' for its next value (anext)",
      "t=0.000 Task 'main' sleeps until t=1.000, inside anext() of async generator 'ticker'",
      "t=1.000 async generator 'ticker' emits 0 to Task 'main'",
      "t=1.000 Task 'main' asks async generator 'ticker' for its next value (anext)",
      "t=1.000 Task 'main' sleeps until t=1.500, inside anext() of async generator 'ticker'",
      "t=1.500 async generator 'ticker' is exhausted: StopAsyncIteration for Task 'main'",
      "t=1.500 Task 'main' sends a value into async generator 'ticker' and asks for the next one (asend)",
      "t=1.500 Task 'main' sleeps until t=2.500, inside asend() of async generator 'ticker'",
      "t=2.500 async generator 'ticker' emits 0 to Task 'main'",
      "t=2.500 Task 'main' closes async generator 'ticker' (aclose): its finally blocks run",
      "t=2.500 Task 'main' sleeps until t=3.000, inside aclose() of async generator 'ticker'",
      "t=3.000 async generator 'ticker' is closed",
      "t=3.000 Task 'main' asks async generator 'failing' for its next value (anext)",
      "t=3.000 async generator 'failing' fails: RangeError('bad')",
      "t=3.000 Task 'main' asks async generator 'ticker' for its next value (anext)",
      "t=3.000 Task 'main' sleeps until t=4.000, inside anext() of async generator 'ticker'",
      "t=4.000 async generator 'ticker' emits 0 to Task 'main'",
      "t=4.000 Task 'main' throws an error into async generator 'ticker' (athrow)",
      "t=4.000 Task 'main' sleeps until t=4.500, inside athrow() of async generator 'ticker'",
      "t=4.500 async generator 'ticker' fails: RangeError('in')",
    ]);
    const events = ofType(tracer, 'asyncgen');
    expect(events[0]).to.deep.include({ generator: 'ticker', action: 'anext', value: '', task: { id: 1, name: 'main' } });
    expect(JSON.parse(tracer.toChromeTrace()).traceEvents.filter((e: { cat?: string }) => e.cat === 'asyncgen').map((e: { name: string }) => e.name).slice(0, 3)).to.deep.equal([
      'anext ticker',
      'value ticker 0',
      'anext ticker',
    ]);
  });

  it('a generator stepped by hand, outside any task, is not narrated', () => {
    const { loop, tracer } = traced();
    const g = asyncGenerator(function* byHand() {
      yield* emit(1);
    })();
    loop.callSoon(() => g.anext().next());
    loop.runUntilComplete(sleep(0));
    loop.close();
    expect(ofType(tracer, 'asyncgen')).to.deep.equal([]);
  });
});
