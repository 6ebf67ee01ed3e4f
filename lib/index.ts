/**
 * tulip: Python's asyncio in TypeScript, built on generators the way Tulip
 * (PEP 3156) was. This file is the public surface and nothing else.
 */
export * from './exceptions';
export { Future, isFuture, type Coroutine, type Suspension, type DoneCallback, type FutureOptions, type WaitInfo } from './futures';
export { asyncWith, type AsyncContextManager } from './contexts';
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
  type TaskFactory,
} from './tasks';
export { Handle, TimerHandle } from './handles';
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
export { run, runSync, Runner, type RunOptions } from './runners';
export { fromPromise, toPromise } from './promises';
export { ThreadPoolExecutor, toThread, type ThreadPoolExecutorOptions, type ModuleFunction } from './executors'; // importing it registers the default executor
