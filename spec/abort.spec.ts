// lib/abort.ts: an AbortSignal from outside cancels a task (cancelOnAbort). The other way —
// cancelling a future aborts the call it stands for — is fromPromise(start), in promises.spec.ts.
import { expect } from 'chai';
import {
  CancelledError,
  EventLoop,
  cancelOnAbort,
  createTask,
  gather,
  run,
  sleep,
  type Coroutine,
  type Future,
  type Task,
} from '../lib';
import { catching, useVirtualLoop, vrun } from './support';

/** The listeners an EventTarget holds for `type`, counted through Node's own inspection hook. */
function abortListeners(signal: AbortSignal): number {
  const { getEventListeners } = require('events') as typeof import('events');
  return getEventListeners(signal, 'abort').length;
}

describe('cancelOnAbort(future, signal)', () => {
  let loop: EventLoop;
  useVirtualLoop((l) => (loop = l));

  it('cancels the task when the signal aborts, with the reason as the message; its finally runs', () => {
    const controller = new AbortController();
    const log: string[] = [];
    function* work(): Coroutine<void> {
      try {
        yield* sleep(100);
      } finally {
        log.push('cleaned up');
      }
    }
    function* main(): Coroutine<unknown> {
      const t = cancelOnAbort(createTask(work()), controller.signal);
      loop.callLater(1, () => controller.abort('the client left'));
      return yield* catching(t);
    }
    const e = loop.runUntilComplete(main());
    expect(e).to.be.instanceOf(CancelledError);
    expect((e as Error).message).to.equal('the client left');
    expect(log).to.deep.equal(['cleaned up']);
    expect(loop.time()).to.equal(1);
  });

  it('an Error reason becomes "Name: message"; the default reason is AbortError', () => {
    const reasons: [string, (c: AbortController) => void][] = [
      ['AbortError: This operation was aborted', (c) => c.abort()],
      ['RangeError: too far', (c) => c.abort(new RangeError('too far'))],
      ['42', (c) => c.abort(42)],
    ];
    for (const [message, abort] of reasons) {
      const controller = new AbortController();
      const e = vrun(function* () {
        const t = cancelOnAbort(createTask(sleep(10)), controller.signal);
        yield* sleep(1);
        abort(controller);
        return yield* catching(t);
      });
      expect((e as Error).message).to.equal(message);
    }
  });

  it('a signal aborted already cancels at once; a finished future is left alone', () => {
    const outcome = vrun(function* () {
      const t = cancelOnAbort(createTask(sleep(10, 'v')), AbortSignal.abort('too late'));
      expect(t.cancelling()).to.equal(1);
      const done = createTask(sleep(0, 'done'));
      yield* done;
      cancelOnAbort(done, AbortSignal.abort());
      return [String(yield* catching(t)), done.result()];
    });
    expect(outcome).to.deep.equal(['CancelledError: too late', 'done']);
  });

  it('works for any Future: a gather cancels its children', () => {
    const controller = new AbortController();
    const result = vrun(function* () {
      const children = [createTask(sleep(10)), createTask(sleep(20))];
      const g = cancelOnAbort(gather(children), controller.signal);
      yield* sleep(1);
      controller.abort();
      yield* catching(g);
      return children.map((c) => c.cancelled());
    });
    expect(result).to.deep.equal([true, true]);
  });

  it('removes its listener when the future finishes: a long-lived signal keeps no tasks', () => {
    const controller = new AbortController();
    vrun(function* () {
      const tasks: Task<void>[] = [];
      for (let i = 0; i < 5; i++) tasks.push(cancelOnAbort(createTask(sleep(1)), controller.signal));
      expect(abortListeners(controller.signal)).to.equal(5);
      for (const t of tasks) yield* t;
      yield* sleep(0); // the done callbacks that remove the listeners
      expect(abortListeners(controller.signal)).to.equal(0);
    });
  });

  it('from outside the loop: AbortSignal.timeout cancels a task run by run() (the host wakes the loop)', async () => {
    function* main(): Coroutine<unknown> {
      return yield* catching(cancelOnAbort(createTask(sleep(60)), AbortSignal.timeout(10)));
    }
    const e = await run(main());
    expect(String(e)).to.equal('CancelledError: TimeoutError: The operation was aborted due to timeout');
  });

  it('checks its arguments', () => {
    const fut: Future<void> = loop.createFuture<void>();
    expect(() => cancelOnAbort({} as Future<void>, new AbortController().signal)).to.throw(TypeError, 'cancelOnAbort() needs a Future or Task, got {}');
    expect(() => cancelOnAbort(fut, {} as AbortSignal)).to.throw(TypeError, 'cancelOnAbort() needs an AbortSignal, got {}');
  });
});
