/**
 * The loop's exception handler (CPython: `call_exception_handler` and
 * `default_exception_handler` in base_events.py): where an error goes that
 * nobody can catch — a callback that threw, an exception never retrieved.
 * The custom handler (`loop.setExceptionHandler`) gets the context; without
 * one, the default handler logs the message, then every other key of the
 * context in sorted order, then the exception with its stack.
 *
 * One report nests another: when a custom handler throws, the loop reports
 * "Unhandled error in exception handler" with the handler's error as
 * `exception` and the context the handler was given as `context` (CPython's
 * `call_exception_handler`). That inner context is the error the program
 * actually had, so it is shown in full — `context: {'message': …,
 * 'exception': …, 'handle': …}` — and its exception's stack comes before the
 * handler's, as Python prints a chained exception: "During handling of the
 * above exception, another exception occurred".
 */
import { repr } from './repr';
import type { Future } from './futures';
import type { Task } from './tasks';
import type { Handle } from './handles';
import type { EventLoop } from './loop';

/** What the exception handler receives (CPython's context dict). */
export interface ExceptionContext {
  message: string;
  exception?: unknown;
  future?: Future<unknown>;
  task?: Task<unknown>;
  handle?: Handle;
  sourceTraceback?: string;
  [key: string]: unknown;
}

/** `loop.setExceptionHandler(handler)`: called with the loop and the context. */
export type ExceptionHandler = (loop: EventLoop, context: ExceptionContext) => void;

/**
 * `loop.callExceptionHandler(context)`. Reporting must never fail: a custom
 * handler that throws is reported by the default handler, with the context
 * it was given ("Unhandled error in exception handler"), and a default
 * handler that throws still gets one line out to console.error.
 */
export function callExceptionHandler(loop: EventLoop, context: ExceptionContext): void {
  const handler = loop._exceptionHandler;
  if (handler === null) {
    try {
      loop.defaultExceptionHandler(context);
    } catch (e) {
      console.error('Exception in default exception handler', e);
    }
    return;
  }
  try {
    handler(loop, context);
  } catch (exception) {
    try {
      loop.defaultExceptionHandler({ message: 'Unhandled error in exception handler', exception, context });
    } catch (e) {
      console.error('Exception in default exception handler while handling an unexpected error in custom exception handler', e);
    }
  }
}

/** The text the default exception handler logs for `context` (`loop.defaultExceptionHandler`). */
export function formatExceptionContext(context: ExceptionContext): string {
  const lines = [context.message || 'Unhandled exception in event loop'];
  for (const key of Object.keys(context).sort()) {
    if (key === 'message' || key === 'exception') continue;
    const value = context[key];
    if (key === 'sourceTraceback' && typeof value === 'string') lines.push(`Object created at (most recent call first):\n${value}`);
    else lines.push(`${key}: ${describe(value)}`);
  }
  const exc = context.exception;
  const inner = isPlainObject(context.context) ? (context.context as ExceptionContext).exception : undefined;
  if (inner !== undefined && exc !== undefined) {
    lines.push(formatError(inner), '', 'During handling of the above exception, another exception occurred:', '');
  }
  if (exc !== undefined) lines.push(formatError(exc));
  return lines.join('\n');
}

/** An error with its stack (which starts with its name and message); anything else thrown, by its repr. */
function formatError(exc: unknown): string {
  return exc instanceof Error && exc.stack ? exc.stack : repr(exc);
}

/** A plain object (a context, an options bag) as Python shows a dict; tasks, handles, futures by their toString. */
function describe(value: unknown): string {
  if (isPlainObject(value)) {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj).map((k) => `${repr(k)}: ${repr(obj[k])}`).join(', ')}}`;
  }
  return value instanceof Object && !(value instanceof Error) ? String(value) : repr(value);
}

function isPlainObject(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
