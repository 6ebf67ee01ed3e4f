// Stress: many tasks, long chains, many awaits, deep frames — none may
// overflow the stack or lose a task. All on the virtual clock; nothing here
// asserts a duration (speed belongs in bench/), but the whole file should take
// well under 20 s.
import { expect } from 'chai';
import { EventLoop, RuntimeError, Task, coroutine, createTask, runSync, sleep, type Coroutine } from '../lib';

describe('stress', function () {
  this.timeout(60_000);

  it('100 000 tasks, each sleeping, all finish with their own result; the loop ends empty', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const N = 100_000;
    function* worker(i: number): Coroutine<number> {
      yield* sleep((i % 100) / 10); // 100 distinct deadlines, many equal ones
      yield* sleep(0);
      return i;
    }
    function* main(): Coroutine<number> {
      const tasks: Task<number>[] = new Array(N);
      for (let i = 0; i < N; i++) tasks[i] = createTask(worker(i));
      let sum = 0;
      for (let i = 0; i < N; i++) sum += yield* tasks[i];
      return sum;
    }
    expect(loop.runUntilComplete(main())).to.equal((N * (N - 1)) / 2);
    expect(loop.time()).to.equal(9.9);
    expect(loop._tasks.size).to.equal(0);
    expect(loop._ready.length).to.equal(0);
    expect(loop._scheduled.length).to.equal(0);
    loop.close();
  });

  it('50 000 tasks chained, each awaiting the previous one', () => {
    const N = 50_000;
    function* link(previous: Task<number> | null): Coroutine<number> {
      const before = previous === null ? 0 : yield* previous;
      return before + 1;
    }
    function* main(): Coroutine<number> {
      let last: Task<number> | null = null;
      // Created first-to-last: each waits on a task created before it.
      for (let i = 0; i < N; i++) last = createTask(link(last));
      return yield* last as Task<number>;
    }
    expect(runSync(main(), { clock: 'virtual' })).to.equal(N);
  });

  it('50 000 tasks chained the other way: the first awaits the last to be created', () => {
    const N = 50_000;
    function* main(): Coroutine<number> {
      // Each task awaits a future that the next task finishes: completion ripples back from the end.
      const loop = createTask(sleep(0)).getLoop();
      const futures = Array.from({ length: N + 1 }, () => loop.createFuture<number>());
      const tasks = futures.slice(0, N).map((f, i) =>
        createTask(
          (function* (): Coroutine<void> {
            const v = yield* futures[i + 1];
            f.setResult(v + 1);
          })(),
        ),
      );
      futures[N].setResult(0);
      const first = yield* futures[0];
      for (const t of tasks) yield* t;
      return first;
    }
    expect(runSync(main(), { clock: 'virtual' })).to.equal(N);
  });

  it('a million awaits of done futures in one task (no suspension, no growth)', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const done = loop.createFuture<number>();
    done.setResult(1);
    function* main(): Coroutine<number> {
      let sum = 0;
      for (let i = 0; i < 1_000_000; i++) sum += yield* done;
      return sum;
    }
    let steps = 0;
    loop.addInstrument({ beforeTaskStep: () => void steps++ });
    expect(loop.runUntilComplete(main())).to.equal(1_000_000);
    expect(steps).to.equal(1); // awaiting a done future never suspends
    loop.close();
  });

  it('3 000 nested coroutine() frames, each suspending on the way down and up', () => {
    const down = coroutine(function* frame(n: number): Coroutine<number> {
      yield* sleep(0);
      if (n === 0) return 0;
      const below = yield* down(n - 1);
      yield* sleep(0);
      return below + 1;
    });
    expect(runSync(down(3000), { clock: 'virtual' })).to.equal(3000);
  });

  it('30 000 nested coroutine() frames: depth costs nothing on the stack', () => {
    const down = coroutine(function* frame(n: number): Coroutine<number> {
      if (n === 0) {
        yield* sleep(1);
        return 0;
      }
      return 1 + (yield* down(n - 1));
    });
    expect(runSync(down(30_000), { clock: 'virtual' })).to.equal(30_000);
  });

  // Plain `yield*` delegation is V8's: starting or resuming a generator N
  // frames deep recurses N times on the native stack. With Node's default
  // stack (984 KB) the limit is about 4 600 frames (5 000 without a
  // suspension at the bottom), so 10 000 plain frames do not fit; 4 000 do.
  // (`node --stack-size=4000` raises the limit to about 20 000.) Deeper
  // programs use coroutine() frames, which live on the Task's own stack.
  it('4 000 nested plain yield* frames, suspending at the bottom', () => {
    function* down(n: number): Coroutine<number> {
      if (n === 0) {
        yield* sleep(1);
        return 0;
      }
      return 1 + (yield* down(n - 1));
    }
    expect(runSync(down(4000), { clock: 'virtual' })).to.equal(4000);
  });

  it('10 000 nested plain yield* frames exceed V8\'s stack: the task fails with a RangeError, the loop survives', () => {
    function* down(n: number): Coroutine<number> {
      if (n === 0) {
        yield* sleep(1);
        return 0;
      }
      return 1 + (yield* down(n - 1));
    }
    const loop = new EventLoop({ clock: 'virtual' });
    const t = loop.createTask(down(10_000));
    expect(() => loop.runUntilComplete(t)).to.throw(RangeError, 'Maximum call stack size exceeded');
    expect(t.done()).to.equal(true);
    expect(loop.runUntilComplete(sleep(1, 'still works'))).to.equal('still works');
    loop.close();
    expect(RuntimeError).to.be.a('function');
  });
});
