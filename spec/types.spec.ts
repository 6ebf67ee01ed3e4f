// Type-level spec: what the compiler accepts and refuses. The test command
// type-checks spec/ with `tsc --noEmit`, so every `@ts-expect-error` below
// fails the build if the line it covers ever compiles (the mistake would no
// longer be caught), and every `Equals<…>` check fails if a type drifts.
import { expect } from 'chai';
import type { EventEmitter as NodeEventEmitter } from 'events';
import * as timersPromises from 'timers/promises';
import {
  BaseExceptionGroup,
  Barrier,
  BoundedSemaphore,
  Condition,
  EnteredContext,
  EventLoop,
  ExceptionGroup,
  Future,
  LifoQueue,
  Lock,
  OSError,
  PriorityQueue,
  Queue,
  Semaphore,
  TaskGroup,
  Timeout,
  ValueError,
  asyncWith,
  cancelOnAbort,
  coroutine,
  createTask,
  enter,
  fromPromise,
  gather,
  on,
  once,
  run,
  runSync,
  sleep,
  timeout,
  PIPE,
  STDOUT,
  createSubprocessExec,
  createSubprocessShell,
  type AddressInfo,
  type Process,
  type StreamReader,
  type StreamWriter,
  type SubprocessOptions,
  type Awaitable,
  type Coroutine,
  type CoroutineCall,
  type Task,
} from '../lib';

/** True exactly when A and B are the same type. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<A, B>(_proof: Equals<A, B>): void {}

const add = coroutine(function* add(a: number, b: number): Coroutine<number> {
  yield* sleep(0);
  return a + b;
});

function* child(): Coroutine<string> {
  return 'child';
}

function* typedProgram(fut: Future<number>): Coroutine<string> {
  // `yield* fut` evaluates to the future's T.
  const x = yield* fut;
  assertType<typeof x, number>(true);

  // A forgotten star on a future is a compile error inside a Coroutine<T>.
  // @ts-expect-error yield fut (without *) does not type-check
  yield fut;

  // The same for a coroutine and for a coroutine() call.
  // @ts-expect-error yield coro (without *) does not type-check
  yield child();
  // @ts-expect-error yield call (without *) does not type-check
  yield add(1, 2);

  // A coroutine() call is typed: its arguments are checked and yield* gives its T.
  const call = add(1, 2);
  assertType<typeof call, CoroutineCall<number>>(true);
  const y = yield* call;
  assertType<typeof y, number>(true);
  // @ts-expect-error a string is not a number argument
  add('1', 2);

  // Awaiting a plain coroutine, a task, a sleep.
  const s = yield* child();
  assertType<typeof s, string>(true);
  const t = createTask(child());
  assertType<typeof t, Task<string>>(true);
  const r = yield* t;
  assertType<typeof r, string>(true);
  const slept = yield* sleep(1, 'v');
  assertType<typeof slept, string>(true);
  const nothing = yield* sleep(1);
  assertType<typeof nothing, void>(true);

  // A bare yield (sleep(0)) is allowed.
  yield;

  // A Promise is not awaitable with yield*: it has no iterator.
  // @ts-expect-error yield* promise does not type-check (use fromPromise)
  yield* Promise.resolve(1);

  // Returning the wrong type is refused.
  if (x < 0) {
    // @ts-expect-error a number is not the declared string result
    return 5;
  }
  return `${x + y}`;
}

// A function typed Coroutine<T> without the star is a compile error.
function notAGenerator(): Coroutine<number> {
  // @ts-expect-error a plain function returning a number is not a Coroutine<number>
  return 1;
}

function typedApis(loop: EventLoop): void {
  const f = loop.createFuture<number>();
  // @ts-expect-error setResult checks the future's type
  f.setResult('one');
  f.setResult(1);
  // callSoon checks the arguments against the callback's parameters.
  loop.callSoon((a: number, b: string) => [a, b], 1, 'x');
  // @ts-expect-error the argument types must match the callback
  loop.callSoon((a: number) => a, 'x');
  // @ts-expect-error callLater needs a number delay
  loop.callLater('1', () => {});
  const done = runSync(child());
  assertType<typeof done, string>(true);
  const later = run(child());
  assertType<typeof later, Promise<string>>(true);
  const aw: Awaitable<number> = f;
  const aw2: Awaitable<number> = add(1, 2);
  void [aw, aw2, notAGenerator];
}

// ExceptionGroup<E>: the members' type, narrowed by split()/subgroup() with a class.
function typedGroups(eg: ExceptionGroup<ValueError | OSError>): void {
  // A member is an E or a nested group of them (Python's typing says the same).
  assertType<typeof eg.exceptions, readonly (ValueError | OSError | ExceptionGroup<ValueError | OSError>)[]>(true);
  const built = new ExceptionGroup('m', [new OSError('a')]);
  assertType<typeof built, ExceptionGroup<OSError>>(true);

  // split/subgroup with a class narrow the matching side; the rest keeps E.
  const [match, rest] = eg.split(OSError);
  assertType<typeof match, ExceptionGroup<OSError> | null>(true);
  assertType<typeof rest, ExceptionGroup<ValueError | OSError> | null>(true);
  assertType<ReturnType<typeof eg.subgroup<typeof OSError>>, ExceptionGroup<OSError> | null>(true);
  const sub = eg.subgroup(OSError);
  assertType<typeof sub, ExceptionGroup<OSError> | null>(true);
  // An array of classes (Python's tuple) narrows to their union.
  const either = eg.subgroup([OSError, TypeError]);
  assertType<typeof either, ExceptionGroup<OSError | TypeError> | null>(true);
  // A predicate does not narrow; it sees members and groups.
  const byPredicate = eg.subgroup((e) => e instanceof OSError);
  assertType<typeof byPredicate, ExceptionGroup<ValueError | OSError> | null>(true);
  const [p1, p2] = eg.split((e) => {
    assertType<typeof e, ValueError | OSError | ExceptionGroup<ValueError | OSError>>(true);
    return true;
  });
  assertType<[typeof p1, typeof p2], [ExceptionGroup<ValueError | OSError> | null, ExceptionGroup<ValueError | OSError> | null]>(true);

  // A member may be a group: narrow it before using an OSError's fields.
  if (match !== null) {
    // @ts-expect-error a member of ExceptionGroup<OSError> may be a nested group, which has no errno
    void match.exceptions[0].errno;
    const first = match.exceptions[0];
    if (first instanceof OSError) void first.errno;
  }
  // A BaseExceptionGroup's parts are BaseExceptionGroups.
  const base = new BaseExceptionGroup<Error>('m', [new ValueError('v')]);
  assertType<ReturnType<typeof base.split<typeof ValueError>>, [BaseExceptionGroup<ValueError> | null, BaseExceptionGroup<Error> | null]>(true);

  // @ts-expect-error a class name is not a condition
  eg.split('OSError');
  // @ts-expect-error a class that is not an error class is not a condition
  eg.split(Map);
  // @ts-expect-error a predicate returns a boolean
  eg.subgroup((e) => String(e));
}

// The group TaskGroup throws: caught as unknown, narrowed by instanceof, then split.
function* typedTaskGroup(): Coroutine<void> {
  try {
    yield* asyncWith(new TaskGroup(), function* (tg) {
      tg.createTask(child());
    });
  } catch (e) {
    if (!(e instanceof ExceptionGroup)) throw e;
    const [values, others] = e.split(ValueError);
    assertType<typeof values, ExceptionGroup<ValueError> | null>(true);
    if (others !== null) throw others;
    for (const v of values?.exceptions ?? []) void v.message;
  }
}

// gather: a tuple in input order; with returnExceptions each place is typed on its own.
function* typedGather(fut: Future<number>): Coroutine<void> {
  const t = createTask(child());
  assertType<typeof t, Task<string>>(true);
  const plain = yield* gather([t, fut, add(1, 2), sleep(1, true)]);
  assertType<typeof plain, [string, number, number, boolean]>(true);
  const settled = yield* gather([t, fut, sleep(1, true)], { returnExceptions: true });
  assertType<typeof settled, [string | Error, number | Error, boolean | Error]>(true);
  const [first] = settled;
  // @ts-expect-error an element of a returnExceptions gather may be an Error: narrow it first
  first.toUpperCase();
  if (!(first instanceof Error)) first.toUpperCase();
  const none = yield* gather([]);
  assertType<typeof none, []>(true);
}

// The constructors take Python's first argument alone or its keywords as one options object.
function typedConstructors(lock: Lock): void {
  const queues = [new Queue<number>(2), new Queue<number>({ maxsize: 2 }), new LifoQueue<number>({ maxsize: 2 }), new PriorityQueue<number>(2)];
  const sems = [new Semaphore(2), new Semaphore({ value: 2 }), new BoundedSemaphore({ value: 2 })];
  const rest = [new Barrier(2), new Barrier({ parties: 2 }), new Condition(lock), new Condition({ lock })];
  // @ts-expect-error options are Python's keywords, camelCased: maxsize, not maxSize
  new Queue({ maxSize: 2 });
  // @ts-expect-error a Semaphore's keyword is value
  new Semaphore({ permits: 2 });
  // @ts-expect-error a Barrier needs its parties
  new Barrier({});
  // @ts-expect-error a maxsize is a number
  new Queue('2');
  void [queues, sems, rest];
}

// enter(cm): the scope's value is what enter() gives; exit is awaited with yield*.
function* typedEnter(): Coroutine<number> {
  const tg = new TaskGroup();
  const scope = yield* enter(tg);
  assertType<typeof scope, EnteredContext<TaskGroup>>(true);
  assertType<typeof scope.value, TaskGroup>(true);
  const barrierScope = yield* enter(new Barrier(1));
  assertType<typeof barrierScope.value, number>(true);
  const lockScope = yield* enter(new Lock());
  assertType<typeof lockScope.value, void>(true);
  const t = timeout(1);
  const timeoutScope = yield* enter(t);
  assertType<typeof timeoutScope.value, Timeout>(true);
  try {
    return barrierScope.value;
  } catch (e) {
    // @ts-expect-error exit is a coroutine: yield scope.exit(e) (without *) does not type-check
    yield scope.exit(e);
    yield* scope.exit(e);
  } finally {
    yield* scope.exit();
    yield* lockScope.exit();
    yield* timeoutScope.exit();
    yield* barrierScope.exit();
  }
  // @ts-expect-error enter() needs an async context manager
  yield* enter({ enter() {} });
  return 0;
}

// fromPromise: a promise or a function of an AbortSignal; cancelOnAbort keeps the future's type; once is typed by its caller.
function* typedInterop(signal: AbortSignal, emitter: NodeEventEmitter): Coroutine<void> {
  const a = yield* fromPromise(Promise.resolve(1));
  assertType<typeof a, number>(true);
  const b = yield* fromPromise((s) => {
    assertType<typeof s, AbortSignal>(true);
    return timersPromises.setTimeout(1, 'x', { signal: s });
  });
  assertType<typeof b, string>(true);
  // @ts-expect-error the function must return a promise
  fromPromise((s: AbortSignal) => s.aborted);
  const t = cancelOnAbort(createTask(child()), signal);
  assertType<typeof t, Task<string>>(true);
  const args = yield* once(emitter, 'data');
  assertType<typeof args, unknown[]>(true);
  const [code] = yield* once<[number]>(emitter, 'exit');
  assertType<typeof code, number>(true);
  // @ts-expect-error once needs an EventEmitter or an EventTarget
  once({}, 'data');
  const events = on<[Buffer]>(emitter, 'data', { close: ['end'] });
  const [chunk] = yield* events.anext();
  assertType<typeof chunk, Buffer>(true);
  // @ts-expect-error on's options are close and loop
  on(emitter, 'data', { closeOn: ['end'] });
}

// A Process's streams are typed from the call's options: piped means there.
function* typedProcess(): Coroutine<void> {
  const p = yield* createSubprocessExec('ls', [], { stdout: PIPE });
  assertType<typeof p.stdout, StreamReader>(true);
  assertType<typeof p.stderr, StreamReader | null>(true);
  assertType<typeof p.stdin, StreamWriter | null>(true);
  const line = yield* p.stdout.readline(); // no `!`: it was piped
  void line;
  // @ts-expect-error stderr was not piped: it may be null
  yield* p.stderr.read();
  const [out, err] = yield* p.communicate();
  assertType<typeof out, Uint8Array>(true);
  assertType<typeof err, Uint8Array | null>(true);
  const all = yield* createSubprocessShell('cat', { stdin: PIPE, stdout: PIPE, stderr: PIPE, cwd: '/' });
  assertType<[typeof all.stdin, typeof all.stdout, typeof all.stderr], [StreamWriter, StreamReader, StreamReader]>(true);
  const merged = yield* createSubprocessExec('ls', [], { stdout: PIPE, stderr: STDOUT });
  assertType<typeof merged.stderr, StreamReader | null>(true);
  const plain = yield* createSubprocessExec('ls');
  assertType<typeof plain.stdout, StreamReader | null>(true);
  const opts: SubprocessOptions = { stdout: PIPE };
  const loose = yield* createSubprocessExec('ls', [], opts); // options typed loosely: no promise
  assertType<typeof loose.stdout, StreamReader | null>(true);
  const procs: Process[] = [p, all, merged, plain, loose]; // every Process is a Process
  void procs;
}

// A transport's addresses are TCP's { address, family, port } or a Unix
// socket's path: the type says both, so the user narrows before reading a port.
function typedExtraInfo(writer: StreamWriter): void {
  const peer = writer.getExtraInfo('peername');
  assertType<typeof peer, AddressInfo | string | undefined>(true);
  assertType<ReturnType<typeof writer.transport.getExtraInfo<'sockname'>>, AddressInfo | string | undefined>(true);
  // @ts-expect-error a Unix socket's peername is a path: no port until narrowed
  void peer?.port;
  if (typeof peer === 'object') void peer.port;
}

describe('types (checked by tsc --noEmit over spec/)', () => {
  it('a typed program also runs', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const fut = loop.createFuture<number>();
    loop.callLater(1, () => fut.setResult(40));
    // The program includes the mistakes above; at run time they are thrown back into it.
    function* main(): Coroutine<string> {
      try {
        return yield* typedProgram(fut);
      } catch (e) {
        return `runtime refused: ${(e as Error).message.split(':')[0]}`;
      }
    }
    expect(loop.runUntilComplete(main())).to.match(/^runtime refused: yield was used instead of yield\* in task/);
    loop.close();
    void typedApis; // only type-checked: it would start real runs
    void [typedGroups, typedTaskGroup, typedGather, typedConstructors, typedEnter, typedInterop, typedProcess, typedExtraInfo];
  });
});
