// Step 3 — the Task (exercises/tasks.ts: the constructor, _step, _wakeup).
import { expect } from 'chai';
import { mini } from './mini';
import type { Coroutine } from '../futures';

const { EventLoop, Future, Task, CancelledError, run } = mini;

describe('step 3 — the Task', () => {
  it('creating a task does not run its coroutine: the first step is in the next iteration', () => {
    const loop = new EventLoop();
    const log: string[] = [];
    function* coro(): Coroutine<void> {
      log.push('running');
    }
    const task = new Task(coro(), loop);
    expect(log).to.deep.equal([]);
    expect(task.done()).to.equal(false);
    loop._runOnce();
    expect(log).to.deep.equal(['running']);
  });

  it("the coroutine's return value becomes the task's result", () => {
    const loop = new EventLoop();
    function* coro(): Coroutine<number> {
      return 6 * 7;
    }
    const task = new Task(coro(), loop);
    loop._runOnce();
    expect(task.done()).to.equal(true);
    expect(task.result()).to.equal(42);
  });

  it('a task parks on the future its coroutine yields, and resumes with its result one iteration after it is set', () => {
    const loop = new EventLoop();
    const fut = new Future<number>(loop);
    const log: string[] = [];
    function* coro(): Coroutine<number> {
      log.push('waiting');
      const v = yield* fut;
      log.push(`got ${v}`);
      return v + 1;
    }
    const task = new Task(coro(), loop);
    loop._runOnce();
    expect(log).to.deep.equal(['waiting']);
    loop.callSoon(() => log.push('another iteration'));
    loop._runOnce();
    expect(log, 'nothing wakes the task while the future is pending').to.deep.equal(['waiting', 'another iteration']);
    fut.setResult(9);
    expect(log, 'setResult only schedules the wakeup').to.deep.equal(['waiting', 'another iteration']);
    loop._runOnce();
    expect(log).to.deep.equal(['waiting', 'another iteration', 'got 9']);
    expect(task.result()).to.equal(10);
  });

  it("a failed future's exception is thrown into the coroutine at its yield*", () => {
    const loop = new EventLoop();
    const fut = new Future<number>(loop);
    function* coro(): Coroutine<string> {
      try {
        yield* fut;
        return 'no error';
      } catch (e) {
        return `caught ${(e as Error).message}`;
      }
    }
    const task = new Task(coro(), loop);
    loop.callLater(1, () => fut.setException(new Error('boom')));
    expect(loop.runUntilComplete(task)).to.equal('caught boom');
  });

  it('the Task itself delivers a failure: even a coroutine that yields the future without `*` gets its exception at that yield', () => {
    // Future's iterator would throw it too; _wakeup must not rely on that (CPython's __wakeup does not).
    const loop = new EventLoop();
    const fut = new Future<number>(loop);
    function* coro(): Coroutine<string> {
      try {
        yield fut; // the future itself, not its iterator
        return 'resumed normally';
      } catch (e) {
        return `caught ${(e as Error).message}`;
      }
    }
    const task = new Task(coro(), loop);
    loop.callLater(1, () => fut.setException(new Error('boom')));
    expect(loop.runUntilComplete(task)).to.equal('caught boom');
  });

  it("an exception escaping the coroutine becomes the task's exception", () => {
    const loop = new EventLoop();
    const boom = new TypeError('boom');
    function* coro(): Coroutine<void> {
      yield;
      throw boom;
    }
    const task = new Task(coro(), loop);
    expect(() => loop.runUntilComplete(task)).to.throw(boom);
    expect(task.done()).to.equal(true);
    expect(task.cancelled()).to.equal(false);
  });

  it('a CancelledError escaping the coroutine cancels the task', () => {
    const loop = new EventLoop();
    const fut = new Future<number>(loop);
    fut.cancel('gone');
    function* coro(): Coroutine<number> {
      return yield* fut;
    }
    const task = new Task(coro(), loop);
    expect(() => loop.runUntilComplete(task)).to.throw(CancelledError);
    expect(task.cancelled()).to.equal(true);
  });

  it('a task is a future: another coroutine can yield* it and gets its result', () => {
    const loop = new EventLoop();
    const fut = new Future<string>(loop);
    function* inner(): Coroutine<string> {
      return `inner saw ${yield* fut}`;
    }
    const innerTask = new Task(inner(), loop);
    function* outer(): Coroutine<string> {
      return `outer saw (${yield* innerTask})`;
    }
    loop.callLater(1, () => fut.setResult('x'));
    expect(loop.runUntilComplete(new Task(outer(), loop))).to.equal('outer saw (inner saw x)');
  });

  it('yield* of another coroutine runs it inside the same task, values flowing both ways', () => {
    const loop = new EventLoop();
    const fut = new Future<number>(loop);
    function* double(): Coroutine<number> {
      return 2 * (yield* fut);
    }
    function* main(): Coroutine<number> {
      return 1 + (yield* double());
    }
    loop.callLater(1, () => fut.setResult(20));
    expect(loop.runUntilComplete(new Task(main(), loop))).to.equal(41);
  });

  it('a bare yield lets the other tasks run for one iteration: two tasks interleave', () => {
    const loop = new EventLoop();
    const log: string[] = [];
    function* worker(name: string): Coroutine<void> {
      for (let i = 1; i <= 3; i++) {
        log.push(`${name}${i}`);
        yield;
      }
    }
    const a = new Task(worker('a'), loop);
    new Task(worker('b'), loop);
    loop.runUntilComplete(a);
    expect(log).to.deep.equal(['a1', 'b1', 'a2', 'b2', 'a3', 'b3']);
  });

  it('yielding something else throws TypeError("Task got bad yield: …") into the coroutine, at its next step', () => {
    const loop = new EventLoop();
    const log: string[] = [];
    function* coro(): Coroutine<string> {
      try {
        yield 42 as never;
        return 'resumed normally';
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
    }
    const task = new Task(coro(), loop);
    new Task(
      (function* (): Coroutine<void> {
        log.push('other task ran');
      })(),
      loop,
    );
    loop._runOnce();
    expect(task.done(), 'the error comes at the next step, not at once').to.equal(false);
    expect(log).to.deep.equal(['other task ran']);
    loop._runOnce();
    expect(task.result()).to.equal('TypeError: Task got bad yield: 42');
  });

  it('run(main) runs main as a task on a fresh loop and returns its result; new Task(coro) inside uses the running loop', () => {
    const seen = { value: 0 };
    function* child(): Coroutine<number> {
      yield;
      return 5;
    }
    function* main(): Coroutine<number> {
      const t = new Task(child()); // no loop given: the running one
      seen.value = yield* t;
      return seen.value * 2;
    }
    expect(run(main())).to.equal(10);
    expect(seen.value).to.equal(5);
  });
});
