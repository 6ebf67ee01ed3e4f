// lib/taskgroups.ts: TaskGroup — waiting for all, the first failure cancelling siblings and
// the body, ExceptionGroup, outside cancellation, nesting, createTask's refusals, 3.13's
// uncancel rules, task-tree labels, and a 10 000-task group.
import { expect } from 'chai';
import {
  CancelledError,
  EventLoop,
  ExceptionGroup,
  RuntimeError,
  Task,
  TaskGroup,
  ValueError,
  asyncWith,
  coroutine,
  createTask,
  currentTask,
  eagerTaskFactory,
  gather,
  sleep,
  timeout,
  type Coroutine,
  type ExceptionContext,
} from '../lib';
import { catching, fail, runClean, throws, useVirtualLoop, val } from './support';

let loop: EventLoop;
useVirtualLoop((l) => (loop = l));

const me = () => currentTask() as Task<unknown>;
const messages = (eg: unknown) => (eg as ExceptionGroup).exceptions.map((e) => (e as Error).message);

describe('TaskGroup: waiting', () => {
  it('exit waits for every task; the body\'s result comes through', () => {
    runClean(loop, (function* () {
      const tasks: Task<number>[] = [];
      const r = yield* asyncWith(new TaskGroup(), function* (tg) {
        tasks.push(tg.createTask(val(0.1, 42)));
        tasks.push(tg.createTask(val(0.2, 11)));
        return 'body';
      });
      expect(r).to.equal('body');
      expect(tasks.map((t) => t.result())).to.deep.equal([42, 11]);
      expect(loop.time()).to.be.closeTo(0.2, 1e-9);
    })());
  });

  it('tasks created later in the body, and by tasks of the group, are waited for too', () => {
    runClean(loop, (function* () {
      let count = 0;
      const r = yield* asyncWith(new TaskGroup(), function* (tg) {
        const late: Task<number>[] = [];
        function* spawner(n: number): Coroutine<void> {
          count++;
          yield* sleep(0.01);
          if (n > 0) tg.createTask(spawner(n - 1));
        }
        tg.createTask(spawner(9));
        yield* sleep(0.15);
        late.push(tg.createTask(val(0.1, 11)));
        return late;
      });
      expect(count).to.equal(10);
      expect(r[0].result()).to.equal(11);
      expect(loop.time()).to.be.closeTo(0.25, 1e-9);
    })());
  });

  it('a task cancelled by the body does not fail the group', () => {
    runClean(loop, (function* () {
      let t1!: Task<number>;
      let t2!: Task<number>;
      yield* asyncWith(new TaskGroup(), function* (tg) {
        t1 = tg.createTask(val(1, 42));
        t2 = tg.createTask(val(0.2, 11));
        yield* sleep(0.1);
        t1.cancel();
      });
      expect(t1.cancelled()).to.equal(true);
      expect(t2.result()).to.equal(11);
    })());
  });

  it('createTask passes the name; finished tasks leave the group', () => {
    runClean(loop, (function* () {
      yield* asyncWith(new TaskGroup(), function* (tg) {
        const t = tg.createTask(val(0.1, 1), { name: 'yolo' });
        expect(t.getName()).to.equal('yolo');
        expect(String(tg)).to.equal('<TaskGroup tasks=1 entered>');
        yield* sleep(0.2);
        expect(tg._tasks.size).to.equal(0);
        expect(String(tg)).to.equal('<TaskGroup entered>');
      });
    })());
  });

  it('takes coroutine() calls; a used one is refused as by createTask', () => {
    const work = coroutine(function* work(x: number): Coroutine<number> {
      yield* sleep(1);
      return x * 2;
    });
    runClean(loop, (function* () {
      let t!: Task<number>;
      yield* asyncWith(new TaskGroup(), function* (tg) {
        t = tg.createTask(work(21));
      });
      expect(t.result()).to.equal(42);
    })());
  });

  it('labels exit\'s waiter for task trees: kind TaskGroup, the tasks still running', () => {
    runClean(loop, (function* () {
      const tg = new TaskGroup();
      let a!: Task<number>;
      let b!: Task<number>;
      const body = createTask(asyncWith(tg, function* (g) {
        a = g.createTask(val(1, 1));
        b = g.createTask(val(2, 2));
      }));
      yield* sleep(0.5);
      const info = body._futWaiter?._waitInfo;
      expect(info?.kind).to.equal('TaskGroup');
      expect(info?.resource).to.equal(tg);
      expect(info?.children).to.deep.equal([a, b]);
      yield* sleep(1);
      expect(body._futWaiter?._waitInfo?.children).to.deep.equal([b]);
      yield* body;
    })());
  });
});

describe('TaskGroup: failures', () => {
  it('the first failure cancels the siblings and the body; one ExceptionGroup comes out', () => {
    runClean(loop, (function* () {
      const log: unknown[] = [];
      let slow!: Task<string>;
      const err = yield* catching(asyncWith(new TaskGroup(), function* (tg) {
        slow = tg.createTask(val(10, 'slow'));
        tg.createTask(fail(1, new ValueError('bad')));
        try {
          yield* sleep(10);
        } catch (e) {
          log.push([(e as Error).name, me().cancelling()]);
          throw e;
        }
        log.push('not reached');
      }));
      expect(err).to.be.instanceOf(ExceptionGroup);
      expect((err as Error).message).to.equal('unhandled errors in a TaskGroup');
      expect(messages(err)).to.deep.equal(['bad']);
      expect(slow.cancelled()).to.equal(true);
      expect(log).to.deep.equal([['CancelledError', 1]]);
      expect(me().cancelling()).to.equal(0);
      expect(loop.time()).to.equal(1);
    })());
  });

  it('failures in the same iteration are all kept, in completion order', () => {
    runClean(loop, (function* () {
      let sibling!: Task<void>;
      const err = yield* catching(asyncWith(new TaskGroup(), function* (tg) {
        tg.createTask(fail(1, new ValueError('x')));
        tg.createTask(fail(1, new ValueError('y')));
        sibling = tg.createTask(sleep(10));
        yield* sleep(10);
      }));
      expect(messages(err)).to.deep.equal(['x', 'y']);
      expect(sibling.cancelled()).to.equal(true);
    })());
  });

  it('the body\'s own error cancels the tasks and goes last in the group', () => {
    runClean(loop, (function* () {
      let child!: Task<string>;
      const err = yield* catching(asyncWith(new TaskGroup(), function* (tg) {
        child = tg.createTask(val(10, 'c'));
        yield* sleep(0.1);
        throw new RangeError('body');
      }));
      expect(messages(err)).to.deep.equal(['body']);
      expect(child.cancelled()).to.equal(true);

      const err2 = yield* catching(asyncWith(new TaskGroup(), function* (tg) {
        tg.createTask(fail(0.1, new ValueError('child')));
        try {
          yield* sleep(1);
        } finally {
          // the body turns its cancellation into an error of its own
          // eslint-disable-next-line no-unsafe-finally
          throw new RangeError('body');
        }
      }));
      expect(messages(err2)).to.deep.equal(['child', 'body']);
    })());
  });

  it('a task that fails in its cleanup while being cancelled adds its error', () => {
    runClean(loop, (function* () {
      const err = yield* catching(asyncWith(new TaskGroup(), function* (tg) {
        tg.createTask(fail(1, new ValueError('first')));
        tg.createTask((function* () {
          try {
            yield* sleep(10);
          } finally {
            // eslint-disable-next-line no-unsafe-finally
            throw new ValueError('in cleanup');
          }
        })());
      }));
      expect(messages(err)).to.deep.equal(['first', 'in cleanup']);
    })());
  });

  it('createTask after a failure is refused (shutting down), and the coroutine is closed', () => {
    runClean(loop, (function* () {
      let refused: unknown;
      let ran = false;
      function* never(): Coroutine<void> {
        ran = true;
      }
      const err = yield* catching(asyncWith(new TaskGroup(), function* (tg) {
        tg.createTask(fail(0.1, new ValueError('boom')));
        tg.createTask((function* () {
          try {
            yield* sleep(10);
          } catch (e) {
            refused = throws(() => tg.createTask(never()));
            throw e;
          }
        })());
      }));
      expect(messages(err)).to.deep.equal(['boom']);
      expect(refused).to.be.instanceOf(RuntimeError);
      expect((refused as Error).message).to.match(/^TaskGroup <TaskGroup .*cancelling> is shutting down$/);
      expect(ran).to.equal(false);
    })());
  });

  it('nested groups: a failure deep inside comes out as a group within a group', () => {
    runClean(loop, (function* () {
      const err = yield* catching(asyncWith(new TaskGroup(), function* (outer) {
        outer.createTask(val(10, 'slow'));
        outer.createTask(asyncWith(new TaskGroup(), function* (inner) {
          inner.createTask(fail(0.1, new ValueError('deep')));
        }));
      }));
      expect(err).to.be.instanceOf(ExceptionGroup);
      const [innerGroup] = (err as ExceptionGroup).exceptions;
      expect(innerGroup).to.be.instanceOf(ExceptionGroup);
      expect(messages(innerGroup)).to.deep.equal(['deep']);
    })());
  });

  it('nested groups: an outer task failing first cancels the inner group, whose cancellation is no error', () => {
    runClean(loop, (function* () {
      const err = yield* catching(asyncWith(new TaskGroup(), function* (outer) {
        outer.createTask(fail(0.1, new ValueError('outer')));
        outer.createTask(asyncWith(new TaskGroup(), function* (inner) {
          inner.createTask(fail(10, new ValueError('inner')));
        }));
      }));
      expect(messages(err)).to.deep.equal(['outer']);
    })());
  });

  it('an eager task that fails at once cancels the body at its first await', () => {
    runClean(loop, (function* () {
      loop.setTaskFactory(eagerTaskFactory);
      try {
        let reached = false;
        const err = yield* catching(asyncWith(new TaskGroup(), function* (tg) {
          const t = tg.createTask((function* (): Coroutine<void> {
            throw new ValueError('eager');
          })());
          expect(t.done()).to.equal(true);
          yield* sleep(1);
          reached = true;
        }));
        expect(messages(err)).to.deep.equal(['eager']);
        expect(reached).to.equal(false);
        expect(loop.time()).to.equal(0);
        const ok = yield* asyncWith(new TaskGroup(), function* (tg) {
          return tg.createTask((function* (): Coroutine<number> {
            return 5;
          })());
        });
        expect(ok.result()).to.equal(5);
      } finally {
        loop.setTaskFactory(null);
      }
    })());
  });

  it('a failure after the parent task is gone goes to the exception handler', () => {
    const seen: ExceptionContext[] = [];
    loop.setExceptionHandler((_l, ctx) => seen.push(ctx));
    const boom = new ValueError('orphan');
    runClean(loop, (function* () {
      const tg = new TaskGroup();
      const parent = createTask((function* () {
        yield* tg.enter(); // entered by hand, never exited
        tg.createTask(fail(1, boom));
      })());
      yield* parent;
      yield* sleep(2);
    })());
    expect(seen).to.have.length(1);
    expect(seen[0].exception).to.equal(boom);
    expect(seen[0].message).to.match(/has errored out but its parent task .* is already completed/);
  });
});

describe('TaskGroup: cancellation from outside', () => {
  it('cancels every task and comes out as CancelledError', () => {
    runClean(loop, (function* () {
      let cancelledChildren = 0;
      function* child(): Coroutine<void> {
        try {
          yield* sleep(10);
        } catch (e) {
          cancelledChildren++;
          throw e;
        }
      }
      const parent = createTask(asyncWith(new TaskGroup(), function* (tg) {
        for (let i = 0; i < 5; i++) tg.createTask(child());
      }));
      yield* sleep(0.1);
      parent.cancel();
      expect(yield* catching(parent)).to.be.instanceOf(CancelledError);
      expect(cancelledChildren).to.equal(5);
      expect(parent.cancelled()).to.equal(true);
    })());
  });

  it('... also while the body itself waits, and when cancelled again during exit', () => {
    runClean(loop, (function* () {
      function* stubborn(): Coroutine<void> {
        try {
          yield* sleep(10);
        } catch {
          yield* sleep(1); // slow to give in
        }
      }
      const parent = createTask(asyncWith(new TaskGroup(), function* (tg) {
        tg.createTask(stubborn());
        yield* sleep(10);
      }));
      yield* sleep(0.1);
      parent.cancel();
      yield* sleep(0.1);
      parent.cancel(); // exit is waiting: its waiter is cancelled again
      expect(yield* catching(parent)).to.be.instanceOf(CancelledError);
      expect(loop.time()).to.be.closeTo(1.1, 1e-9);
    })());
  });

  it('cancelled while exit waits (the body had finished): CancelledError', () => {
    runClean(loop, (function* () {
      let child!: Task<string>;
      const parent = createTask(asyncWith(new TaskGroup(), function* (tg) {
        child = tg.createTask(val(10, 'c'));
      }));
      yield* sleep(1);
      parent.cancel();
      expect(yield* catching(parent)).to.be.instanceOf(CancelledError);
      expect(child.cancelled()).to.equal(true);
    })());
  });

  it('tasks that fail in their cleanup turn the outside cancellation into an ExceptionGroup', () => {
    runClean(loop, (function* () {
      const parent = createTask(asyncWith(new TaskGroup(), function* (tg) {
        tg.createTask((function* () {
          try {
            yield* sleep(10);
          } finally {
            // eslint-disable-next-line no-unsafe-finally
            throw new RangeError('z');
          }
        })());
        yield* sleep(10);
      }));
      yield* sleep(1);
      parent.cancel();
      const err = yield* catching(parent);
      expect(err).to.be.instanceOf(ExceptionGroup);
      expect(messages(err)).to.deep.equal(['z']);
      expect(parent.cancelled()).to.equal(false);
    })());
  });

  it('a body that turns the cancellation into another error: a group of that error', () => {
    runClean(loop, (function* () {
      const parent = createTask(asyncWith(new TaskGroup(), function* () {
        try {
          yield* sleep(10);
        } catch {
          throw new RangeError('mine');
        }
      }));
      yield* sleep(1);
      parent.cancel();
      expect(messages(yield* catching(parent))).to.deep.equal(['mine']);
    })());
  });

  it('3.13: an error and an outside cancellation together — the cancellation is delivered again afterwards', () => {
    runClean(loop, (function* () {
      const log: unknown[] = [];
      const t = createTask((function* () {
        try {
          yield* asyncWith(new TaskGroup(), function* (tg) {
            tg.createTask(fail(1, new RuntimeError('r')));
            yield* sleep(10);
          });
        } catch (e) {
          if (!(e instanceof ExceptionGroup)) throw e;
          log.push(['caught', me().cancelling()]);
        }
        try {
          yield* sleep(1);
          log.push('slept');
        } catch (e) {
          log.push('sleep cancelled');
          throw e;
        }
      })());
      yield* sleep(0.5);
      loop.callAt(1, () => t.cancel()); // in the same iteration as the failure
      expect(yield* catching(t)).to.be.instanceOf(CancelledError);
      expect(log).to.deep.equal([['caught', 1], 'sleep cancelled']);
      expect(t.cancelled()).to.equal(true);
    })());
  });

  it('3.13: nested groups whose tasks both fail leave the cancellation count where it was', () => {
    runClean(loop, (function* () {
      const log: unknown[] = [];
      try {
        yield* asyncWith(new TaskGroup(), function* (outer) {
          outer.createTask(fail(0.1, new ValueError('outer')));
          try {
            yield* asyncWith(new TaskGroup(), function* (inner) {
              inner.createTask(fail(0, new RuntimeError('inner')));
              yield* sleep(1);
            });
          } catch (e) {
            log.push([messages(e), me().cancelling()]);
          }
          yield* sleep(1);
        });
      } catch (e) {
        log.push([messages(e), me().cancelling()]);
      }
      expect(log).to.deep.equal([
        [['inner'], 0],
        [['outer'], 0],
      ]);
    })());
  });

  it('3.13: nested groups failing in the same iteration: the outer cancellation reaches the code after the inner group', () => {
    runClean(loop, (function* () {
      const log: unknown[] = [];
      try {
        yield* asyncWith(new TaskGroup(), function* (outer) {
          try {
            yield* asyncWith(new TaskGroup(), function* (inner) {
              inner.createTask(fail(0, new RuntimeError('inner')));
              outer.createTask(fail(0, new ValueError('outer')));
            });
          } catch (e) {
            log.push(['inner', messages(e), me().cancelling()]);
          }
          log.push(['after inner', me().cancelling()]);
          try {
            yield* sleep(1);
          } catch (e) {
            log.push('sleep cancelled');
            throw e;
          }
        });
      } catch (e) {
        log.push(['outer', messages(e), me().cancelling()]);
      }
      expect(log).to.deep.equal([['inner', ['inner'], 1], ['after inner', 1], 'sleep cancelled', ['outer', ['outer'], 0]]);
    })());
  });

  it('a gather inside a group: a sibling failure cancels it, and its children', () => {
    runClean(loop, (function* () {
      const log: unknown[] = [];
      function* leaf(i: number): Coroutine<void> {
        try {
          yield* sleep(10);
        } catch (e) {
          log.push(['leaf cancelled', i]);
          throw e;
        }
      }
      let g!: Task<void>;
      const err = yield* catching(asyncWith(new TaskGroup(), function* (tg) {
        g = tg.createTask((function* () {
          try {
            yield* gather([leaf(1), leaf(2)]);
          } catch (e) {
            log.push(['gather', (e as Error).name]);
            throw e;
          }
        })());
        tg.createTask(fail(1, new ValueError('x')));
      }));
      expect(messages(err)).to.deep.equal(['x']);
      expect(g.cancelled()).to.equal(true);
      expect(log).to.deep.equal([['leaf cancelled', 1], ['leaf cancelled', 2], ['gather', 'CancelledError']]);
    })());
  });

  it('a gather cancelled by a task of the group: that task ends cancelled, the group is fine', () => {
    runClean(loop, (function* () {
      let w!: Task<void>;
      let o!: Task<number>;
      yield* asyncWith(new TaskGroup(), function* (tg) {
        w = tg.createTask((function* () {
          const g = gather([val(1, 1), val(5, 5)]);
          yield* sleep(2);
          g.cancel();
          yield* g;
        })());
        o = tg.createTask(val(3, 3));
      });
      expect(w.cancelled()).to.equal(true);
      expect(o.result()).to.equal(3);
    })());
  });

  it('inside a timeout: the expiry cancels the group like an outside cancellation', () => {
    runClean(loop, (function* () {
      let child!: Task<string>;
      const err = yield* catching(asyncWith(timeout(1), function* () {
        yield* asyncWith(new TaskGroup(), function* (tg) {
          child = tg.createTask(val(10, 'c'));
        });
      }));
      expect((err as Error).name).to.equal('TimeoutError');
      expect(child.cancelled()).to.equal(true);
      expect(me().cancelling()).to.equal(0);
    })());
  });
});

describe('TaskGroup: misuse', () => {
  it('createTask before enter and after exit is refused; the coroutine is closed unrun', () => {
    runClean(loop, (function* () {
      const tg = new TaskGroup();
      let ran = 0;
      function* work(): Coroutine<void> {
        ran++;
      }
      const e1 = throws(() => tg.createTask(work())) as Error;
      expect(e1).to.be.instanceOf(RuntimeError);
      expect(e1.message).to.equal('TaskGroup <TaskGroup> has not been entered');
      yield* asyncWith(tg, function* () {});
      const gen = work();
      const e2 = throws(() => tg.createTask(gen)) as Error;
      expect(e2.message).to.equal('TaskGroup <TaskGroup entered> is finished');
      expect(gen.next().done).to.equal(true); // closed
      expect(ran).to.equal(0);
    })());
  });

  it('a refused generator that is running right now (it passed itself) still gets the RuntimeError', () => {
    runClean(loop, (function* () {
      const tg = new TaskGroup();
      yield* asyncWith(tg, function* () {});
      let err: unknown;
      function* selfish(): Coroutine<void> {
        err = throws(() => tg.createTask(itself));
        yield* sleep(0);
      }
      const itself = selfish();
      yield* itself;
      expect(err).to.be.instanceOf(RuntimeError);
      expect((err as Error).message).to.match(/is finished$/);
    })());
  });

  it('a coroutine() call refused by a finished group is closed without a "never awaited" report', () => {
    const debugLoop = new EventLoop({ clock: 'virtual', debug: true });
    const seen: ExceptionContext[] = [];
    debugLoop.setExceptionHandler((_l, ctx) => seen.push(ctx));
    const work = coroutine(function* work(): Coroutine<void> {
      yield* sleep(0);
    });
    debugLoop.runUntilComplete((function* () {
      const tg = new TaskGroup();
      yield* asyncWith(tg, function* () {});
      expect(throws(() => tg.createTask(work()))).to.be.instanceOf(RuntimeError);
    })());
    debugLoop.close();
    expect(seen).to.deep.equal([]);
  });

  it('createTask of something that is not a coroutine: TypeError', () => {
    runClean(loop, (function* () {
      yield* asyncWith(new TaskGroup(), function* (tg) {
        expect(throws(() => tg.createTask(42 as never))).to.be.instanceOf(TypeError);
        expect((throws(() => tg.createTask(val as never)) as Error).message).to.match(/call it/);
      });
    })());
  });

  it('entering twice (nested or after exit) is refused', () => {
    runClean(loop, (function* () {
      const tg = new TaskGroup();
      yield* asyncWith(tg, function* () {
        const e = yield* catching(asyncWith(tg, function* () {}));
        expect((e as Error).message).to.match(/^TaskGroup <TaskGroup entered> has already been entered$/);
      });
      expect(yield* catching(asyncWith(tg, function* () {}))).to.be.instanceOf(RuntimeError);
    })());
  });

  it('entering outside a task is refused: no parent task', () => {
    const tg = new TaskGroup();
    let err: unknown;
    loop.callSoon(() => {
      err = throws(() => tg.enter().next());
    });
    loop.runUntilComplete(sleep(0));
    expect(err).to.be.instanceOf(RuntimeError);
    expect((err as Error).message).to.equal('TaskGroup <TaskGroup> cannot determine the parent task');
    expect((throws(() => new TaskGroup().enter().next()) as Error).message).to.equal('no running event loop');
  });
});

describe('TaskGroup: stress', () => {
  it('cancelling a group of 10 000 tasks from outside', () => {
    const N = 10_000;
    runClean(loop, (function* () {
      let cancelled = 0;
      function* child(): Coroutine<void> {
        try {
          yield* sleep(100);
        } catch (e) {
          cancelled++;
          throw e;
        }
      }
      const parent = createTask(asyncWith(new TaskGroup(), function* (tg) {
        for (let i = 0; i < N; i++) tg.createTask(child());
        yield* sleep(100);
      }));
      yield* sleep(1);
      parent.cancel();
      expect(yield* catching(parent)).to.be.instanceOf(CancelledError);
      expect(cancelled).to.equal(N);
    })());
    expect(loop.time()).to.equal(1);
  });

  it('a group of 10 000 tasks, one of which fails', () => {
    const N = 10_000;
    runClean(loop, (function* () {
      const err = yield* catching(asyncWith(new TaskGroup(), function* (tg) {
        for (let i = 0; i < N; i++) tg.createTask(i === N / 2 ? fail(1, new ValueError('one')) : sleep(100));
      }));
      expect(messages(err)).to.deep.equal(['one']);
    })());
  });
});
