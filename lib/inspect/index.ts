/**
 * Seeing inside (tulip's own; docs/seeing-inside.md): the Tracer and its renderers,
 * loop.snapshot(), the task tree, and the deadlock report. Importing this
 * module adds `snapshot()` to EventLoop.
 */
export { Tracer, type TracerOptions } from './tracer';
export type { TraceEvent, TraceEventType, TaskRef, FutureRef, Outcome, StepCause, StepAction, AsyncGenAction, Base as TraceEventBase } from './trace-events';
export type { NarrateOptions, TimelineOptions } from './render-text';
export type { SVGOptions } from './render-svg';
export type { ChromeTraceEvent } from './chrome-trace';
export type { Snapshot, SnapshotTask, SnapshotTimer } from './snapshot';
export type { TaskState } from './describe';
export { formatTaskTree, printTaskTree } from './tasktree';
import './snapshot'; // adds EventLoop.prototype.snapshot
