/**
 * The wrong-type catalogue of the bad-input spec: every parameter of the
 * public functions that takes a value of some type, with what is valid for
 * it, how to call it with a bad value, and the message that must name the
 * mistake. bad-input.ts feeds each the classic wrong values plus generated
 * ones; NaN where a time is wanted is a ValueError.
 */
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  DefaultEventLoopPolicy,
  EventLoop,
  ExceptionGroup,
  Future,
  LifoQueue,
  Lock,
  PriorityQueue,
  Queue,
  Runner,
  Semaphore,
  StreamReader,
  Task,
  TaskGroup,
  ThreadPoolExecutor,
  ValueError,
  asCompleted,
  asyncWith,
  coroutine,
  createSubprocessExec,
  createSubprocessShell,
  createTask,
  ensureFuture,
  fromPromise,
  gather,
  getRunningLoop,
  isCoroutine,
  isFuture,
  openConnection,
  openUnixConnection,
  setEventLoop,
  setEventLoopPolicy,
  shield,
  sleep,
  startServer,
  startUnixServer,
  timeout,
  timeoutAt,
  toPromise,
  toThread,
  wait,
  waitFor,
  type Coroutine,
} from '../../lib';
import { show, wrongValues, type BadCase, type Kind } from './bad-input';
import { RUNS_SCALE, SEED } from './tally';

/** Generated wrong values per parameter (besides the classics). */
const SAMPLES = Math.max(4, Math.round(12 * RUNS_SCALE));

const isNum = (v: unknown) => typeof v === 'number';
const isFn = (v: unknown) => typeof v === 'function';
const isInt = (v: unknown) => Number.isInteger(v);
const orNull = (p: (v: unknown) => boolean) => (v: unknown) => v === null || p(v);
const optional = (p: (v: unknown) => boolean) => (v: unknown) => v === undefined || p(v);
const isPlainOptions = (v: unknown) => v !== null && typeof v === 'object' && !isFuture(v) && !isCoroutine(v);
/** A plain object with only `key`, whose value (when present) passes `ok`: the options form of a constructor. */
const optionsWith = (key: string, ok: (v: unknown) => boolean) => (v: unknown) => {
  if (v === null || typeof v !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.keys(v).every((k) => k === key) && ok((v as Record<string, unknown>)[key]);
};
/** Python's first argument alone, or as the one key of an options object. */
const alone = (key: string, ok: (v: unknown) => boolean) => (v: unknown) => ok(v) || optionsWith(key, optional(ok))(v);
const isAwaitable = (v: unknown) => isFuture(v) || isCoroutine(v);
/** A readuntil() separator: non-empty bytes or string (a list of them is valid too). */
const isSeparator = (v: unknown) => (typeof v === 'string' && v !== '') || (v instanceof Uint8Array && v.length > 0);
const isIterable = (v: unknown) => v != null && typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
export const noop = () => {};
/** A function a worker thread could run (valid ones are not called: that would start a thread). */
const isPlainFunction = (v: unknown) => typeof v === 'function' && v.constructor?.name !== 'GeneratorFunction';

/** `cm.reschedule(when)` on a Timeout that is entered (a coroutine: run it). */
function rescheduleInside(when: unknown): Coroutine<void> {
  return asyncWith(timeout(null), function* (cm) {
    cm.reschedule(when as number);
  });
}

/** `cond.notify(n)` with the condition's lock held (a coroutine: run it). */
function notifyInside(n: unknown): Coroutine<void> {
  const cond = new Condition();
  return asyncWith(cond, function* () {
    cond.notify(n as number);
  });
}

/** `tg.createTask(coro)` in an entered group; its error is raised after the group exits (else the group wraps it). */
function* createTaskInside(coro: unknown): Coroutine<void> {
  let error: unknown = null;
  yield* asyncWith(new TaskGroup(), function* (tg) {
    try {
      tg.createTask(coro as Coroutine<unknown>);
    } catch (e) {
      error = e;
    }
  });
  if (error !== null) throw error;
}

/** A future that is already done: a valid awaitable that schedules nothing. */
export function doneFuture(): Future<number> {
  const f = getRunningLoop().createFuture<number>();
  f.setResult(1);
  return f;
}

interface Param {
  api: string;
  valid: (v: unknown) => boolean;
  call: (v: unknown) => unknown;
  message: RegExp;
  error?: BadCase['error'];
  /** Values for which raising when awaited is right (Python's shape: an async function). */
  late?: (v: unknown) => boolean;
}

/** Every parameter of the public functions that takes a value of a given type. */
export const PARAMS: Param[] = [
  { api: 'sleep(delay)', valid: isNum, call: (v) => sleep(v as number), message: /sleep\(\)/ },
  { api: 'loop.callSoon(callback)', valid: isFn, call: (v) => getRunningLoop().callSoon(v as () => void), message: /callSoon\(\)/ },
  { api: 'loop.callSoonThreadsafe(callback)', valid: isFn, call: (v) => getRunningLoop().callSoonThreadsafe(v as () => void), message: /callSoon/ },
  { api: 'loop.callLater(delay, …)', valid: isNum, call: (v) => getRunningLoop().callLater(v as number, noop), message: /callLater\(\)/ },
  { api: 'loop.callLater(…, callback)', valid: isFn, call: (v) => getRunningLoop().callLater(1, v as () => void), message: /callLater\(\)/ },
  { api: 'loop.callAt(when, …)', valid: isNum, call: (v) => getRunningLoop().callAt(v as number, noop), message: /callAt\(\)/ },
  { api: 'loop.callAt(…, callback)', valid: isFn, call: (v) => getRunningLoop().callAt(1, v as () => void), message: /callAt\(\)/ },
  { api: 'createTask(coro)', valid: isCoroutine, call: (v) => createTask(v as Coroutine<unknown>), message: /coroutine/ },
  { api: 'loop.createTask(coro)', valid: isCoroutine, call: (v) => getRunningLoop().createTask(v as Coroutine<unknown>), message: /coroutine/ },
  { api: 'new Task(coro)', valid: isCoroutine, call: (v) => new Task(v as Coroutine<unknown>), message: /coroutine/ },
  { api: 'ensureFuture(aw)', valid: isAwaitable, call: (v) => ensureFuture(v as Future<unknown>), message: /Future|coroutine|awaitable/ },
  { api: 'gather(aws)', valid: Array.isArray, call: (v) => gather(v as Future<unknown>[]), message: /gather\(\)/ },
  { api: 'gather([aw])', valid: isAwaitable, call: (v) => gather([v as Future<unknown>]), message: /gather\(\)/ },
  { api: 'gather(aws, options)', valid: optional(isPlainOptions), call: (v) => gather([], v as object), message: /gather\(\)/ },
  // An empty iterable is a ValueError, as in Python: wait('') is wait(set()).
  { api: 'wait(fs)', valid: () => false, call: (v) => wait(v as Future<unknown>[]), message: /wait\(\)|list of futures|Futures|empty/, error: [TypeError, ValueError] },
  { api: 'wait(fs, options)', valid: optional(isPlainOptions), call: (v) => wait([doneFuture()], v as object), message: /wait\(\)/ },
  { api: 'wait(fs, { timeout })', valid: optional(orNull(isNum)), call: (v) => wait([doneFuture()], { timeout: v as number }), message: /wait\(\)/ },
  { api: 'wait(fs, { returnWhen })', valid: (v) => v == null || v === 'FIRST_COMPLETED' || v === 'FIRST_EXCEPTION' || v === 'ALL_COMPLETED', call: (v) => wait([doneFuture()], { returnWhen: v as 'ALL_COMPLETED' }), message: /return_when|returnWhen/, error: ValueError },
  { api: 'waitFor(aw, …)', valid: isAwaitable, call: (v) => waitFor(v as Future<unknown>, 1), message: /waitFor\(\)/ },
  { api: 'waitFor(…, timeout)', valid: orNull(isNum), call: (v) => waitFor(doneFuture(), v as number), message: /waitFor\(\)/ },
  { api: 'shield(aw)', valid: isAwaitable, call: (v) => shield(v as Future<unknown>), message: /Future|coroutine|awaitable|shield/ },
  { api: 'asCompleted(aws)', valid: (v) => isIterable(v) && [...(v as Iterable<unknown>)].length === 0, call: (v) => asCompleted(v as Future<unknown>[]), message: /asCompleted\(\)|iterable|awaitable/, error: [TypeError] },
  { api: 'asCompleted(aws, { timeout })', valid: optional(orNull(isNum)), call: (v) => asCompleted([], { timeout: v as number }), message: /asCompleted\(\)/ },
  { api: 'timeout(delay)', valid: orNull(isNum), call: (v) => timeout(v as number), message: /timeout\(\)/ },
  { api: 'timeoutAt(when)', valid: orNull(isNum), call: (v) => timeoutAt(v as number), message: /timeoutAt\(\)/ },
  // reschedule() of a Timeout not entered is a RuntimeError first (as in Python), so these run inside one.
  { api: 'Timeout.reschedule(when)', valid: orNull(isNum), call: (v) => rescheduleInside(v), message: /reschedule\(\)/, late: () => true },
  { api: 'asyncWith(cm, …)', valid: () => false, call: (v) => asyncWith(v as Lock, function* () {}), message: /asyncWith\(\)/ },
  { api: 'asyncWith(…, body)', valid: isFn, call: (v) => asyncWith(new Lock(), v as () => Coroutine<void>), message: /asyncWith\(\)/ },
  { api: 'coroutine(fn)', valid: isFn, call: (v) => coroutine(v as () => Coroutine<void>), message: /coroutine\(\)/ },
  { api: 'new Future(options)', valid: optional(isPlainOptions), call: (v) => new Future(v as object), message: /Future/ },
  { api: 'new Future({ loop })', valid: optional(orNull((v) => v instanceof EventLoop)), call: (v) => new Future({ loop: v as EventLoop }), message: /loop/ },
  { api: 'future.addDoneCallback(cb)', valid: isFn, call: (v) => getRunningLoop().createFuture().addDoneCallback(v as () => void), message: /addDoneCallback\(\)/ },
  { api: 'future.setException(exc)', valid: (v) => v !== undefined && v !== null, call: (v) => getRunningLoop().createFuture().setException(v), message: /setException\(\)/ },
  { api: 'Condition.notify(n)', valid: (v) => v === undefined || (isNum(v) && !Number.isNaN(v)), call: (v) => notifyInside(v), message: /notify\(/, late: () => true },
  { api: 'TaskGroup.createTask(coro)', valid: isCoroutine, call: (v) => createTaskInside(v), message: /createTask\(\)/, late: () => true },
  { api: 'Runner.runSync(coro)', valid: isCoroutine, call: (v) => new Runner().runSync(v as Coroutine<unknown>), message: /coroutine/ },
  { api: 'new Semaphore(value)', valid: optional(alone('value', isInt)), call: (v) => new Semaphore(v as number), message: /Semaphore/ },
  { api: 'new BoundedSemaphore(value)', valid: optional(alone('value', isInt)), call: (v) => new BoundedSemaphore(v as number), message: /Semaphore/ },
  { api: 'new Condition(lock)', valid: optional(alone('lock', orNull((v) => v instanceof Lock))), call: (v) => new Condition(v as Lock), message: /Condition/ },
  { api: 'new Barrier(parties)', valid: (v) => isInt(v) || optionsWith('parties', isInt)(v), call: (v) => new Barrier(v as number), message: /Barrier|parties/, error: [TypeError, ValueError] },
  { api: 'new Queue(maxsize)', valid: optional(alone('maxsize', isInt)), call: (v) => new Queue(v as number), message: /Queue.*maxsize|maxsize/ },
  { api: 'new LifoQueue(maxsize)', valid: optional(alone('maxsize', isInt)), call: (v) => new LifoQueue(v as number), message: /maxsize/ },
  { api: 'new PriorityQueue(options)', valid: optional((v) => isInt(v) || isPlainOptions(v)), call: (v) => new PriorityQueue(v as number), message: /PriorityQueue|maxsize|options/ },
  { api: 'new EventLoop(options)', valid: optional(isPlainOptions), call: (v) => new EventLoop(v as object), message: /EventLoop\(\) options must be an object/ },
  { api: 'new EventLoop({ clock })', valid: optional((v) => v === 'real' || v === 'virtual'), call: (v) => new EventLoop({ clock: v as 'real' }), message: /clock/, error: [TypeError, ValueError] },
  { api: 'new EventLoop({ shuffle })', valid: optional(orNull(isInt)), call: (v) => new EventLoop({ shuffle: v as number }), message: /shuffle/ },
  { api: 'new EventLoop({ maxWorkers })', valid: optional((v) => isInt(v) && (v as number) > 0), call: (v) => new EventLoop({ maxWorkers: v as number }), message: /maxWorkers/, error: [TypeError, ValueError] },
  { api: 'loop.setExceptionHandler(handler)', valid: orNull(isFn), call: (v) => new EventLoop().setExceptionHandler(v as null), message: /callable|function/ },
  { api: 'loop.setTaskFactory(factory)', valid: orNull(isFn), call: (v) => new EventLoop().setTaskFactory(v as null), message: /callable|function/ },
  { api: 'loop.addInstrument(instrument)', valid: (v) => v !== null && typeof v === 'object', call: (v) => new EventLoop().addInstrument(v as object), message: /addInstrument\(\)/ },
  { api: 'loop.setDefaultExecutor(executor)', valid: () => false, call: (v) => new EventLoop().setDefaultExecutor(v as ThreadPoolExecutor), message: /setDefaultExecutor\(\)/ },
  { api: 'loop.runInExecutor(null, fn)', valid: isPlainFunction, call: (v) => getRunningLoop().runInExecutor(null, v as () => void), message: /runInExecutor\(\)|executor/ },
  // A generator function is found out when the job is sent, inside the coroutine (Python's to_thread is an async def).
  { api: 'toThread(fn)', valid: isPlainFunction, call: (v) => toThread(v as () => void), message: /toThread\(\)|worker thread|executor/, late: isFn },
  { api: 'new ThreadPoolExecutor(maxWorkers | options)', valid: (v) => v == null || (isInt(v) && (v as number) > 0) || isPlainOptions(v), call: (v) => new ThreadPoolExecutor(v as object), message: /ThreadPoolExecutor/, error: [TypeError, ValueError] },
  { api: 'new ThreadPoolExecutor({ maxWorkers })', valid: (v) => v == null || (isInt(v) && (v as number) > 0), call: (v) => new ThreadPoolExecutor({ maxWorkers: v as number }), message: /maxWorkers/, error: [TypeError, ValueError] },
  { api: 'new Runner(options)', valid: optional(isPlainOptions), call: (v) => new Runner(v as object), message: /Runner\(\) options must be an object/ },
  { api: 'new DefaultEventLoopPolicy(options)', valid: optional(isPlainOptions), call: (v) => new DefaultEventLoopPolicy(v as object), message: /DefaultEventLoopPolicy\(\) options must be an object/ },
  { api: 'setEventLoop(loop)', valid: orNull((v) => v instanceof EventLoop), call: (v) => setEventLoop(v as EventLoop), message: /loop must be an EventLoop/ },
  { api: 'setEventLoopPolicy(policy)', valid: orNull((v) => v instanceof DefaultEventLoopPolicy), call: (v) => setEventLoopPolicy(v as DefaultEventLoopPolicy), message: /policy/ },
  { api: 'toPromise(future)', valid: isFuture, call: (v) => toPromise(v as Future<unknown>), message: /toPromise\(\)/ },
  { api: 'ExceptionGroup.split(condition)', valid: isFn, call: (v) => new ExceptionGroup('m', [new Error()]).split(v as never), message: /condition/ },
  { api: 'fromPromise(promise)', valid: (v) => v != null && typeof (v as { then?: unknown }).then === 'function', call: (v) => fromPromise(v as Promise<unknown>), message: /fromPromise\(\)/ },
  { api: 'new ExceptionGroup(message, …)', valid: (v) => typeof v === 'string', call: (v) => new ExceptionGroup(v as string, [new Error()]), message: /ExceptionGroup/ },
  { api: 'new ExceptionGroup(…, exceptions)', valid: (v) => Array.isArray(v) && v.length > 0, call: (v) => new ExceptionGroup('m', v as Error[]), message: /ExceptionGroup/, error: [TypeError, ValueError] },
  { api: 'new StreamReader(options)', valid: optional(isPlainOptions), call: (v) => new StreamReader(v as object), message: /StreamReader options/ },
  { api: 'new StreamReader({ limit })', valid: optional((v) => isNum(v) && (v as number) > 0), call: (v) => new StreamReader({ limit: v as number }), message: /[Ll]imit/, error: [TypeError, ValueError] },
  { api: 'reader.feedData(data)', valid: (v) => typeof v === 'string' || v instanceof Uint8Array, call: (v) => new StreamReader().feedData(v as string), message: /feedData\(\)/ },
  { api: 'reader.readuntil(separator)', valid: (v) => v === undefined || isSeparator(v) || (Array.isArray(v) && v.length > 0 && v.every(isSeparator)), call: (v) => new StreamReader().readuntil(v as string), message: /readuntil\(\)|[Ss]eparator/, error: [TypeError, ValueError] },
  { api: 'reader.read(n)', valid: optional(isInt), call: (v) => new StreamReader().read(v as number), message: /read\(\)/ },
  { api: 'reader.readexactly(n)', valid: (v) => isInt(v) && (v as number) >= 0, call: (v) => new StreamReader().readexactly(v as number), message: /readexactly/, error: [TypeError, ValueError] },
  { api: 'openConnection(host, …)', valid: (v) => typeof v === 'string' && v !== '', call: (v) => openConnection(v as string, 1), message: /openConnection\(\)/ },
  { api: 'openConnection(…, port)', valid: (v) => isInt(v) && (v as number) >= 0 && (v as number) <= 65535, call: (v) => openConnection('127.0.0.1', v as number), message: /openConnection\(\)|port/, error: [TypeError, ValueError] },
  { api: 'loop.createConnection(protocolFactory, …)', valid: isFn, call: (v) => getRunningLoop().createConnection(v as () => never, '127.0.0.1', 1), message: /createConnection\(\)/ },
  { api: 'loop.createConnection(…, port)', valid: (v) => isInt(v) && (v as number) >= 0 && (v as number) <= 65535, call: (v) => getRunningLoop().createConnection(() => ({}), '127.0.0.1', v as number), message: /createConnection\(\)|port/, error: [TypeError, ValueError] },
  { api: 'loop.createServer(protocolFactory, …)', valid: isFn, call: (v) => getRunningLoop().createServer(v as () => never, '127.0.0.1', 0), message: /createServer\(\)/ },
  { api: 'loop.createServer(…, port)', valid: (v) => isInt(v) && (v as number) >= 0 && (v as number) <= 65535, call: (v) => getRunningLoop().createServer(() => ({}), '127.0.0.1', v as number), message: /createServer\(\)|port/, error: [TypeError, ValueError] },
  { api: 'startServer(clientConnected, …)', valid: isFn, call: (v) => startServer(v as () => void, '127.0.0.1', 0), message: /startServer\(\)/ },
  { api: 'startServer(…, host, …)', valid: (v) => v == null || typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((h) => typeof h === 'string' && h !== '')), call: (v) => startServer(noop, v as string, 0), message: /startServer\(\)/ },
  { api: 'startServer(…, options)', valid: optional(isPlainOptions), call: (v) => startServer(noop, '127.0.0.1', 0, v as object), message: /startServer\(\)/ },
  { api: 'openConnection(…, options)', valid: optional(isPlainOptions), call: (v) => openConnection('127.0.0.1', 1, v as object), message: /openConnection\(\)/ },
  { api: 'openConnection(…, { ssl })', valid: (v) => v == null || typeof v === 'boolean' || isPlainOptions(v), call: (v) => openConnection('127.0.0.1', 1, { ssl: v as boolean }), message: /ssl/ },
  { api: 'openUnixConnection(path)', valid: (v) => typeof v === 'string' && v !== '', call: (v) => openUnixConnection(v as string), message: /openUnixConnection\(\)/ },
  { api: 'startUnixServer(…, path)', valid: (v) => typeof v === 'string' && v !== '', call: (v) => startUnixServer(noop, v as string), message: /startUnixServer\(\)/ },
  { api: 'loop.createUnixConnection(protocolFactory, …)', valid: isFn, call: (v) => getRunningLoop().createUnixConnection(v as () => never, '/tmp/x.sock'), message: /createUnixConnection\(\)/ },
  { api: 'startServer(…, port)', valid: (v) => isInt(v) && (v as number) >= 0 && (v as number) <= 65535, call: (v) => startServer(noop, '127.0.0.1', v as number), message: /startServer\(\)|port/, error: [TypeError, ValueError] },
  { api: 'createSubprocessExec(program, …)', valid: (v) => typeof v === 'string' && v !== '', call: (v) => createSubprocessExec(v as string), message: /createSubprocessExec\(\)/ },
  { api: 'createSubprocessExec(…, args)', valid: (v) => v === undefined || (Array.isArray(v) && v.every((x) => typeof x === 'string')), call: (v) => createSubprocessExec('true', v as string[]), message: /createSubprocessExec\(\)/ },
  { api: 'createSubprocessExec(…, options)', valid: optional(isPlainOptions), call: (v) => createSubprocessExec('true', [], v as object), message: /createSubprocessExec\(\)/ },
  { api: 'createSubprocessExec(…, { stdin })', valid: (v) => v == null || v === -1 || v === -3 || (isInt(v) && (v as number) >= 0), call: (v) => createSubprocessExec('true', [], { stdin: v as number }), message: /stdin/, error: [TypeError, ValueError] },
  { api: 'createSubprocessShell(cmd)', valid: (v) => typeof v === 'string' && v !== '', call: (v) => createSubprocessShell(v as string), message: /createSubprocessShell\(\)/ },
];

export function wrongTypeCases(): BadCase[] {
  const cases: BadCase[] = [];
  PARAMS.forEach((p, i) => {
    for (const v of wrongValues(p.valid, SAMPLES, SEED + i)) {
      let kind: Kind = 'wrong type';
      // NaN, negative and infinite count apart only where a number is what the parameter takes.
      if (typeof v === 'number' && p.valid(1)) kind = Number.isNaN(v) ? 'NaN' : v === Infinity || v === -Infinity ? 'Infinity' : v < 0 ? 'negative' : 'wrong type';
      // A number of the wrong kind (fractional, negative, out of range) may be a ValueError, as in Python.
      const error = p.error ?? (typeof v === 'number' ? [TypeError, ValueError] : TypeError);
      cases.push({ api: p.api, kind, input: show(v), call: () => p.call(v), error, message: p.message, atCall: !(p.late?.(v) ?? false) });
    }
  });
  return cases;
}

/** NaN where a time is wanted: refused with a ValueError that says NaN. */
const TIME_PARAMS: [string, (v: number) => unknown][] = [
  ['sleep(delay)', (v) => sleep(v)],
  ['loop.callLater(delay, …)', (v) => getRunningLoop().callLater(v, noop)],
  ['loop.callAt(when, …)', (v) => getRunningLoop().callAt(v, noop)],
  ['waitFor(…, timeout)', (v) => waitFor(doneFuture(), v)],
  ['wait(fs, { timeout })', (v) => wait([doneFuture()], { timeout: v })],
  ['asCompleted(aws, { timeout })', (v) => asCompleted([], { timeout: v })],
  ['timeout(delay)', (v) => timeout(v)],
  ['timeoutAt(when)', (v) => timeoutAt(v)],
  ['Timeout.reschedule(when)', (v) => rescheduleInside(v)],
];

export function nanCases(): BadCase[] {
  return TIME_PARAMS.map(([api, call]) => ({ api, kind: 'NaN' as Kind, input: 'NaN', call: () => call(NaN), error: ValueError, message: /NaN/, atCall: !api.startsWith('Timeout') }));
}
