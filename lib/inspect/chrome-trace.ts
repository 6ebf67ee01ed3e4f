/**
 * toChromeTrace(): the trace in Chrome's trace-event format, which
 * chrome://tracing and ui.perfetto.dev open. Each task is a thread (tid),
 * the loop's own callbacks and waits are thread 0; each step is a complete
 * ("X") slice, each wake-up a flow arrow ("s" → "f").
 *
 * Timestamps are loop time in microseconds, except that each event is at
 * least 1 µs after the one before: on a virtual clock a whole step takes no
 * time at all, and a zero-width slice would not show.
 */
import { sentence } from './render-text';
import type { TraceEvent } from './trace-events';

/** One event of the trace-event format (the fields tulip uses). */
export interface ChromeTraceEvent {
  name: string;
  ph: 'X' | 's' | 'f' | 'M' | 'i';
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  id?: number;
  cat?: string;
  bp?: 'e';
  s?: 't';
  args?: Record<string, unknown>;
}

const PID = 1;

/**
 * The trace as Chrome trace-event JSON (a string with `{ traceEvents: [...] }`).
 * `dropped`: how many earlier events a bounded Tracer dropped (said in `otherData`).
 */
export function toChromeTrace(events: readonly TraceEvent[], dropped = 0): string {
  // Microseconds per event, strictly increasing, so nested events fall inside their slices.
  const ts: number[] = [];
  let prev = -Infinity;
  for (const e of events) {
    prev = Math.max(Math.round(e.time * 1e6), prev + 1);
    ts.push(prev);
  }
  const out: ChromeTraceEvent[] = [
    { name: 'process_name', ph: 'M', pid: PID, tid: 0, args: { name: 'tulip event loop' } },
    { name: 'thread_name', ph: 'M', pid: PID, tid: 0, args: { name: '(loop callbacks)' } },
    { name: 'thread_sort_index', ph: 'M', pid: PID, tid: 0, args: { sort_index: 0 } },
  ];
  const named = new Set<number>();
  const open = new Map<number, number[]>(); // tid → indexes of open step events (eager steps nest)
  const doneAt = new Map<number, { ts: number; tid: number }>(); // futureDone seq → where it happened
  const current: number[] = []; // tids of the steps/callbacks running now, innermost last
  let callbackStart = -1;
  let waitStart = -1;
  let flowId = 0;
  const thread = (id: number, name: string) => {
    if (named.has(id)) return;
    named.add(id);
    out.push({ name: 'thread_name', ph: 'M', pid: PID, tid: id, args: { name: `Task '${name}'` } });
    out.push({ name: 'thread_sort_index', ph: 'M', pid: PID, tid: id, args: { sort_index: id } });
  };
  const leave = (tid: number) => {
    if (current[current.length - 1] === tid) current.pop();
  };

  events.forEach((e, i) => {
    switch (e.type) {
      case 'taskCreated':
        thread(e.task.id, e.task.name);
        out.push({ name: `created ${e.task.name}`, ph: 'i', s: 't', pid: PID, tid: e.task.id, ts: ts[i], cat: 'task' });
        break;
      case 'stepStart': {
        thread(e.task.id, e.task.name);
        const stack = open.get(e.task.id) ?? [];
        stack.push(i);
        open.set(e.task.id, stack);
        current.push(e.task.id);
        if (e.cause.kind === 'wakeup') {
          const from = doneAt.get(e.cause.doneSeq);
          if (from !== undefined) {
            const id = ++flowId;
            out.push({ name: 'wakeup', cat: 'wakeup', ph: 's', id, pid: PID, tid: from.tid, ts: from.ts });
            out.push({ name: 'wakeup', cat: 'wakeup', ph: 'f', bp: 'e', id, pid: PID, tid: e.task.id, ts: ts[i] });
          }
        }
        break;
      }
      case 'stepEnd': {
        const start = open.get(e.task.id)?.pop();
        leave(e.task.id);
        if (start === undefined) break; // attached mid-step
        const begin = events[start];
        out.push({
          name: e.task.name,
          cat: 'step',
          ph: 'X',
          pid: PID,
          tid: e.task.id,
          ts: ts[start],
          dur: ts[i] - ts[start],
          args: { step: sentence(begin) as string /* a step always has one */, then: sentence(e) ?? 'finishes', loopTime: begin.time },
        });
        break;
      }
      case 'futureDone':
        if (current.length > 0) doneAt.set(e.seq, { ts: ts[i], tid: current[current.length - 1] });
        break;
      case 'callback':
        callbackStart = i;
        current.push(0);
        break;
      case 'callbackEnd':
        leave(0);
        if (callbackStart >= 0) {
          const begin = events[callbackStart] as Extract<TraceEvent, { type: 'callback' }>;
          out.push({ name: begin.callback, cat: begin.timer ? 'timer' : 'callback', ph: 'X', pid: PID, tid: 0, ts: ts[callbackStart], dur: ts[i] - ts[callbackStart], args: { loopTime: begin.time } });
        }
        callbackStart = -1;
        break;
      case 'asyncgen':
        // An instant on the task's thread: it asks the generator, or the generator answers.
        out.push({ name: `${e.action} ${e.generator}${e.value ? ` ${e.value}` : ''}`, ph: 'i', s: 't', pid: PID, tid: e.task.id, ts: ts[i], cat: 'asyncgen' });
        break;
      case 'wait':
        waitStart = i;
        break;
      case 'waited':
        if (waitStart >= 0) out.push({ name: e.virtual ? 'idle (virtual clock jumps)' : 'idle (waiting)', cat: 'wait', ph: 'X', pid: PID, tid: 0, ts: ts[waitStart], dur: Math.max(1, ts[i] - ts[waitStart]), args: { waited: e.waited } });
        waitStart = -1;
        break;
      default:
        break;
    }
  });
  const otherData = dropped === 0 ? { producer: 'tulip Tracer' } : { producer: 'tulip Tracer', droppedEvents: dropped };
  return JSON.stringify({ traceEvents: out, displayTimeUnit: 'ms', otherData });
}
