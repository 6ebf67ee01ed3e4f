// narrate() and timeline(): the trace as text.
import { expect } from 'chai';
import { EventLoop, Tracer, ValueError, gather, sleep, type Coroutine } from '../../lib';
import { traceHandOff } from './support';

/** main starts a and b; a awaits a future b sets after one second; main awaits a. */
const handOff = (): Tracer => traceHandOff();

describe('inspect: narrate()', () => {
  it('tells the run in plain English, one line per event, with loop time', () => {
    const text = handOff().narrate();
    expect(text.split('\n')).to.deep.equal([
      "t=0.000 Task 'main' is created",
      "t=0.000 Task 'main' starts",
      "t=0.000 Task 'a' is created by Task 'main'",
      "t=0.000 Task 'b' is created by Task 'main'",
      "t=0.000 Task 'main' suspends: it awaits Task 'a'",
      "t=0.000 Task 'a' starts",
      "t=0.000 Task 'a' suspends: it awaits Future #4",
      "t=0.000 Task 'b' starts",
      "t=0.000 Task 'b' sleeps until t=1.000",
      't=0.000 the loop is idle: it waits at most 1.000 s',
      't=1.000 the virtual clock jumps 1.000 s ahead',
      't=1.000 timer fires: setResultUnlessCancelled(Future #5)',
      "t=1.000 Task 'b' wakes up: its sleep until t=1.000 is over",
      "t=1.000 Task 'b' is done: result undefined",
      "t=1.000 Task 'a' resumes: the Future it awaited got result 42 (set by Task 'b')",
      "t=1.000 Task 'a' is done: result 42",
      "t=1.000 Task 'main' resumes: Task 'a', which it awaited, finished with result 42",
      "t=1.000 Task 'main' is done: result 42",
      "t=1.000 callback runs: runUntilCompleteCallback(Task 'main')",
    ]);
  });

  it('can leave out callbacks and waits', () => {
    const text = handOff().narrate({ callbacks: false, waits: false });
    expect(text).to.not.match(/timer fires|callback runs|idle|clock jumps/);
    expect(text).to.match(/Task 'a' resumes/);
  });

  it('tells failures, cancellations, bare yields, mistakes and real waits', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const tracer = new Tracer();
    loop.addInstrument(tracer);
    loop.setExceptionHandler(() => undefined);
    function* failing(): Coroutine<void> {
      yield;
      throw new Error('boom');
    }
    function* sleeper(): Coroutine<void> {
      yield* sleep(5);
    }
    function* mistaken(): Coroutine<void> {
      try {
        yield 42 as never;
      } catch {
        /* thrown back */
      }
    }
    function* main(): Coroutine<void> {
      const f = loop.createTask(failing(), { name: 'f' });
      const s = loop.createTask(sleeper(), { name: 's' });
      loop.createTask(mistaken(), { name: 'm' });
      const g = gather([f], { returnExceptions: true });
      yield* g;
      s.cancel();
      try {
        yield* s;
      } catch {
        /* cancelled */
      }
      const plain = loop.createFuture();
      loop.callSoon(() => plain.cancel());
      try {
        yield* plain;
      } catch {
        /* cancelled */
      }
    }
    loop.runUntilComplete(loop.createTask(main(), { name: 'main' }));
    const text = tracer.narrate();
    expect(text).to.include("Task 'f' yields: it gives the loop one turn before its next step");
    expect(text).to.include("Task 'f' resumes after its bare yield");
    expect(text).to.include("Task 'f' fails: Error('boom')");
    expect(text).to.include("Task 'main' resumes: the gather it awaited got result [Error('boom')] (set by callback");
    expect(text).to.include("Task 's' resumes: its sleep was cancelled (by Task 'main')");
    expect(text).to.include("Task 's' is cancelled");
    expect(text).to.include("Task 'main' resumes: the Future it awaited was cancelled (by callback <anonymous>())");
    expect(text).to.include("Task 'main' resumes: Task 's', which it awaited, was cancelled");
    expect(text).to.include("Task 'm' yielded something it must not (yield* was needed): it gets an error at its next step");
    expect(text).to.include("Task 'm' resumes: the mistake it yielded is thrown back into it as RuntimeError");
    loop.close();
  });

  it('on the real clock, says the loop waited rather than jumped', () => {
    const loop = new EventLoop();
    const tracer = new Tracer();
    loop.addInstrument(tracer);
    loop.runUntilComplete(sleep(0.001));
    expect(tracer.narrate()).to.match(/\nt=\d+\.\d{3} the loop wakes up after \d+\.\d{3} s\n/);
    loop.close();
  });

  it('tells a task failing while another awaits it, and a resume it did not see the cause of', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    function* bad(): Coroutine<void> {
      yield* sleep(1);
      throw new Error('x');
    }
    function* main(): Coroutine<string> {
      try {
        yield* loop.createTask(bad(), { name: 'bad' });
      } catch {
        return 'caught';
      }
      return 'no';
    }
    const t = loop.createTask(main(), { name: 'main' });
    loop.runUntilComplete(sleep(0.5));
    const tracer = new Tracer();
    loop.addInstrument(tracer);
    loop.runUntilComplete(t);
    const text = tracer.narrate();
    // It did not see the task suspend on a sleep, only the timer completing a future and the wakeup.
    expect(text).to.match(/Task 'bad' resumes: the Future it awaited got result undefined \(set by callback setResultUnlessCancelled\(Future #\d+\)\)\n/);
    expect(text).to.include("Task 'main' resumes: Task 'bad', which it awaited, failed with Error('x')");
    loop.close();
  });

  it('says that a wait has no deadline', () => {
    const tracer = new Tracer();
    tracer.beforeWait(null);
    expect(tracer.narrate()).to.equal('t=0.000 the loop is idle: it waits with no deadline');
  });
});

describe('inspect: timeline()', () => {
  it('draws one lane per task, one column per step, callback or idle wait', () => {
    expect(handOff().timeline()).to.equal(
      [
        'Timeline, one column per step, callback or idle wait (█ running  ░ ready  ─ waiting  z sleeping  ✓ done  • loop callback  · loop idle)',
        '        t=0.000',
        '            t=1.000',
        '(loop)     ·•   •',
        'main    █─────░█✓',
        'a       ░█───░█✓',
        'b       ░░█z░█✓',
      ].join('\n'),
    );
  });

  it('by time: equal slices of loop time, running wherever the task ran', () => {
    const text = handOff().timeline({ by: 'time', width: 20 });
    const lines = text.split('\n');
    expect(lines[0]).to.match(/^Timeline, one column per 0\.053 s of loop time/);
    expect(lines[1]).to.equal('        t=0.000      t=1.000');
    expect(lines[2]).to.equal('(loop)   ··················•');
    expect(lines[5]).to.equal('b       █zzzzzzzzzzzzzzzzzz█');
    expect(lines.slice(3).map((l) => l.slice(0, 8).trim())).to.deep.equal(['main', 'a', 'b']);
  });

  it('starts the lane of a task created later in the column it was created in', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const tracer = new Tracer();
    loop.addInstrument(tracer);
    function* main(): Coroutine<void> {
      yield;
      yield* loop.createTask(sleep(0), { name: 'late' });
    }
    loop.runUntilComplete(loop.createTask(main(), { name: 'main' }));
    const lines = tracer.timeline().split('\n');
    expect(lines.slice(3)).to.deep.equal(['main    ██─░█✓', 'late     ░██✓']);
    loop.close();
  });

  it('falls back to steps when no loop time passed', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const tracer = new Tracer();
    loop.addInstrument(tracer);
    loop.runUntilComplete(loop.createTask(sleep(0), { name: 'quick' }));
    expect(tracer.timeline({ by: 'time' })).to.match(/^Timeline, one column per step/);
    loop.close();
  });

  it('shows the latest name of a renamed task and shortens long names', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const tracer = new Tracer();
    loop.addInstrument(tracer);
    function* c(): Coroutine<void> {
      yield;
      t.setName('renamed-with-a-very-long-name-indeed');
      yield;
    }
    const t = loop.createTask(c(), { name: 'first' });
    loop.runUntilComplete(t);
    const lanes = tracer.timeline().split('\n');
    expect(lanes[lanes.length - 1]).to.match(/^renamed-with-a-very-lon… +███✓$/);
    expect(tracer.timeline()).to.not.match(/first/);
    loop.close();
  });

  it('refuses bad options', () => {
    const tracer = new Tracer();
    expect(() => tracer.timeline({ by: 'seconds' as 'time' })).to.throw(TypeError, "'by' must be 'step' or 'time'");
    expect(() => tracer.timeline({ width: 3 })).to.throw(ValueError, "'width' must be an integer of at least 10");
  });
});
