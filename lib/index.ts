/**
 * tulip: Python's asyncio in TypeScript, built on generators the way Tulip
 * (PEP 3156) was. This file is the public surface and nothing else.
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
export { run, runSync, Runner, type RunOptions, type RunnerRunOptions } from './runners';
export { fromPromise, toPromise, runCoroutineThreadsafe, type RunCoroutineThreadsafeOptions } from './promises';
export { ThreadPoolExecutor, toThread, type ThreadPoolExecutorOptions, type ShutdownOptions, type ModuleFunction } from './executors'; // importing it registers the default executor
export { cancelOnAbort } from './abort';
export { once, on, EventIterator, type OnceOptions, type OnOptions, type EventEmitterLike, type EventTargetLike } from './emitters';
export { Lock, Event, Condition, Semaphore, BoundedSemaphore, type SemaphoreOptions, type ConditionOptions } from './locks';
export { Barrier, type BarrierOptions } from './barriers';
export { Queue, PriorityQueue, LifoQueue, type QueueOptions, type PriorityQueueOptions } from './queues';
// Named by public signatures, so exported for the API reference (npm run docs).
export type { Main } from './runners';
export type { TransportOwner } from './transports';
export type { TraceEventBase } from './inspect';
export { FlowControlMixin } from './streams';
export type { PipedIf } from './subprocess';
export type { AsyncGenValue } from './asyncgen';
export type { BlockYield } from './contexts';
export type { LoopResource } from './loop-resources';
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
  type TracerOptions,
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
// Node-only I/O: importing these adds loop.createConnection(), loop.createServer(), loop.startTls(),
// loop.createUnixConnection() and loop.createUnixServer().
// (Their errors, ConnectionResetError and the rest, are exceptions.ts's: exported above.)
export { fromNodeError } from './os-errors';
export {
  SocketTransport,
  type BaseProtocol,
  type Protocol,
  type BaseTransport,
  type ReadTransport,
  type WriteTransport,
  type Transport,
  type TransportExtraInfo,
  type ConnectionOptions,
} from './transports';
export { Server, type ServerOptions } from './servers';
export {
  StreamReader,
  StreamWriter,
  StreamReaderProtocol,
  openConnection,
  startServer,
  type StreamReaderOptions,
  type StreamOptions,
  type StreamServerOptions,
  type ClientConnectedCallback,
} from './streams';
export { type ClientSSL, type ServerSSL } from './tls';
export { type StartTlsOptions } from './start-tls';
export {
  openUnixConnection,
  startUnixServer,
  type UnixConnectionOptions,
  type UnixServerOptions,
  type UnixStreamOptions,
  type UnixStreamServerOptions,
} from './unix';
export {
  createSubprocessExec,
  createSubprocessShell,
  Process,
  PIPE,
  STDOUT,
  DEVNULL,
  type SubprocessOptions,
  type StdioSpec,
} from './subprocess';
// Node-only, round two: UDP, pipes, name resolution, signals. Importing them adds
// loop.createDatagramEndpoint(), connectReadPipe()/connectWritePipe(), getaddrinfo()/getnameinfo(),
// addSignalHandler()/removeSignalHandler(), and Ctrl-C handling to run() and Runner.run().
export { DatagramProtocol, DatagramTransport, type DatagramEndpointOptions, type DatagramExtraInfo } from './datagrams';
export { ReadPipeTransport, WritePipeTransport } from './pipes';
export { type AddrInfo, type GetAddrInfoOptions } from './resolver';
export {
  AF_UNSPEC,
  AF_INET,
  AF_INET6,
  SOCK_STREAM,
  SOCK_DGRAM,
  SOCK_RAW,
  IPPROTO_TCP,
  IPPROTO_UDP,
  AI_PASSIVE,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_V4MAPPED,
  AI_ALL,
  AI_ADDRCONFIG,
  AI_NUMERICSERV,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  NI_NOFQDN,
  NI_NAMEREQD,
  NI_DGRAM,
  type AddressLike,
  type AddressInfo,
} from './addresses';
import './resolver';
import './signals';
import './sigint';
