/**
 * Waiting for events of Node's EventEmitters and the web's EventTargets —
 * JavaScript's callback world — from coroutines, the way `events.once`
 * does for async functions.
 *
 * An event comes from outside the loop (a socket, a child process, a
 * worker), so waiting for one is a host wait, as for a promise: the async
 * driver (`run()`) delivers it, and a virtual clock does not jump past it.
 * The listeners are removed as soon as the wait ends — by the event, by an
 * error, or by cancellation — so a long-lived emitter collects none.
 */
import { _getRunningLoop, getEventLoop } from './events';
import type { Future } from './futures';
import type { EventLoop } from './loop';
import { repr } from './repr';

/** What `once()` needs of an EventEmitter: Node's `on` and `removeListener`. */
export interface EventEmitterLike {
  on(name: string | symbol, listener: (...args: unknown[]) => void): unknown;
  removeListener(name: string | symbol, listener: (...args: unknown[]) => void): unknown;
}

/** What `once()` needs of an EventTarget (DOM, Node's `EventTarget`, `AbortSignal`, `MessagePort`…). */
export interface EventTargetLike {
  addEventListener(type: string, listener: (event: unknown) => void): unknown;
  removeEventListener(type: string, listener: (event: unknown) => void): unknown;
}

/**
 * Waits for `emitter` to emit `name` and gives the event's arguments, as
 * Node's `events.once()` does for a Promise: an array (for an EventTarget,
 * `[event]`). An `'error'` event emitted meanwhile fails the wait with its
 * error (unless `name` is `'error'` itself). Cancelling the wait removes
 * its listeners. Needs the async driver (`run()`), as every host wait does.
 * No asyncio counterpart: Python has no EventEmitter.
 * @example
 * const child = spawn('ls');
 * const [code] = yield* once<[number]>(child, 'exit');
 * yield* asyncWith(timeout(5), function* () { yield* once(server, 'listening'); }); // at most 5 s
 */
export function once<A extends unknown[] = unknown[]>(emitter: EventEmitterLike | EventTargetLike, name: string | symbol, loop?: EventLoop): Future<A> {
  // An emitter first, as Node's events.once decides (a NodeEventTarget is both).
  const target = !isEventEmitter(emitter) && isEventTarget(emitter);
  if (!target && !isEventEmitter(emitter)) {
    throw new TypeError(`once() needs an EventEmitter (on, removeListener) or an EventTarget (addEventListener, removeEventListener), got ${repr(emitter)}`);
  }
  if (typeof name !== 'string' && (target || typeof name !== 'symbol')) {
    throw new TypeError(`once() needs an event name (a string${target ? '' : ' or a symbol'}), got ${repr(name)}`);
  }
  const l = loop ?? _getRunningLoop() ?? getEventLoop();
  const future = l.createFuture<A>();
  const release = l._holdHostWait();
  const settle = (outcome: () => void) => {
    removeListeners();
    if (!l.isClosed() && !future.done()) outcome();
  };
  let removeListeners: () => void;
  if (target) {
    const et = emitter as EventTargetLike;
    const listener = (event: unknown) => settle(() => future.setResult([event] as A));
    et.addEventListener(name as string, listener);
    removeListeners = () => {
      release();
      et.removeEventListener(name as string, listener);
    };
  } else {
    const ee = emitter as EventEmitterLike;
    const listener = (...args: unknown[]) => settle(() => future.setResult(args as A));
    const onError = (error: unknown) => settle(() => future.setException(error ?? new Error(`'error' event emitted with ${repr(error)}`)));
    ee.on(name, listener);
    if (name !== 'error') ee.on('error', onError);
    removeListeners = () => {
      release();
      ee.removeListener(name, listener);
      if (name !== 'error') ee.removeListener('error', onError);
    };
  }
  // Cancelled (directly, by a timeout, by a TaskGroup): nothing is left listening.
  future.addDoneCallback(() => removeListeners());
  return future;
}

function isEventTarget(x: unknown): boolean {
  const t = x as Partial<EventTargetLike> | null;
  return t !== null && typeof t === 'object' && typeof t.addEventListener === 'function' && typeof t.removeEventListener === 'function';
}

function isEventEmitter(x: unknown): boolean {
  const e = x as Partial<EventEmitterLike> | null;
  return e !== null && typeof e === 'object' && typeof e.on === 'function' && typeof e.removeListener === 'function';
}
