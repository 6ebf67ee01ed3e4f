// loop.snapshot(): ready callbacks, timers in firing order, tasks with state and what they wait on.
import { expect } from 'chai';
import { EventLoop, Future, Lock, coroutine, eagerTaskFactory, formatTaskTree, gather, sleep, type Coroutine, type Snapshot, type Task } from '../../lib';

describe('inspect: loop.snapshot()', () => {
  it('lists the timers in firing order, each with when and what it will do', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    let snap: Snapshot | null = null;
    function* w(d: number): Coroutine<void> {
      yield* sleep(d);
    }
    function* main(): Coroutine<void> {
      loop.createTask(w(5), { name: 'five' });
      loop.createTask(w(2), { name: 'two' });
      const h = loop.callLater(3, function ping(n: number) {
        void n;
      }, 7);
      loop.callLater(4, () => undefined).cancel(); // cancelled: not listed
      yield* sleep(1);
      snap = loop.snapshot();
      h.cancel();
      yield* sleep(10);
    }
    loop.runUntilComplete(loop.createTask(main(), { name: 'main' }));
    const s = snap as unknown as Snapshot;
    expect(s.time).to.equal(1);
    expect(s.timers.map((t) => t.when)).to.deep.equal([2, 3, 5]);
    expect(s.timers[0].description).to.equal("setResultUnlessCancelled(<Future pending, awaited by Task 'two'>)");
    expect(s.timers[1].description).to.equal('ping(7)');
    expect(s.tasks.map((t) => [t.name, t.state, t.waitingOn])).to.deep.equal([
      ['main', 'running', null],
      ['five', 'sleeping', 'sleep until t=5.000'],
      ['two', 'sleeping', 'sleep until t=2.000'],
    ]);
    loop.close();
  });

  it("describes the ready queue: tasks' steps and wake-ups, and plain callbacks", () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const fut = loop.createFuture<number>();
    function* waiter(): Coroutine<number> {
      return yield* fut;
    }
    function* fresh(): Coroutine<void> {}
    const w = loop.createTask(waiter(), { name: 'w' });
    loop.runUntilComplete(sleep(0)); // w now waits on fut
    expect(loop.snapshot().tasks).to.deep.equal([{ name: 'w', state: 'waiting', waitingOn: '<Future pending>', stack: [{ name: '<generator>', calledAt: null }] }]);
    fut.setResult(1);
    loop.createTask(fresh(), { name: 'fresh' });
    loop.callSoon(function log(a: string, b: number) {
      void a;
      void b;
    }, 'x', 2);
    loop.callSoon(() => undefined).cancel();
    const s = loop.snapshot();
    expect(s.ready).to.deep.equal(["wake Task 'w' (its Future is done)", "step Task 'fresh'", "log('x', 2)"]);
    expect(s.tasks.map((t) => [t.name, t.state, t.waitingOn])).to.deep.equal([
      ['w', 'ready', null],
      ['fresh', 'ready', null],
    ]);
    loop.runUntilComplete(w);
    loop.close();
  });

  it('names what each task waits on: a task, a gather, a lock and its holder', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const lock = new Lock();
    let snap: Snapshot | null = null;
    function* holder(): Coroutine<void> {
      yield* lock.acquire();
      yield* sleep(10);
      lock.release();
    }
    function* locker(): Coroutine<void> {
      yield* lock.acquire();
      lock.release();
    }
    function* main(): Coroutine<void> {
      const h = loop.createTask(holder(), { name: 'holder' });
      yield* sleep(0);
      const l = loop.createTask(locker(), { name: 'locker' });
      const g = loop.createTask(
        (function* (): Coroutine<void> {
          yield* gather([h, l]);
        })(),
        { name: 'gatherer' },
      );
      const waitsForG = loop.createTask(
        (function* (): Coroutine<void> {
          yield* g;
        })(),
        { name: 'outer' },
      );
      yield* sleep(1);
      snap = loop.snapshot();
      yield* waitsForG;
    }
    loop.runUntilComplete(loop.createTask(main(), { name: 'main' }));
    const byName = new Map((snap as unknown as Snapshot).tasks.map((t) => [t.name, t]));
    expect(byName.get('locker')?.waitingOn).to.equal("Lock.acquire on <Lock [locked, waiters:1]>, held by Task 'holder'");
    expect(byName.get('gatherer')?.waitingOn).to.equal('gather of 2');
    expect(byName.get('outer')?.waitingOn).to.equal("Task 'gatherer'");
    expect(byName.get('locker')?.state).to.equal('waiting');
    loop.close();
  });

  it("lists a task's coroutine() frames, and is plain data (JSON round-trips)", () => {
    const loop = new EventLoop({ clock: 'virtual', debug: true });
    const inner = coroutine(function* inner(): Coroutine<void> {
      yield* sleep(1);
    });
    const outer = coroutine(function* outer(): Coroutine<void> {
      yield* inner();
    });
    const t = loop.createTask(outer(), { name: 'deep' });
    loop.runUntilComplete(sleep(0.5));
    const s = loop.snapshot();
    expect(s.tasks[0].stack.map((f) => f.name)).to.deep.equal(['outer', 'inner']);
    expect(s.tasks[0].stack[1].calledAt).to.match(/snapshot\.spec\.ts:\d+:\d+$/);
    expect(JSON.parse(JSON.stringify(s))).to.deep.equal(s);
    loop.runUntilComplete(t);
    loop.close();
  });

  it('of an idle, empty loop', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    expect(loop.snapshot()).to.deep.equal({ time: 0, ready: [], timers: [], tasks: [] });
    const f = new Future({ loop });
    loop.callAt(Infinity, () => f);
    expect(loop.snapshot().timers).to.deep.equal([{ when: Infinity, description: '<anonymous>()' }]);
    loop.close();
  });

  it('taken inside an eager task\'s first step, lists that task as running', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    loop.setTaskFactory(eagerTaskFactory);
    let snap: Snapshot | null = null;
    function* eager(): Coroutine<void> {
      snap = loop.snapshot();
      yield* sleep(1);
    }
    function* main(): Coroutine<void> {
      yield* loop.createTask(eager(), { name: 'eager' });
    }
    loop.runUntilComplete(loop.createTask(main(), { name: 'main' }));
    expect((snap as unknown as Snapshot).tasks.map((t) => [t.name, t.state])).to.deep.equal([
      ['main', 'running'], // it is creating 'eager', whose first step runs inside its own
      ['eager', 'running'],
    ]);
    loop.close();
  });

  it('describes a queued throw (a yield mistake thrown back) and a task among timer arguments', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    function* mistaken(): Coroutine<void> {
      try {
        yield 'oops' as never;
      } catch {
        /* thrown back */
      }
    }
    const t: Task<void> = loop.createTask(mistaken(), { name: 'm' });
    loop.callLater(5, (x: Task<void>) => x, t);
    let s: Snapshot | null = null;
    loop.callSoon(() => (s = loop.snapshot())); // runs right after m's first step, in the same iteration
    loop.runUntilComplete(t);
    const snap = s as unknown as Snapshot;
    expect(snap.ready).to.deep.equal(["throw into Task 'm': RuntimeError('Task got bad yield: \\'oops\\'')"]);
    expect(snap.tasks[0].state).to.equal('ready');
    expect(snap.timers.map((x) => x.description)).to.deep.equal(["<anonymous>(Task 'm')"]);
    loop.close();
  });

  it('names a resource with a null prototype', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const fut = new Future({ loop });
    fut._waitInfo = { kind: 'Odd.wait', resource: Object.create(null) as object };
    loop.createTask(
      (function* (): Coroutine<void> {
        yield* fut;
      })(),
      { name: 'odd' },
    );
    loop.runUntilComplete(sleep(0));
    expect(loop.snapshot().tasks[0].waitingOn).to.equal('Odd.wait on <object>');
    expect(formatTaskTree(loop)).to.equal("└── (T) Task 'odd' — waiting: Odd.wait on <object>");
    loop.close();
  });

  it('a timer whose argument is a future nobody awaits shows that future by its state', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const f = loop.createFuture();
    loop.callLater(1, (x: Future<unknown>) => x.setResult(1), f);
    loop.callLater(2, (x: Future<unknown>) => x, f);
    const s = loop.snapshot();
    expect(s.timers.map((t) => t.description)).to.deep.equal(['<anonymous>(<Future pending>)', '<anonymous>(<Future pending>)']);
    loop.close();
  });
});
