// The loop's instrument hooks (lib/loop.ts, lib/tasks.ts), which lib/inspect builds on.
import { expect } from 'chai';
import { EventLoop, Future, Handle, Task, TimerHandle, eagerTaskFactory, sleep, type Coroutine, type ExceptionContext, type Instrument } from '../../lib';

/** An instrument that logs every hook as `hook detail`. */
function recorder(log: string[]): Instrument {
  const name = (t: Task<unknown>) => t.getName();
  const what = (h: Handle) => (h instanceof TimerHandle ? `timer@${h.when()}` : 'soon');
  return {
    taskCreated: (t) => log.push(`taskCreated ${name(t)}`),
    beforeTaskStep: (t) => log.push(`beforeTaskStep ${name(t)}`),
    afterTaskStep: (t, y) => log.push(`afterTaskStep ${name(t)} ${y instanceof Future ? 'future' : String(y)}`),
    taskDone: (t) => log.push(`taskDone ${name(t)}`),
    callbackScheduled: (h) => log.push(`callbackScheduled ${what(h)}`),
    beforeCallback: (h) => log.push(`beforeCallback ${what(h)}`),
    afterCallback: (h) => log.push(`afterCallback ${what(h)}`),
    timerScheduled: (h) => log.push(`timerScheduled ${h.when()}`),
    beforeWait: (timeout) => log.push(`beforeWait ${timeout}`),
    afterWait: (waited) => log.push(`afterWait ${waited}`),
  };
}

describe('inspect: instrument hooks', () => {
  it('are called in this order for a task that sleeps once and returns', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const log: string[] = [];
    loop.addInstrument(recorder(log));
    function* c(): Coroutine<number> {
      yield* sleep(1);
      return 7;
    }
    const t = loop.createTask(c(), { name: 't' });
    expect(loop.runUntilComplete(t)).to.equal(7);
    expect(log).to.deep.equal([
      'taskCreated t',
      'callbackScheduled soon', // the first step
      'beforeCallback soon',
      'beforeTaskStep t',
      'timerScheduled 1', // sleep(1)'s timer
      'afterTaskStep t future',
      'afterCallback soon',
      'beforeWait 1',
      'afterWait 1', // the virtual clock jumped
      'beforeCallback timer@1',
      'callbackScheduled soon', // the timer set the future: t's wakeup
      'afterCallback timer@1',
      'beforeCallback soon',
      'beforeTaskStep t',
      'callbackScheduled soon', // t is done: runUntilComplete's done callback
      'taskDone t',
      'afterTaskStep t undefined',
      'afterCallback soon',
      'beforeCallback soon',
      'afterCallback soon',
    ]);
    loop.close();
  });

  it('see a bare yield as a step that yielded undefined, and an eager task step inside its creator', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const log: string[] = [];
    loop.addInstrument(recorder(log));
    loop.setTaskFactory(eagerTaskFactory);
    function* child(): Coroutine<void> {
      yield;
    }
    function* main(): Coroutine<void> {
      loop.createTask(child(), { name: 'child' });
      yield;
    }
    loop.runUntilComplete(loop.createTask(main(), { name: 'main' }));
    const steps = log.filter((l) => /TaskStep|taskCreated/.test(l));
    // main is created (and, eager, steps at once only while the loop runs: it does not yet)
    expect(steps.slice(0, 5)).to.deep.equal([
      'taskCreated main',
      'beforeTaskStep main',
      'taskCreated child',
      'beforeTaskStep child', // eager: inside main's step
      'afterTaskStep child undefined',
    ]);
    expect(steps).to.include('afterTaskStep main undefined');
    loop.close();
  });

  it('a throwing instrument is reported to the exception handler and removed; the program goes on', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const contexts: ExceptionContext[] = [];
    loop.setExceptionHandler((_l, ctx) => contexts.push(ctx));
    const boom = new Error('instrument bug');
    let calls = 0;
    const bad: Instrument = {
      beforeTaskStep() {
        calls++;
        throw boom;
      },
    };
    const log: string[] = [];
    const good = recorder(log);
    loop.addInstrument(bad);
    loop.addInstrument(good);
    function* c(): Coroutine<string> {
      yield* sleep(1);
      return 'ok';
    }
    expect(loop.runUntilComplete(loop.createTask(c(), { name: 'c' }))).to.equal('ok');
    expect(calls).to.equal(1);
    expect(contexts).to.have.length(1);
    expect(contexts[0].exception).to.equal(boom);
    expect(contexts[0].message).to.match(/beforeTaskStep/);
    expect(contexts[0].instrument).to.equal(bad);
    // The good one kept seeing everything, including the step the bad one failed on.
    expect(log.filter((l) => l === 'beforeTaskStep c')).to.have.length(2);
    expect(loop.removeInstrument(bad)).to.equal(false);
    expect(loop.removeInstrument(good)).to.equal(true);
    expect(loop._instrumented).to.equal(false);
    loop.close();
  });

  it('addInstrument refuses what is not an object, and adds the same instrument once', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    expect(() => loop.addInstrument(null as unknown as Instrument)).to.throw(TypeError, /addInstrument\(\) needs an object/);
    const log: string[] = [];
    const inst = recorder(log);
    loop.addInstrument(inst);
    loop.addInstrument(inst);
    loop.callSoon(() => undefined);
    expect(log).to.deep.equal(['callbackScheduled soon']);
    loop.close();
  });

  it('with no instrument attached, the hot path checks one boolean and calls nothing', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    expect(loop._instrumented).to.equal(false);
    let emitted = 0;
    const original = loop._emit;
    loop._emit = function (...args: Parameters<EventLoop['_emit']>) {
      emitted++;
      return original.apply(this, args);
    };
    function* c(): Coroutine<void> {
      yield* sleep(1);
      yield;
    }
    loop.runUntilComplete(loop.createTask(c()));
    expect(emitted).to.equal(0);
    loop.close();
  });
});
