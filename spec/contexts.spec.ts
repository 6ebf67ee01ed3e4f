// lib/contexts.ts: asyncWith and enter/exit — Python's `async with`, by hand, in two forms.
import { expect } from 'chai';
import {
  CancelledError,
  BaseExceptionGroup,
  EventLoop,
  ExceptionGroup,
  GeneratorExit,
  Lock,
  RuntimeError,
  Semaphore,
  TaskGroup,
  asyncGenerator,
  asyncWith,
  emit,
  coroutine,
  createTask,
  currentTask,
  enter,
  getRunningLoop,
  run,
  sleep,
  startServer,
  timeout,
  type AsyncContextManager,
  type Coroutine,
} from '../lib';
import { catching, errorsOf, fail, useVirtualLoop, vrun } from './support';

/** A context manager that logs what happens to it; `swallow` makes exit() return true. */
class Logged implements AsyncContextManager<string> {
  log: string[] = [];
  constructor(private readonly swallow = false) {}
  *enter(): Coroutine<string> {
    this.log.push('enter');
    yield* sleep(1);
    return 'resource';
  }
  *exit(error?: unknown): Coroutine<boolean> {
    this.log.push(error === undefined ? 'exit clean' : `exit with ${(error as Error).name}: ${(error as Error).message}`);
    yield* sleep(1);
    return this.swallow;
  }
}

describe('asyncWith', () => {
  let loop: EventLoop;
  useVirtualLoop((l) => (loop = l));

  it('enters, hands the body its value, exits clean, and returns the body\'s result', () => {
    const cm = new Logged();
    function* main(): Coroutine<string> {
      return yield* asyncWith(cm, function* (value) {
        cm.log.push(`body got ${value}`);
        yield* sleep(1);
        return 'result';
      });
    }
    expect(loop.runUntilComplete(main())).to.equal('result');
    expect(cm.log).to.deep.equal(['enter', 'body got resource', 'exit clean']);
    expect(loop.time()).to.equal(3);
  });

  it('an error in the body reaches exit(error), then propagates', () => {
    const cm = new Logged();
    function* main(): Coroutine<void> {
      yield* asyncWith(cm, function* () {
        throw new RangeError('in body');
      });
    }
    expect(() => loop.runUntilComplete(main())).to.throw(RangeError, 'in body');
    expect(cm.log).to.deep.equal(['enter', 'exit with RangeError: in body']);
  });

  it('exit() returning true swallows the error; the result is undefined', () => {
    const cm = new Logged(true);
    function* main(): Coroutine<string | undefined> {
      return yield* asyncWith(cm, function* (): Coroutine<string> {
        throw new Error('swallowed');
      });
    }
    expect(loop.runUntilComplete(main())).to.equal(undefined);
    expect(cm.log).to.deep.equal(['enter', 'exit with Error: swallowed']);
  });

  it('a clean exit returning true changes nothing', () => {
    const cm = new Logged(true);
    function* main(): Coroutine<number> {
      return yield* asyncWith(cm, function* () {
        return 1;
      });
    }
    expect(loop.runUntilComplete(main())).to.equal(1);
  });

  it('a failing enter() skips the body and exit()', () => {
    const log: string[] = [];
    const cm: AsyncContextManager<void> = {
      *enter() {
        throw new Error('cannot enter');
      },
      *exit() {
        log.push('exit');
      },
    };
    function* main(): Coroutine<void> {
      yield* asyncWith(cm, function* () {
        log.push('body');
      });
    }
    expect(() => loop.runUntilComplete(main())).to.throw('cannot enter');
    expect(log).to.deep.equal([]);
  });

  it('an error raised by exit() replaces the body\'s', () => {
    const cm: AsyncContextManager<void> = {
      *enter() {},
      *exit() {
        throw new Error('from exit');
      },
    };
    function* main(): Coroutine<void> {
      yield* asyncWith(cm, function* () {
        throw new Error('from body');
      });
    }
    expect(() => loop.runUntilComplete(main())).to.throw('from exit');
  });

  it('cancellation inside the body goes through exit()', () => {
    const cm = new Logged();
    function* main(): Coroutine<void> {
      const t = createTask(
        asyncWith(cm, function* () {
          yield* sleep(100);
        }),
      );
      yield* sleep(2);
      t.cancel('stop');
      try {
        yield* t;
      } catch (e) {
        expect(e).to.be.instanceOf(CancelledError);
      }
    }
    loop.runUntilComplete(main());
    expect(cm.log).to.deep.equal(['enter', 'exit with CancelledError: stop']);
  });

  it('takes coroutine() functions for enter, exit and the body', () => {
    const log: string[] = [];
    const cm: AsyncContextManager<number> = {
      enter: coroutine(function* enter(): Coroutine<number> {
        yield* sleep(0);
        return 5;
      }),
      exit: coroutine(function* exit(): Coroutine<void> {
        log.push('exit');
      }),
    };
    const body = coroutine(function* body(n: number): Coroutine<number> {
      yield* sleep(0);
      return n * 2;
    });
    function* main(): Coroutine<number> {
      return yield* asyncWith(cm, body);
    }
    expect(loop.runUntilComplete(main())).to.equal(10);
    expect(log).to.deep.equal(['exit']);
  });

  it('checks its arguments at the call, before entering anything', () => {
    expect(() => asyncWith(null as unknown as AsyncContextManager<void>, function* () {})).to.throw(TypeError, 'asyncWith() needs an async context manager (an object with enter() and exit()), got null');
    expect(() => asyncWith({ enter() {} } as unknown as AsyncContextManager<void>, function* () {})).to.throw(TypeError, 'async context manager');
    const cm = new Logged();
    expect(() => asyncWith(cm, 'body' as unknown as () => Coroutine<void>)).to.throw(TypeError, 'asyncWith() needs a body function (a function*), got string');
    expect(cm.log).to.deep.equal([]);
  });
  describe('an async generator closed while its body is inside the block (aclose)', () => {
    it('exit() runs, with a GeneratorExit (Python: __aexit__(GeneratorExit)); a lock is released; no catch block runs', () => {
      const lock = new Lock();
      const log: string[] = [];
      let seen: unknown;
      const cm: AsyncContextManager<void> = {
        enter: () => lock.enter(),
        *exit(error?: unknown): Coroutine<void> {
          seen = error;
          yield* lock.exit(error);
        },
      };
      const g = asyncGenerator(function* locked() {
        try {
          yield* asyncWith(cm, function* () {
            yield* emit(1);
          });
          log.push('after the block');
        } catch (e) {
          log.push(`catch ${e}`);
        } finally {
          log.push('finally');
        }
      })();
      function* main(): Coroutine<unknown> {
        yield* g.anext();
        expect(lock.locked()).to.equal(true);
        return yield* g.aclose();
      }
      expect(loop.runUntilComplete(main())).to.equal(undefined);
      expect(seen).to.be.instanceOf(GeneratorExit);
      expect(lock.locked()).to.equal(false);
      expect(log).to.deep.equal(['finally']);
    });

    it('an exit() that awaits: the close goes on as GeneratorExit (else JavaScript would drop it), and aclose() counts that as closed', () => {
      const cm = new Logged();
      const log: string[] = [];
      const g = asyncGenerator(function* awaitingExit() {
        try {
          yield* asyncWith(cm, function* () {
            yield* emit(1);
          });
          log.push('after the block (must not run)');
          yield* emit(2);
        } catch (e) {
          log.push(`catch ${(e as Error).name}`);
          throw e;
        } finally {
          log.push(`finally at ${loop.time()}`);
        }
      })();
      function* main(): Coroutine<unknown> {
        yield* g.anext();
        return yield* g.aclose();
      }
      expect(loop.runUntilComplete(main())).to.equal(undefined);
      expect(cm.log).to.deep.equal(['enter', 'exit with GeneratorExit: ']);
      expect(log).to.deep.equal(['catch GeneratorExit', 'finally at 2']);
    });

    it('an exit() that returns true swallows the close, as in Python: the code after the block runs (and emitting there is refused)', () => {
      const cm = new Logged(true);
      const g = asyncGenerator(function* swallowed() {
        yield* asyncWith(cm, function* () {
          yield* emit(1);
        });
        yield* emit(2);
      })();
      function* main(): Coroutine<unknown> {
        yield* g.anext();
        return yield* catching(g.aclose());
      }
      const e = loop.runUntilComplete(main());
      expect(e).to.be.instanceOf(RuntimeError);
      expect((e as Error).message).to.equal('async generator ignored GeneratorExit');
    });

    it('a cancellation while an awaiting exit() runs for a close reaches that exit()', () => {
      const log: string[] = [];
      const cm: AsyncContextManager<void> = {
        *enter(): Coroutine<void> {},
        *exit(): Coroutine<void> {
          try {
            yield* sleep(10);
          } catch (e) {
            log.push(`exit got ${(e as Error).name}`);
            throw e;
          }
        },
      };
      const g = asyncGenerator(function* slowExit() {
        yield* asyncWith(cm, function* () {
          yield* emit(1);
        });
      })();
      function* main(): Coroutine<unknown> {
        yield* g.anext();
        const t = createTask(g.aclose());
        yield* sleep(1);
        t.cancel();
        return yield* catching(t);
      }
      expect(loop.runUntilComplete(main())).to.be.instanceOf(CancelledError);
      expect(log).to.deep.equal(['exit got CancelledError']);
    });

    it('a TaskGroup in the body: its tasks are cancelled, and the close comes out as BaseExceptionGroup([GeneratorExit]), as in CPython', () => {
      const g = asyncGenerator(function* grouped() {
        yield* asyncWith(new TaskGroup(), function* (tg) {
          tg.createTask(sleep(5));
          yield* emit(1);
        });
      })();
      function* main(): Coroutine<unknown> {
        yield* g.anext();
        return yield* catching(g.aclose());
      }
      const e = loop.runUntilComplete(main());
      expect(e).to.be.instanceOf(BaseExceptionGroup);
      expect(e).not.to.be.instanceOf(ExceptionGroup); // a BaseException inside: `except Exception` would not catch it
      expect((e as BaseExceptionGroup).exceptions[0]).to.be.instanceOf(GeneratorExit);
      expect(loop.time()).to.equal(0);
    });
  });
});

// ---- the explicit form: enter(cm) and scope.exit ----

/** One way to write `async with cm as v: body`; the spec runs every scenario through each. */
type WithForm = <T, R>(cm: AsyncContextManager<T>, body: (value: T) => Coroutine<R>) => Coroutine<R | undefined>;

const withForms: [string, WithForm][] = [
  ['asyncWith', (cm, body) => asyncWith(cm, body)],
  [
    'enter/exit',
    function* (cm, body) {
      const scope = yield* enter(cm);
      try {
        return yield* body(scope.value);
      } catch (e) {
        yield* scope.exit(e);
      } finally {
        yield* scope.exit();
      }
      return undefined; // exit swallowed the error
    },
  ],
];

/** `Name: message`, and a group's sub-exceptions in brackets. */
function describeError(e: unknown): string {
  const err = e as Error;
  const own = `${err.name}: ${err.message}`;
  return e instanceof ExceptionGroup ? `${own} [${e.exceptions.map(describeError).join(', ')}]` : own;
}

/** Sleeps, logging how it ended: `name done` or `name: <error>`. */
function* logged(log: string[], name: string, delay: number): Coroutine<void> {
  try {
    yield* sleep(delay);
    log.push(`${name} done`);
  } catch (e) {
    log.push(`${name}: ${describeError(e)}`);
    throw e;
  }
}

/** Every scenario returns a transcript; both forms must produce exactly the expected one. */
const scenarios: [string, (w: WithForm) => Coroutine<string[]>, string[]][] = [
  [
    'TaskGroup: a failing child cancels the body and the others; one ExceptionGroup',
    function* (w) {
      const log: string[] = [];
      try {
        yield* w(new TaskGroup(), function* (tg) {
          tg.createTask(fail(1, new RangeError('child')));
          tg.createTask(logged(log, 'sibling', 5));
          yield* logged(log, 'body', 10);
        });
      } catch (e) {
        log.push(`raised ${describeError(e)}`);
      }
      log.push(`t=${getRunningLoop().time()} cancelling=${currentTask()!.cancelling()}`);
      return log;
    },
    ['sibling: CancelledError: ', 'body: CancelledError: ', 'raised ExceptionGroup: unhandled errors in a TaskGroup [RangeError: child]', 't=1 cancelling=0'],
  ],
  [
    'TaskGroup: an error in the body cancels the children and comes out in the group',
    function* (w) {
      const log: string[] = [];
      try {
        yield* w(new TaskGroup(), function* (tg) {
          tg.createTask(logged(log, 'child', 5));
          yield* sleep(1);
          throw new RangeError('body');
        });
      } catch (e) {
        log.push(`raised ${describeError(e)}`);
      }
      log.push(`t=${getRunningLoop().time()}`);
      return log;
    },
    ['child: CancelledError: ', 'raised ExceptionGroup: unhandled errors in a TaskGroup [RangeError: body]', 't=1'],
  ],
  [
    'TaskGroup: the body waits for its children and gets the result',
    function* (w) {
      const log: string[] = [];
      const r = yield* w(new TaskGroup(), function* (tg) {
        tg.createTask(logged(log, 'child', 5));
        return 'body result';
      });
      log.push(`${r} at t=${getRunningLoop().time()}`);
      return log;
    },
    ['child done', 'body result at t=5'],
  ],
  [
    'TaskGroup: cancelling the task from outside cancels body and children; no group',
    function* (w) {
      const log: string[] = [];
      const t = createTask(
        w(new TaskGroup(), function* (tg) {
          tg.createTask(logged(log, 'child', 5));
          yield* logged(log, 'body', 5);
        }),
      );
      yield* sleep(1);
      t.cancel('from outside');
      log.push(describeError(yield* catching(t)));
      return log;
    },
    ['body: CancelledError: from outside', 'child: CancelledError: ', 'CancelledError: from outside'],
  ],
  [
    'timeout: expiry cancels the body and raises TimeoutError',
    function* (w) {
      const log: string[] = [];
      const cm = timeout(1);
      try {
        yield* w(cm, function* () {
          yield* logged(log, 'body', 10);
        });
      } catch (e) {
        log.push(`raised ${describeError(e)}`);
      }
      log.push(`t=${getRunningLoop().time()} expired=${cm.expired()} cancelling=${currentTask()!.cancelling()}`);
      return log;
    },
    ['body: CancelledError: ', 'raised TimeoutError: ', 't=1 expired=true cancelling=0'],
  ],
  [
    'timeout: a cancellation from outside passes through as CancelledError',
    function* (w) {
      const log: string[] = [];
      const cm = timeout(1);
      const t = createTask(
        w(cm, function* () {
          yield* logged(log, 'body', 10);
        }),
      );
      getRunningLoop().callLater(0.5, () => t.cancel('outside'));
      log.push(describeError(yield* catching(t)));
      log.push(`t=${getRunningLoop().time()} expired=${cm.expired()}`);
      return log;
    },
    ['body: CancelledError: outside', 'CancelledError: outside', 't=0.5 expired=false'],
  ],
  [
    'timeout: a cancellation from outside at the moment it expires still passes through',
    function* (w) {
      const log: string[] = [];
      const cm = timeout(1);
      const task = createTask(
        w(cm, function* () {
          const me = currentTask()!;
          getRunningLoop().callLater(1, () => me.cancel('outside')); // due with the expiry, scheduled after it
          yield* logged(log, 'body', 10);
        }),
      );
      log.push(describeError(yield* catching(task)));
      log.push(`t=${getRunningLoop().time()} expired=${cm.expired()}`);
      return log;
    },
    ['body: CancelledError: ', 'CancelledError: ', 't=1 expired=true'],
  ],
  [
    'timeout: nested, the outer expires first: the inner lets it through, the outer raises',
    function* (w) {
      const log: string[] = [];
      const outer = timeout(1);
      const inner = timeout(5);
      try {
        yield* w(outer, function* () {
          try {
            yield* w(inner, function* () {
              yield* logged(log, 'body', 10);
            });
          } catch (e) {
            log.push(`inner raised ${describeError(e)}`);
            throw e;
          }
        });
      } catch (e) {
        log.push(`outer raised ${describeError(e)}`);
      }
      log.push(`t=${getRunningLoop().time()} inner.expired=${inner.expired()} outer.expired=${outer.expired()}`);
      return log;
    },
    ['body: CancelledError: ', 'inner raised CancelledError: ', 'outer raised TimeoutError: ', 't=1 inner.expired=false outer.expired=true'],
  ],
  [
    'timeout: nested, the inner expires first and is caught inside the outer',
    function* (w) {
      const log: string[] = [];
      const r = yield* w(timeout(5), function* () {
        try {
          yield* w(timeout(1), function* () {
            yield* logged(log, 'body', 10);
          });
        } catch (e) {
          log.push(`inner raised ${describeError(e)}`);
        }
        yield* sleep(1);
        return 'outer went on';
      });
      log.push(`${r} t=${getRunningLoop().time()}`);
      return log;
    },
    ['body: CancelledError: ', 'inner raised TimeoutError: ', 'outer went on t=2'],
  ],
  [
    'Lock and Semaphore: released after a clean body, a failing body and a cancelled one',
    function* (w) {
      const log: string[] = [];
      const lock = new Lock();
      const sem = new Semaphore(2);
      yield* w(lock, function* () {
        log.push(`inside: ${lock}`);
      });
      try {
        yield* w(sem, function* () {
          log.push(`inside: ${sem}`);
          throw new RangeError('oops');
        });
      } catch (e) {
        log.push(describeError(e));
      }
      const t = createTask(w(lock, () => sleep(10)));
      yield* sleep(1);
      t.cancel();
      yield* catching(t);
      log.push(`after: ${lock} ${sem}`);
      return log;
    },
    ['inside: <Lock [locked]>', 'inside: <Semaphore [unlocked, value:1]>', 'RangeError: oops', 'after: <Lock [unlocked]> <Semaphore [unlocked, value:2]>'],
  ],
  [
    'a manager whose exit returns true swallows the body\'s error; one that raises replaces it',
    function* (w) {
      const swallowing = new Logged(true);
      const r = yield* w(swallowing, function* (): Coroutine<string> {
        throw new RangeError('swallowed');
      });
      const raising: AsyncContextManager<void> = {
        *enter() {},
        *exit() {
          throw new Error('from exit');
        },
      };
      const e = yield* catching(() => w(raising, function* () {
        throw new RangeError('from body');
      }));
      const clean = yield* catching(() => w(raising, function* () {}));
      return [...swallowing.log, `result ${r}`, describeError(e), describeError(clean)];
    },
    ['enter', 'exit with RangeError: swallowed', 'result undefined', 'Error: from exit', 'Error: from exit'],
  ],
];

describe('enter(cm) and scope.exit: async with without a closure', () => {
  for (const [title, scenario, expected] of scenarios) {
    it(`behaves exactly as asyncWith — ${title}`, () => {
      for (const [form, w] of withForms) {
        expect(vrun(scenario(w)), form).to.deep.equal(expected);
      }
    });
  }

  it('behaves exactly as asyncWith — a Server is closed on exit (real sockets)', async () => {
    for (const [form, w] of withForms) {
      const seen = await run(
        (function* (): Coroutine<string[]> {
          const server = yield* startServer(() => {}, '127.0.0.1', 0);
          const during = yield* w(server, function* (s) {
            return `${s === server} ${s.isServing()}`;
          });
          return [`${during}`, `${server.isServing()}`];
        })(),
      );
      expect(seen, form).to.deep.equal(['true true', 'false']);
    }
  });

  it('return, break and continue in the body leave the block through exit(), once', () => {
    const cm = new Logged();
    function* firstBig(xs: number[]): Coroutine<number | null> {
      for (const x of xs) {
        const scope = yield* enter(cm);
        try {
          if (x < 0) continue;
          if (x === 0) break;
          if (x > 10) return x; // leaves the loop and the coroutine: exit runs first
        } catch (e) {
          yield* scope.exit(e);
        } finally {
          yield* scope.exit();
        }
      }
      return null;
    }
    expect(vrun(firstBig([-1, 5, 20, 30]))).to.equal(20);
    expect(cm.log).to.deep.equal(['enter', 'exit clean', 'enter', 'exit clean', 'enter', 'exit clean']);
    cm.log.length = 0;
    expect(vrun(firstBig([0, 99]))).to.equal(null);
    expect(cm.log).to.deep.equal(['enter', 'exit clean']);
  });

  it('variables set in the body are in scope after it; scope.value is what enter() gave', () => {
    function* main(): Coroutine<string> {
      const scope = yield* enter(new Logged());
      let got: string;
      try {
        got = scope.value;
      } catch (e) {
        yield* scope.exit(e);
        throw e;
      } finally {
        yield* scope.exit();
      }
      return got;
    }
    expect(vrun(main())).to.equal('resource');
  });

  it('exits once: exit() after exit(e) does nothing; exit(e) on an exited scope re-throws e', () => {
    const lock = new Lock();
    vrun(function* () {
      const scope = yield* enter(lock);
      expect(String(scope)).to.equal('<EnteredContext open <Lock [locked]>>');
      expect(scope.exited).to.equal(false);
      yield* scope.exit();
      expect(scope.exited).to.equal(true);
      yield* scope.exit();
      const again = new RangeError('again');
      expect(yield* catching(scope.exit(again))).to.equal(again);
      expect(String(scope)).to.equal('<EnteredContext exited <Lock [unlocked]>>');
    });
  });

  it('a thrown undefined is an error, not a clean exit: it is passed on and re-thrown', () => {
    const cm = new Logged();
    const seen = vrun(function* () {
      const scope = yield* enter(cm);
      try {
        throw undefined;
      } catch (e) {
        try {
          yield* scope.exit(e);
        } catch (again) {
          return `re-thrown ${again}`;
        }
      } finally {
        yield* scope.exit();
      }
      return 'swallowed';
    });
    expect(seen).to.equal('re-thrown undefined');
  });

  it('a task that ends with a scope still open is reported: the finally was forgotten', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const reports = errorsOf(loop);
    const lock = new Lock();
    function* forgetful(): Coroutine<void> {
      const scope = yield* enter(lock);
      try {
        yield* sleep(1);
      } catch (e) {
        yield* scope.exit(e);
      } // no finally: the normal path never exits
    }
    function* careful(): Coroutine<void> {
      const scope = yield* enter(new Lock());
      try {
        yield* sleep(1);
      } catch (e) {
        yield* scope.exit(e);
      } finally {
        yield* scope.exit();
      }
    }
    loop.runUntilComplete(careful());
    expect(reports).to.deep.equal([]);
    const t = loop.createTask(forgetful());
    loop.runUntilComplete(t);
    loop.close();
    expect(reports.map((r) => r.message)).to.deep.equal([
      '<Lock [locked]> was entered with enter() and never exited: exit every scope, `catch (e) { yield* scope.exit(e); } finally { yield* scope.exit(); }`',
    ]);
    expect(reports[0].task).to.equal(t);
    expect(lock.locked()).to.equal(true);
  });

  it('checks its argument at the call', () => {
    expect(() => enter(null as unknown as AsyncContextManager<void>)).to.throw(TypeError, 'enter() needs an async context manager (an object with enter() and exit()), got null');
    expect(() => enter({ enter() {} } as unknown as AsyncContextManager<void>)).to.throw(TypeError, 'enter() needs an async context manager');
  });
});
