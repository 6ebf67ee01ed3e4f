/**
 * tulip for the browser: everything lib/index.ts exports but the Node-only
 * modules — worker threads (executors), sockets (transports, servers),
 * streams and child processes (subprocess), and the mapping of Node's errors
 * (os-errors; the error classes themselves are here). The core imports nothing from
 * Node, so this entry bundles for a browser as it is: spec/browser.spec.ts
 * builds it with Node's built-ins unavailable, and checks that it exports
 * exactly index.ts's names less the Node-only modules'. Keep the two files
 * in step. The playground (playground/) is built from this entry.
 */
export * from './exceptions';
export { Future, isFuture, type Coroutine, type Suspension, type DoneCallback, type DoneCallbackOptions, type FutureOptions, type WaitInfo } from './futures';
export { asyncWith, enter, EnteredContext, type AsyncContextManager } from './contexts';
export { coroutine, isCoroutine, CoroutineCall, type Frame } from './coroutines';
export {
  Task,
  isTask,
  createTask,
  currentTask,
  allTasks,
  ensureFuture,
  eagerTaskFactory,
  sleep,
  type Awaitable,
  type TaskOptions,
  type CreateTaskOptions,
  type TaskFactory,
} from './tasks';
export { Handle, TimerHandle } from './handles';
export { ContextVar, Token, Context, copyContext, type ContextVarOptions, type Missing } from './contextvars';
export {
  asyncGenerator,
  emit,
  isAsyncGenerator,
  AsyncGenerator,
  type AsyncGenBody,
  type Emission,
  type EmittedBy,
  type AsyncGenOp,
  type AsyncGenOutcome,
} from './asyncgen';
// (lib/asyncgen-hooks, loaded by lib/asyncgen, adds loop.shutdownAsyncgens())
export { aiter, anext, asyncFor, asyncCursor, AsyncCursor, type AsyncIterableLike, type AsyncIteratorLike, type JsAsyncIteration } from './aiter';

export {
  EventLoop,
  type EventLoopOptions,
  type Instrument,
  type ExceptionContext,
  type ExceptionHandler,
  type Executor,
  type ExecutorFunction,
} from './loop';
export { RealClock, VirtualClock, type Clock } from './clocks';
export {
  getRunningLoop,
  getEventLoop,
  setEventLoop,
  newEventLoop,
  getEventLoopPolicy,
  setEventLoopPolicy,
  DefaultEventLoopPolicy,
  type PolicyOptions,
} from './events';
export { run, runSync, Runner, type RunOptions, type RunnerRunOptions, type Main } from './runners';
export { fromPromise, toPromise, runCoroutineThreadsafe, type RunCoroutineThreadsafeOptions } from './promises';
export { cancelOnAbort } from './abort';
export { once, on, EventIterator, type OnceOptions, type OnOptions, type EventEmitterLike, type EventTargetLike } from './emitters';
export { Lock, Event, Condition, Semaphore, BoundedSemaphore, type SemaphoreOptions, type ConditionOptions } from './locks';
export { Barrier, type BarrierOptions } from './barriers';
export { Queue, PriorityQueue, LifoQueue, type QueueOptions, type PriorityQueueOptions } from './queues';
export {
  gather,
  shield,
  wait,
  waitFor,
  asCompleted,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  ALL_COMPLETED,
  type ReturnWhen,
  type WaitOptions,
  type GatherOptions,
  type GatherResults,
  type GatherResultsOrErrors,
  type AwaitedResult,
  type AsCompletedOptions,
  type AsCompletedIterator,
} from './combinators';
export { timeout, timeoutAt, Timeout } from './timeouts';
export { TaskGroup } from './taskgroups';
export {
  Tracer,
  formatTaskTree,
  printTaskTree,
  type TraceEvent,
  type TraceEventType,
  type TaskRef,
  type FutureRef,
  type Outcome,
  type StepCause,
  type StepAction,
  type AsyncGenAction,
  type NarrateOptions,
  type TimelineOptions,
  type SVGOptions,
  type ChromeTraceEvent,
  type Snapshot,
  type SnapshotTask,
  type SnapshotTimer,
  type TaskState,
} from './inspect'; // importing it adds loop.snapshot()
export { LoopStepper, type StepEvent } from './inspect/stepper';
