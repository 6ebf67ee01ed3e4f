/**
 * Bad input across the public surface: wrong types (every shape fast-check
 * makes, plus the classics), NaN / negative / infinite delays, closed loops,
 * foreign loops, re-entrant runs, a task awaiting itself, results set twice,
 * and programs that can never finish. Each call must get a clear error that
 * names what was wrong — or, for the delays Python accepts, do what Python
 * does — and leave the loop usable (bad-input.ts checks both after every call).
 * The counts go to docs/reliability.md.
 */
import { expect } from 'chai';
import {
  Barrier,
  BoundedSemaphore,
  CancelledError,
  Condition,
  Event,
  EventLoop,
  Future,
  InvalidStateError,
  Lock,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  Runner,
  RuntimeError,
  Semaphore,
  StreamReader,
  Task,
  TaskGroup,
  TimeoutError,
  ValueError,
  allTasks,
  asCompleted,
  asyncWith,
  coroutine,
  createTask,
  currentTask,
  ensureFuture,
  gather,
  getRunningLoop,
  run,
  runSync,
  shield,
  sleep,
  timeout,
  timeoutAt,
  wait,
  waitFor,
  type Coroutine,
  type CoroutineCall,
} from '../../lib';
import { runCases, runOutside, type BadCase, type Kind } from './bad-input';
import { PARAMS, doneFuture, nanCases, noop, wrongTypeCases } from './bad-input-params';

// ---- the numbers Python accepts: NaN is refused, the rest do what Python does ----

function* elapsed(body: () => Coroutine<unknown>): Coroutine<number> {
  const loop = getRunningLoop();
  const t0 = loop.time();
  yield* body();
  return loop.time() - t0;
}

/** Delays that are not errors: checked for what they do, on the loop the bad cases use. */
function* acceptedDelays(): Coroutine<string[]> {
  const loop = getRunningLoop();
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => void (ok || problems.push(what));
  // A negative delay means "as soon as possible" (one iteration), like 0.
  check((yield* elapsed(() => sleep(-5))) === 0, 'sleep(-5) took time');
  check((yield* elapsed(() => sleep(-Infinity))) === 0, 'sleep(-Infinity) took time');
  let ran = 0;
  loop.callLater(-1, () => ran++);
  loop.callAt(-Infinity, () => ran++);
  yield* sleep(0);
  yield* sleep(0);
  check(ran === 2, 'callLater(-1) / callAt(-Infinity) did not run at once');
  // An infinite delay never fires, and the virtual clock does not jump to it.
  const never = loop.callLater(Infinity, () => problems.push('callLater(Infinity) fired'));
  check(never.when() === Infinity, 'callLater(Infinity).when() is not Infinity');
  try {
    yield* waitFor(sleep(Infinity), 5);
    problems.push('sleep(Infinity) returned');
  } catch (e) {
    check(e instanceof TimeoutError, `waitFor(sleep(Infinity), 5) threw ${String(e)}`);
  }
  check(Number.isFinite(loop.time()), 'the clock became infinite');
  never.cancel();
  // waitFor with no time at all times out at once (after cancelling the awaitable); infinite time is no limit.
  let started = false;
  try {
    yield* waitFor((function* () { started = true; yield* sleep(1); })(), -1);
    problems.push('waitFor(…, -1) did not time out');
  } catch (e) {
    check(e instanceof TimeoutError, `waitFor(…, -1) threw ${String(e)}`);
  }
  check(!started, 'waitFor(coro, -1) started the coroutine');
  check((yield* waitFor(sleep(2, 'x'), Infinity)) === 'x', 'waitFor(…, Infinity) did not wait');
  // timeout(): negative expires at the first suspension; Infinity never.
  try {
    yield* asyncWith(timeout(-1), function* () { yield* sleep(0); });
    problems.push('timeout(-1) did not expire');
  } catch (e) {
    check(e instanceof TimeoutError, `timeout(-1) threw ${String(e)}`);
  }
  check((yield* asyncWith(timeout(Infinity), function* () { yield* sleep(3); return 7; })) === 7, 'timeout(Infinity) expired');
  check((yield* asyncWith(timeoutAt(-Infinity), function* () { return 8; })) === 8, 'timeoutAt(-Infinity) with no suspension failed');
  // wait() with a negative timeout returns at once, cancelling nothing.
  const t = createTask(sleep(1, 'slow'));
  const [done, pending] = yield* wait([t], { timeout: -1 });
  check(done.size === 0 && pending.size === 1 && !t.cancelled(), 'wait(…, { timeout: -1 }) did not return at once with the task pending');
  check((yield* t) === 'slow', 'the task waited on by wait(timeout: -1) did not finish');
  // asCompleted with no time: the first await times out.
  try {
    for (const next of asCompleted([sleep(1)], { timeout: -1 })) yield* next;
    problems.push('asCompleted(…, { timeout: -1 }) did not time out');
  } catch (e) {
    check(e instanceof TimeoutError, `asCompleted(timeout -1) threw ${String(e)}`);
  }
  yield* sleep(2); // let the task asCompleted made finish
  return problems;
}

// ---- state and loop misuse ----

function* awaitIt(aw: Future<unknown>): Coroutine<unknown> {
  return yield* aw;
}

/** A primitive bound to `other` (it had to make a task wait there). */
function boundTo(other: EventLoop) {
  const lock = new Lock();
  const sem = new Semaphore(1);
  const ev = new Event();
  const q = new Queue<number>();
  const cond = new Condition();
  other.runUntilComplete((function* () {
    yield* lock.acquire();
    yield* sem.acquire();
    const waiters = [lock.acquire(), sem.acquire(), ev.wait(), q.get()].map((c) => other.createTask(c as Coroutine<unknown>));
    const cw = other.createTask((function* () { yield* asyncWith(cond, function* () { yield* cond.wait(); }); })());
    yield* sleep(0);
    yield* sleep(0);
    for (const w of [...waiters, cw]) w.cancel();
    yield* gather([...waiters, cw], { returnExceptions: true });
    lock.release();
    sem.release();
  })());
  return { lock, sem, ev, q, cond };
}

function stateCases(): BadCase[] {
  const closed = new EventLoop({ clock: 'virtual' });
  closed.close();
  const other = new EventLoop({ clock: 'virtual' });
  const bound = boundTo(other);
  const foreignFuture = other.createFuture<number>();
  const rt = RuntimeError;
  const c = (api: string, kind: Kind, input: string, call: () => unknown, error: BadCase['error'], message: RegExp, atCall = true): BadCase => ({ api, kind, input, call, error, message, atCall });
  let coroCall: CoroutineCall<void> | null = null;
  const once = coroutine(function* once(): Coroutine<void> { yield* sleep(0); });
  return [
    // Closed loops: nothing may be scheduled on them.
    c('loop.callSoon', 'closed loop', 'a closed loop', () => closed.callSoon(noop), rt, /closed/),
    c('loop.callLater', 'closed loop', 'a closed loop', () => closed.callLater(1, noop), rt, /closed/),
    c('loop.callAt', 'closed loop', 'a closed loop', () => closed.callAt(1, noop), rt, /closed/),
    c('loop.createTask', 'closed loop', 'a closed loop', () => closed.createTask(sleep(0)), rt, /closed/),
    c('new Task', 'closed loop', 'a closed loop', () => new Task(sleep(0), { loop: closed }), rt, /closed/),
    c('loop.runUntilComplete', 'closed loop', 'a closed loop', () => closed.runUntilComplete(sleep(0)), rt, /closed/),
    c('loop.runForever', 'closed loop', 'a closed loop', () => closed.runForever(), rt, /closed/),
    c('loop.runInExecutor', 'closed loop', 'a closed loop', () => closed.runInExecutor(null, () => 1), rt, /closed/),
    c('future.setResult', 'closed loop', 'a future of a closed loop with a callback', () => {
      const f = new Future<number>({ loop: closed });
      f.addDoneCallback(noop);
      f.setResult(1);
    }, rt, /closed/),
    c('Runner.runSync', 'closed loop', 'a closed Runner', () => {
      const r = new Runner({ clock: 'virtual' });
      r.close();
      return r.runSync(sleep(0));
    }, rt, /Runner is closed|running event loop/),
    // Foreign loops.
    c('yield* future', 'foreign loop', "a future of another loop", () => awaitIt(foreignFuture), rt, /different loop/, false),
    c('waitFor', 'foreign loop', 'a future of another loop', () => waitFor(foreignFuture, 1), rt, /different loop/, false),
    c('shield', 'foreign loop', 'a future of another loop', () => awaitIt(shield(foreignFuture)), rt, /different loop/, false),
    c('gather', 'foreign loop', 'futures of two loops', () => gather([foreignFuture, doneFuture()]), ValueError, /same event loop|another one/),
    c('ensureFuture', 'foreign loop', 'a future and another loop', () => ensureFuture(foreignFuture, { loop: getRunningLoop() }), ValueError, /different loop/),
    c('Lock.acquire', 'foreign loop', 'a lock bound to another loop', () => (function* () { yield* bound.lock.acquire(); yield* bound.lock.acquire(); })(), rt, /different event loop/, false),
    c('Semaphore.acquire', 'foreign loop', 'a semaphore bound to another loop', () => (function* () { yield* bound.sem.acquire(); yield* bound.sem.acquire(); })(), rt, /different event loop/, false),
    c('Event.wait', 'foreign loop', 'an event bound to another loop', () => bound.ev.wait(), rt, /different event loop/, false),
    c('Queue.get', 'foreign loop', 'a queue bound to another loop', () => bound.q.get(), rt, /different event loop/, false),
    c('Condition.wait', 'foreign loop', 'a condition bound to another loop', () => asyncWith(bound.cond, function* () { yield* bound.cond.wait(); }), rt, /different event loop/, false),
    // Re-entrant runs.
    c('loop.runUntilComplete', 're-entrant', 'the running loop', () => getRunningLoop().runUntilComplete(sleep(0)), rt, /already running/),
    c('loop.runForever', 're-entrant', 'the running loop', () => getRunningLoop().runForever(), rt, /already running/),
    c('loop.runUntilComplete', 're-entrant', 'another loop, inside a running one', () => other.runUntilComplete(sleep(0)), rt, /another loop is running/),
    c('loop.close', 're-entrant', 'the running loop', () => getRunningLoop().close(), rt, /running event loop/),
    c('runSync', 're-entrant', 'inside a running loop', () => runSync(sleep(0)), rt, /running event loop/),
    c('Runner.runSync', 're-entrant', 'inside a running loop', () => new Runner().runSync(sleep(0)), rt, /running event loop/),
    c('TaskGroup.enter', 're-entrant', 'a group entered twice', () => (function* () {
      const tg = new TaskGroup();
      yield* asyncWith(tg, function* () {});
      yield* asyncWith(tg, function* () {});
    })(), rt, /already been entered/, false),
    c('Timeout.enter', 're-entrant', 'a timeout entered twice', () => (function* () {
      const cm = timeout(5);
      yield* asyncWith(cm, function* () { yield* asyncWith(cm, function* () {}); });
    })(), rt, /already been entered/, false),
    // A task awaiting itself.
    c('yield* task', 'self-await', 'the current task', () => awaitIt(currentTask() as Task<unknown>), rt, /cannot await on itself/, false),
    c('waitFor', 'self-await', 'the current task', () => waitFor(currentTask() as Task<unknown>, 1), rt, /cannot await on itself/, false),
    // Twice.
    c('future.setResult', 'twice', 'a result set twice', () => { const f = getRunningLoop().createFuture(); f.setResult(1); f.setResult(2); }, InvalidStateError, /invalid state/),
    c('future.setException', 'twice', 'an exception after a result', () => { const f = getRunningLoop().createFuture(); f.setResult(1); f.setException(new Error('x')); }, InvalidStateError, /invalid state/),
    c('future.setResult', 'twice', 'a result after cancel()', () => { const f = getRunningLoop().createFuture(); f.cancel(); f.setResult(1); }, InvalidStateError, /invalid state|CANCELLED/),
    c('task.setResult', 'twice', 'a Task', () => (currentTask() as Task<unknown>).setResult(1), rt, /Task does not support set_result/),
    c('task.setException', 'twice', 'a Task', () => (currentTask() as Task<unknown>).setException(new Error()), rt, /Task does not support set_exception/),
    c('Lock.release', 'twice', 'an unlocked lock', () => new Lock().release(), rt, /not acquired/),
    c('BoundedSemaphore.release', 'twice', 'one release too many', () => new BoundedSemaphore(1).release(), ValueError, /released too many times/),
    c('Queue.taskDone', 'twice', 'one taskDone() too many', () => new Queue().taskDone(), ValueError, /too many times/),
    c('yield* coroutine()', 'twice', 'a coroutine() call awaited twice', () => (function* () {
      coroCall = once();
      yield* coroCall;
      yield* coroCall;
    })(), rt, /cannot reuse already awaited coroutine/, false),
    // Other misuse.
    c('future.result', 'misuse', 'a pending future', () => getRunningLoop().createFuture().result(), InvalidStateError, /Result is not set/),
    c('future.exception', 'misuse', 'a pending future', () => getRunningLoop().createFuture().exception(), InvalidStateError, /Exception is not set/),
    c('yield future', 'misuse', 'a future yielded without *', () => (function* () { const f = getRunningLoop().createFuture(); getRunningLoop().callSoon(() => f.setResult(1)); f._asyncioFutureBlocking = false; yield f as never; })(), rt, /yield was used instead of yield\*/, false),
    c('yield coroutine', 'misuse', 'a generator yielded without *', () => (function* () { yield sleep(0) as never; })(), rt, /yield was used instead of yield\*.*generator|generator/, false),
    c('yield coroutine()', 'misuse', 'a coroutine() call yielded without *', () => (function* () { yield once() as never; })(), rt, /yield was used instead of yield\*/, false),
    c('yield value', 'misuse', 'a number yielded', () => (function* () { yield 42 as never; })(), rt, /bad yield/, false),
    c('yield promise', 'misuse', 'a Promise yielded', () => (function* () { yield Promise.resolve(1) as never; })(), rt, /Promise/, false),
    c('Condition.wait', 'misuse', 'the lock not held', () => new Condition().wait(), rt, /un-?acquired lock|not acquired|lock/, false),
    c('Condition.notify', 'misuse', 'the lock not held', () => new Condition().notify(), rt, /un-?acquired lock|not acquired|lock/),
    c('PriorityQueue.putNowait', 'misuse', 'a string after a number', () => { const q = new PriorityQueue<unknown>(); q.putNowait(1); q.putNowait('a'); }, TypeError, /not supported between/),
    c('reader.feedData', 'misuse', 'data after feedEof()', () => { const r = new StreamReader(); r.feedEof(); r.feedData('x'); }, rt, /after feedEof/),
    c('Queue.getNowait', 'misuse', 'an empty queue', () => new Queue().getNowait(), QueueEmpty, /empty/),
    c('Queue.putNowait', 'misuse', 'a full queue', () => { const q = new Queue(1); q.putNowait(1); q.putNowait(2); }, QueueFull, /full/),
    c('Queue.put', 'misuse', 'a shut-down queue', () => { const q = new Queue(); q.shutdown(); return q.put(1); }, QueueShutDown, /shut-down/, false),
    c('TaskGroup.createTask', 'misuse', 'a group not entered', () => new TaskGroup().createTask(sleep(0)), rt, /has not been entered/),
    c('wait', 'misuse', 'an empty list', () => wait([]), ValueError, /empty/),
    c('wait', 'misuse', 'a coroutine in the list', () => wait([sleep(0) as never]), TypeError, /coroutines is forbidden/),
    c('gather', 'misuse', 'two awaitables as two arguments', () => (gather as (a: unknown, b: unknown) => unknown)(doneFuture(), doneFuture()), TypeError, /one array/),
    c('Timeout.enter', 'misuse', 'a callback, not a task', () => {
      let err: unknown = null;
      getRunningLoop().callSoon(() => {
        try {
          timeout(1).enter().next();
        } catch (e) {
          err = e;
        }
      });
      return (function* () { yield* sleep(0); if (err) throw err; })();
    }, rt, /inside a task/, false),
    c('loop.runInExecutor', 'misuse', 'a generator function', () => getRunningLoop().runInExecutor(null, function* () {} as never), TypeError, /generator function|coroutines cannot/),
  ];
}

/** Calls that need no loop at all, made with none running. */
function outsideCases(): BadCase[] {
  const rt = RuntimeError;
  const c = (api: string, input: string, call: () => unknown, error: BadCase['error'], message: RegExp): BadCase => ({ api, kind: 'no loop', input, call, error, message });
  return [
    c('getRunningLoop', 'no running loop', () => getRunningLoop(), rt, /no running event loop/),
    c('createTask', 'no running loop', () => createTask(sleep(0)), rt, /no running event loop/),
    c('timeout', 'no running loop', () => timeout(1), rt, /no running event loop/),
    c('sleep', 'no running loop (its first step)', () => sleep(1), rt, /no running event loop/),
    c('allTasks', 'no running loop', () => allTasks(), rt, /no running event loop/),
    c('runSync', 'a function instead of a coroutine', () => runSync((function* main() {}) as never), TypeError, /call it, runSync\(main\(\)\)/),
    c('runSync', 'a number', () => runSync(1 as never), TypeError, /coroutine was expected/),
    c('loop.runUntilComplete', 'a number', () => new EventLoop({ clock: 'virtual' }).runUntilComplete(1 as never), TypeError, /Future|coroutine|awaitable/),
    c('currentTask(loop)', 'a string as the loop', () => currentTask('loop' as never), TypeError, /loop/),
    c('allTasks(loop)', 'a string as the loop', () => allTasks('loop' as never), TypeError, /loop/),
  ];
}

/** Programs that can never finish: the synchronous driver must say so, not hang. */
function deadlockCases(): BadCase[] {
  const c = (input: string, main: () => Coroutine<unknown>): BadCase => ({
    api: 'runSync', kind: 'deadlock', input, error: RuntimeError, message: /^deadlock:/,
    call: () => runSync(main(), { clock: 'virtual' }),
  });
  return [
    c('a future nobody resolves', function* () { yield* getRunningLoop().createFuture(); }),
    c('a lock acquired twice by one task', function* () { const l = new Lock(); yield* l.acquire(); yield* l.acquire(); }),
    c('an event never set', function* () { yield* new Event().wait(); }),
    c('a get on an empty queue', function* () { yield* new Queue().get(); }),
    c('sleep(Infinity)', function* () { yield* sleep(Infinity); }),
    c('a task gathering itself', function* () { yield* gather([currentTask() as Task<unknown>]); }),
    c('a task shielding itself', function* () { yield* shield(currentTask() as Task<unknown>); }),
    c('two tasks awaiting each other', function* () {
      const box: Task<unknown>[] = [];
      const a = createTask((function* () { yield* sleep(0); yield* box[0]; })());
      box.push(createTask((function* () { yield* a; })()));
      yield* a;
    }),
    c('a barrier one party short', function* () { yield* new Barrier(2).wait(); }),
  ];
}

describe('reliability: bad input everywhere', function () {
  this.timeout(60_000);

  it(`wrong types, NaN and infinities for ${PARAMS.length} parameters get a clear error at the call, and the loop stays usable`, () => {
    const cases = [...wrongTypeCases(), ...nanCases()];
    expect(cases.length).to.be.greaterThan(PARAMS.length * 10);
    const problems = runCases(cases);
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });

  it('negative and infinite delays do what Python does (NaN is refused above)', () => {
    const problems = runSync(acceptedDelays(), { clock: 'virtual' });
    expect(problems).to.deep.equal([]);
  });

  it('closed loops, foreign loops, re-entrant runs, self-awaits and double results get a clear error', () => {
    const problems = runCases(stateCases());
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });

  it('calls that need a running loop say so when there is none', () => {
    const problems = runOutside(outsideCases());
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });

  it('programs that can never finish end with a deadlock report instead of hanging', () => {
    // runSync's clean-up after a deadlock (cancel what is left, let it finish) cannot finish either,
    // and says so on console.error: that is expected here, and kept off the test output.
    const log = console.error;
    console.error = () => {};
    let problems: string[];
    try {
      problems = runOutside(deadlockCases());
    } finally {
      console.error = log;
    }
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });

  it('run() and runUntilCompleteAsync() reject (not throw) when misused', async () => {
    const closed = new EventLoop({ clock: 'virtual' });
    closed.close();
    const outcomes: [string, Promise<unknown>, RegExp][] = [];
    runSync((function* () {
      outcomes.push(['run() inside a running loop', run(sleep(0)), /running event loop/]);
      outcomes.push(['runUntilCompleteAsync() on a closed loop', closed.runUntilCompleteAsync(sleep(0)), /closed/]);
      outcomes.push(['runUntilCompleteAsync() of the running loop', getRunningLoop().runUntilCompleteAsync(sleep(0)), /already running/]);
    })(), { clock: 'virtual' });
    for (const [what, promise, message] of outcomes) {
      const err = await promise.then(() => null, (e: unknown) => e);
      expect(err, what).to.be.instanceOf(RuntimeError);
      expect((err as Error).message, what).to.match(message);
    }
  });

  it('cancelling and awaiting after a failed call still work (CancelledError is not swallowed)', () => {
    // The canary of bad-input.ts covers the loop; this covers the task that made the bad call.
    runSync((function* () {
      try {
        sleep(NaN);
      } catch {
        /* refused */
      }
      const t = createTask(sleep(10));
      yield* sleep(0);
      t.cancel();
      const [r] = yield* gather([t], { returnExceptions: true });
      expect(r).to.be.instanceOf(CancelledError);
    })(), { clock: 'virtual' });
  });
});
