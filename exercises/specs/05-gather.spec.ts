// Step 5 — gather (exercises/combinators.ts: ensureFuture, gather).
import { expect } from 'chai';
import { mini } from './mini';
import type { Coroutine } from '../futures';

const { EventLoop, Future, Task, CancelledError, getRunningLoop, run, sleep, gather, ensureFuture } = mini;

const now = () => getRunningLoop().time();

function* after<T>(delay: number, value: T, log?: string[]): Coroutine<T> {
  yield* sleep(delay);
  log?.push(`${String(value)} at ${now()}`);
  return value;
}

describe('step 5 — gather', () => {
  it('ensureFuture: a future is returned as it is; a coroutine is wrapped in a Task that starts running', () => {
    const loop = new EventLoop();
    const fut = new Future<number>(loop);
    expect(ensureFuture(fut, loop)).to.equal(fut);
    const log: string[] = [];
    const t = ensureFuture(
      (function* (): Coroutine<number> {
        log.push('ran');
        return 1;
      })(),
      loop,
    );
    expect(t).to.be.instanceOf(Task);
    expect(loop.runUntilComplete(t)).to.equal(1);
    expect(log).to.deep.equal(['ran']);
  });

  it('gather returns a Future at once; its result lists the results in argument order, not finishing order', () => {
    const log: string[] = [];
    function* main(): Coroutine<string[]> {
      const outer = gather([after(3, 'slow', log), after(1, 'fast', log), after(2, 'middle', log)]);
      expect(outer).to.be.instanceOf(Future);
      expect(outer.done()).to.equal(false);
      return yield* outer;
    }
    expect(run(main())).to.deep.equal(['slow', 'fast', 'middle']);
    expect(log).to.deep.equal(['fast at 1', 'middle at 2', 'slow at 3']);
  });

  it('the awaitables run concurrently: the whole takes as long as the slowest', () => {
    function* main(): Coroutine<number> {
      yield* gather([sleep(1), sleep(2), sleep(2), sleep(1.5)]);
      return now();
    }
    expect(run(main())).to.equal(2);
  });

  it('futures and tasks can be gathered along with coroutines', () => {
    function* main(): Coroutine<number[]> {
      const loop = getRunningLoop();
      const fut = new Future<number>(loop);
      loop.callLater(1, () => fut.setResult(1));
      const task = new Task(after(2, 2));
      return yield* gather<number>([fut, task, after(0.5, 3)]);
    }
    expect(run(main())).to.deep.equal([1, 2, 3]);
  });

  it('gather([]) is a future that is done already, with []', () => {
    function* main(): Coroutine<unknown[]> {
      const outer = gather([]);
      expect(outer.done()).to.equal(true);
      return yield* outer;
    }
    expect(run(main())).to.deep.equal([]);
  });

  it("the first failure is the outer future's exception; the other children run on", () => {
    const log: string[] = [];
    const boom = new Error('boom');
    function* failing(): Coroutine<string> {
      yield* sleep(1);
      throw boom;
    }
    let caughtAt = -1;
    function* main(): Coroutine<void> {
      try {
        yield* gather([after(2, 'survivor', log), failing(), after(0.5, 'early', log)]);
      } catch (e) {
        expect(e).to.equal(boom);
        caughtAt = now();
      }
      yield* sleep(5);
    }
    run(main());
    expect(caughtAt, 'the error arrives when it happens, not when the others finish').to.equal(1);
    expect(log, 'the survivor was not cancelled').to.deep.equal(['early at 0.5', 'survivor at 2']);
  });

  it('a second failure changes nothing', () => {
    function* fail(delay: number, msg: string): Coroutine<number> {
      yield* sleep(delay);
      throw new Error(msg);
    }
    function* main(): Coroutine<string> {
      const outer = gather([fail(1, 'first'), fail(2, 'second')]);
      yield* sleep(3);
      try {
        outer.result();
        return 'no error';
      } catch (e) {
        return (e as Error).message;
      }
    }
    expect(run(main())).to.equal('first');
  });

  it('a cancelled child fails the outer future with CancelledError', () => {
    function* main(): Coroutine<string> {
      const fut = new Future<number>(getRunningLoop());
      const outer = gather<number>([fut, after(1, 1)]);
      fut.cancel();
      try {
        yield* outer;
        return 'no error';
      } catch (e) {
        return e instanceof CancelledError ? 'CancelledError' : String(e);
      }
    }
    expect(run(main())).to.equal('CancelledError');
  });
});
