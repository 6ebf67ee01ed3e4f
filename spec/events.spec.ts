// lib/events.ts: the running loop, the current loop, and event loop policies.
import { expect } from 'chai';
import {
  DefaultEventLoopPolicy,
  EventLoop,
  RuntimeError,
  Task,
  currentTask,
  eagerTaskFactory,
  getEventLoop,
  getEventLoopPolicy,
  getRunningLoop,
  newEventLoop,
  runSync,
  setEventLoop,
  setEventLoopPolicy,
  sleep,
  type Coroutine,
  type ExceptionHandler,
} from '../lib';

describe('events: loops and policies', () => {
  // Every spec gets a fresh default policy; the one before is restored after.
  let saved: DefaultEventLoopPolicy;
  beforeEach(() => {
    saved = getEventLoopPolicy();
    setEventLoopPolicy(null);
  });
  afterEach(() => setEventLoopPolicy(saved));

  describe('getRunningLoop', () => {
    it('is the loop running the current task or callback', () => {
      const loop = new EventLoop({ clock: 'virtual' });
      const seen: EventLoop[] = [];
      loop.callSoon(() => seen.push(getRunningLoop()));
      function* main(): Coroutine<void> {
        seen.push(getRunningLoop());
        yield* sleep(0);
      }
      loop.runUntilComplete(main());
      expect(seen).to.deep.equal([loop, loop]);
      loop.close();
    });

    it("is RuntimeError('no running event loop') outside one", () => {
      expect(() => getRunningLoop()).to.throw(RuntimeError, /^no running event loop$/);
    });

    it('is reset after the loop stops, also after a failure', () => {
      const loop = new EventLoop({ clock: 'virtual' });
      expect(() => loop.runForever()).to.throw(RuntimeError, 'deadlock');
      expect(() => getRunningLoop()).to.throw(RuntimeError);
      loop.close();
    });
  });

  describe('getEventLoop / setEventLoop / newEventLoop', () => {
    it('getEventLoop() is the running loop inside one', () => {
      const loop = new EventLoop({ clock: 'virtual' });
      function* main(): Coroutine<EventLoop> {
        return getEventLoop();
      }
      expect(loop.runUntilComplete(main())).to.equal(loop);
      loop.close();
    });

    it("outside, the policy's current loop, made on first use and the same afterwards", () => {
      const a = getEventLoop();
      expect(a).to.be.instanceOf(EventLoop);
      expect(getEventLoop()).to.equal(a);
      expect(getEventLoopPolicy().getEventLoop()).to.equal(a);
      a.close();
    });

    it('setEventLoop makes a loop current; null leaves none, and getEventLoop says how to get one', () => {
      const loop = newEventLoop();
      setEventLoop(loop);
      expect(getEventLoop()).to.equal(loop);
      setEventLoop(null);
      expect(() => getEventLoop()).to.throw(RuntimeError, 'There is no current event loop');
      loop.close();
    });

    it('setEventLoop refuses what is not a loop (TypeError), as CPython does', () => {
      expect(() => setEventLoop(5 as unknown as EventLoop)).to.throw(TypeError, 'loop must be an EventLoop or null, got 5');
      expect(() => setEventLoop({} as EventLoop)).to.throw(TypeError);
    });

    it('newEventLoop() makes a new loop each time, not current', () => {
      const current = getEventLoop();
      const a = newEventLoop();
      const b = newEventLoop();
      expect(a).not.to.equal(b);
      expect(getEventLoop()).to.equal(current);
      for (const l of [a, b, current]) l.close();
    });

    it('after runSync() there is no current loop (CPython 3.12+: set_event_loop(None) at the end of run)', () => {
      runSync(sleep(0), { clock: 'virtual' });
      expect(() => getEventLoop()).to.throw(RuntimeError, 'no current event loop');
    });
  });

  describe('policies', () => {
    it('getEventLoopPolicy() makes the default policy lazily; setEventLoopPolicy(null) restores a fresh default', () => {
      const p = getEventLoopPolicy();
      expect(p).to.be.instanceOf(DefaultEventLoopPolicy);
      expect(getEventLoopPolicy()).to.equal(p);
      setEventLoopPolicy(null);
      expect(getEventLoopPolicy()).not.to.equal(p);
    });

    it('setEventLoopPolicy refuses a non-policy; the constructor refuses non-object options', () => {
      expect(() => setEventLoopPolicy({} as DefaultEventLoopPolicy)).to.throw(TypeError, 'policy must be a DefaultEventLoopPolicy or null');
      expect(() => new DefaultEventLoopPolicy(null as unknown as {})).to.throw(TypeError, 'options must be an object');
    });

    it('its options reach every loop it creates: clock, debug, shuffle, maxWorkers, taskFactory, exceptionHandler', () => {
      const handler: ExceptionHandler = () => {};
      const policy = new DefaultEventLoopPolicy({ clock: 'virtual', debug: true, shuffle: 3, maxWorkers: 2, taskFactory: eagerTaskFactory, exceptionHandler: handler });
      setEventLoopPolicy(policy);
      const loops = [policy.newEventLoop(), newEventLoop(), getEventLoop()];
      for (const l of loops) {
        expect(l._clock.kind).to.equal('virtual');
        expect(l.getDebug()).to.equal(true);
        expect(l._shuffleSeed).to.equal(3);
        expect(l._maxWorkers).to.equal(2);
        expect(l.getTaskFactory()).to.equal(eagerTaskFactory);
        expect(l.getExceptionHandler()).to.equal(handler);
        l.close();
      }
    });

    it('newEventLoop(overrides): the overrides win, undefined ones do not', () => {
      const policy = new DefaultEventLoopPolicy({ clock: 'virtual', debug: true });
      const l = policy.newEventLoop({ debug: false, clock: undefined });
      expect(l.getDebug()).to.equal(false);
      expect(l._clock.kind).to.equal('virtual');
      l.close();
    });

    it('runSync uses the policy: its task factory and handler apply to the program', () => {
      const errors: string[] = [];
      setEventLoopPolicy(
        new DefaultEventLoopPolicy({
          clock: 'virtual',
          taskFactory: eagerTaskFactory,
          exceptionHandler: (_l, ctx) => errors.push(ctx.message),
        }),
      );
      let eagerRan = false;
      function* child(): Coroutine<void> {
        eagerRan = true;
      }
      function* main(): Coroutine<boolean> {
        const t: Task<void> = getRunningLoop().createTask(child());
        const ranAtOnce = eagerRan && t.done();
        getRunningLoop().callSoon(() => {
          throw new Error('to the policy handler');
        });
        yield* sleep(1); // virtual: costs nothing
        expect(currentTask()).to.be.instanceOf(Task);
        return ranAtOnce;
      }
      expect(runSync(main())).to.equal(true);
      expect(errors).to.deep.equal(['Exception in callback <anonymous>()']);
    });
  });
});
