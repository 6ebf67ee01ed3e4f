// Deadlock reports: a run that can never make progress fails with the task tree and the wait cycle.
import { expect } from 'chai';
import { EventLoop, Future, Lock, Queue, RuntimeError, fromPromise, gather, getRunningLoop, run, runSync, sleep, type Coroutine, type Task } from '../../lib';

/** The RuntimeError a synchronous run of `main` fails with. */
function deadlockOf(main: Coroutine<unknown>, shuffle?: number): string {
  try {
    runSync(main, { clock: 'virtual', shuffle });
  } catch (e) {
    expect(e).to.be.instanceOf(RuntimeError);
    return (e as Error).message;
  }
  throw new Error('expected a deadlock');
}

/** Two tasks, two locks, taken in opposite orders: the dining philosophers with two seats. */
function* philosophers(): Coroutine<void> {
  const loop = getRunningLoop();
  const left = new Lock();
  const right = new Lock();
  function* dine(first: Lock, second: Lock): Coroutine<void> {
    yield* first.acquire();
    yield* sleep(1);
    yield* second.acquire();
  }
  yield* gather([loop.createTask(dine(left, right), { name: 'A' }), loop.createTask(dine(right, left), { name: 'B' })]);
}

describe('inspect: deadlock reports', () => {
  it('a lock cycle: the message starts with deadlock:, names the cycle, then draws the tree', () => {
    const message = deadlockOf(philosophers());
    const lines = message.split('\n');
    expect(lines[0]).to.match(/^deadlock: runUntilComplete\(\) waits for <Task pending name='Task-\d+'.*>, but nothing can make progress: no callbacks are ready, no timers are scheduled and no host I\/O is outstanding\.$/);
    expect(lines[1]).to.equal(
      "Wait cycle: Lock <Lock [locked, waiters:1]> held by Task 'B', awaited by Task 'A'; Lock <Lock [locked, waiters:1]> held by Task 'A', awaited by Task 'B'.",
    );
    expect(lines[2]).to.equal('Task tree:');
    expect(lines.slice(4)).to.deep.equal([
      "    ├── (T) Task 'A' — waiting: Lock.acquire on <Lock [locked, waiters:1]>, held by Task 'B'",
      "    └── (T) Task 'B' — waiting: Lock.acquire on <Lock [locked, waiters:1]>, held by Task 'A'",
    ]);
    expect(message).to.not.match(/Stuck:|Seeded/);
  });

  it('in a shuffled run, gives the seed to replay it with', () => {
    const message = deadlockOf(philosophers(), 17);
    expect(message).to.match(/^deadlock: /);
    expect(message).to.match(/\nSeeded schedule: shuffle=17 \(replay it with the same seed\)\.$/);
  });

  it('a forgotten future: says nothing is left that could complete it', () => {
    const message = deadlockOf(
      (function* (): Coroutine<void> {
        yield* getRunningLoop().createFuture();
      })(),
    );
    expect(message).to.match(/^deadlock: runUntilComplete\(\) waits for <Task pending /);
    expect(message).to.include("\nStuck:\n  Task 'Task-");
    expect(message).to.match(/awaits <Future pending>, and nothing left can complete it\nTask tree:\n└── \(T\) Task 'Task-\d+' — waiting: <Future pending>$/);
  });

  it('a run of a plain future nobody will set', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    expect(() => loop.runUntilComplete(loop.createFuture())).to.throw(
      RuntimeError,
      'deadlock: runUntilComplete() waits for <Future pending>, but nothing can make progress',
    );
    try {
      loop.runUntilComplete(loop.createFuture());
    } catch (e) {
      expect((e as Error).message).to.match(/\nStuck:\n {2}the run itself awaits <Future pending>, and nothing left can complete it\nTask tree:\n\(no tasks\)$/);
    }
    expect(() => loop.runForever()).to.throw(RuntimeError, /^deadlock: runForever\(\) waits for stop\(\)/);
    loop.close();
  });

  it('tasks that await each other, directly or through a gather', () => {
    // On a loop of its own: runSync's cleanup would cancel them, and cancelling a cycle of
    // tasks recurses forever (as in CPython, which raises RecursionError).
    const loop = new EventLoop({ clock: 'virtual' });
    let message = '';
    const ref: { b: Task<void> | null } = { b: null };
    const a = loop.createTask(
      (function* (): Coroutine<void> {
        yield* sleep(0);
        yield* gather([ref.b as Task<void>]);
      })(),
      { name: 'A' },
    );
    const b = (ref.b = loop.createTask(
      (function* (): Coroutine<void> {
        yield* a;
      })(),
      { name: 'B' },
    ));
    try {
      loop.runUntilComplete(b);
    } catch (e) {
      message = (e as Error).message;
    }
    loop.close();
    expect(message).to.include("\nWait cycle: Task 'B' awaited by Task 'A' (through gather); Task 'A' awaited by Task 'B'.\n");
  });

  it('a lock-like resource of its own, with a holder', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    class Gate {
      _holder: Task<unknown> | null = null;
    }
    const g1 = new Gate();
    const g2 = new Gate();
    const wait = (gate: Gate) => {
      const f = new Future<void>({ loop });
      f._waitInfo = { kind: 'Gate.pass', resource: gate };
      return f;
    };
    function* hold(mine: Gate, other: Gate): Coroutine<void> {
      mine._holder = loop._currentTask;
      yield* sleep(1);
      yield* wait(other);
    }
    const t1 = loop.createTask(hold(g1, g2), { name: 'one' });
    const t2 = loop.createTask(hold(g2, g1), { name: 'two' });
    expect(() => loop.runUntilComplete(gather([t1, t2]))).to.throw(
      RuntimeError,
      "Wait cycle: Gate <Gate> held by Task 'two', awaited by Task 'one'; Gate <Gate> held by Task 'one', awaited by Task 'two'.",
    );
    loop.close();
  });

  it('does not loop forever on a future that lists itself among its children', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const odd = loop.createFuture();
    const kids: Future<unknown>[] = [];
    odd._waitInfo = { kind: 'odd', children: kids };
    kids.push(odd, loop.createFuture());
    const t = loop.createTask(
      (function* (): Coroutine<void> {
        yield* odd;
      })(),
      { name: 'odd-waiter' },
    );
    expect(() => loop.runUntilComplete(t)).to.throw(RuntimeError, /^deadlock: [^]*Task tree:\n└── \(T\) Task 'odd-waiter' — waiting: odd of 2\n {4}├── odd of 2 \(shown above\)\n {4}└── <Future pending>$/);
    loop.close();
  });

  it('a consumer waiting on an empty queue nobody fills', () => {
    const message = deadlockOf(
      (function* (): Coroutine<void> {
        const q = new Queue<number>();
        yield* getRunningLoop().createTask(q.get(), { name: 'consumer' });
      })(),
    );
    expect(message).to.match(/\n {2}Task 'consumer' awaits Queue\.get on <Queue[^\n]*>, and nothing left can complete it\n/);
  });

  it('the async driver fails the run the same way when Node runs out of work (beforeExit)', async () => {
    const running = run(
      (function* (): Coroutine<void> {
        yield* getRunningLoop().createFuture();
      })(),
      { clock: 'virtual' },
    );
    let error: unknown;
    running.catch((e) => (error = e));
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(error).to.equal(undefined);
    process.emit('beforeExit', 0);
    await running.catch(() => undefined);
    expect(error).to.be.instanceOf(RuntimeError);
    expect((error as Error).message).to.match(
      /^deadlock: runUntilCompleteAsync\(\) waits for <Task pending .*>, but nothing can make progress: no callbacks are ready, no timers are scheduled, and Node has no work left that could call back into the loop\.\n/,
    );
    expect((error as Error).message).to.include('Task tree:');
  });

  it('names the host waits Node can no longer end', async () => {
    const never = new Promise<void>(() => undefined);
    const running = run(
      (function* (): Coroutine<void> {
        yield* fromPromise(never);
      })(),
      { clock: 'virtual' },
    );
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    process.emit('beforeExit', 0);
    let error: unknown;
    await running.catch((e) => (error = e));
    expect((error as Error).message).to.include('no callbacks are ready, and Node has no work left that could end the 1 outstanding host wait(s).');
  });
});
