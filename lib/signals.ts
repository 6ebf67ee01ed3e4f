/**
 * Signal handlers on the loop (CPython: unix_events.add_signal_handler and
 * remove_signal_handler), over Node's process signal events.
 *
 * A signal arrives in Node, outside the loop. The handler never runs there:
 * the listener only schedules `callback(...args)` with
 * `callSoonThreadsafe`, which wakes a loop waiting in Node, so the callback
 * runs on the loop like any other (and an error it throws goes to the
 * exception handler, never out of Node's event).
 *
 * Rules, as in asyncio:
 * - one handler per signal and loop; adding another replaces it;
 * - a coroutine is refused (wrap it: `() => { createTask(onSignal()); }`);
 * - SIGKILL and SIGSTOP cannot be caught (`RuntimeError`), an unknown
 *   signal is a `ValueError`;
 * - closing the loop removes its handlers (lib/loop-resources.ts), so the
 *   signal's default action (ending the process) comes back.
 *
 * One rule of tulip's own: while a loop has a signal handler, Node stays
 * alive, as it does for a listening server, because a program that waits
 * for SIGTERM (`yield* stop.wait()`) is not finished: CPython's loop blocks
 * in select() for it the same way. Node does not count signal listeners as
 * work, so a timer that never fires stands in for them.
 *
 * Node-only. Importing it adds `loop.addSignalHandler()` and
 * `loop.removeSignalHandler()` to EventLoop.
 */
import { constants } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { EventLoop } from './loop';
import { RuntimeError, ValueError } from './exceptions';
import { isCoroutine } from './coroutines';
import { ownResource, releaseResource, type LoopResource } from './loop-resources';
import { repr } from './repr';

declare module './loop' {
  interface EventLoop {
    /**
     * asyncio's `loop.add_signal_handler`: when the process gets `sig` (a
     * name as Node spells it, `'SIGTERM'`, or its number), run
     * `callback(...args)` on the loop. Replaces this loop's earlier handler
     * for `sig`. SIGKILL and SIGSTOP are a `RuntimeError` (`sig SIGKILL
     * cannot be caught`), an unknown signal a `ValueError`, a coroutine a
     * `TypeError`. Until it is removed (or the loop closes), the signal no
     * longer ends the process, and Node stays alive to receive it.
     * @example
     * const stop = new Event();
     * loop.addSignalHandler('SIGTERM', () => stop.set());
     * yield* stop.wait();
     */
    addSignalHandler<A extends unknown[]>(sig: NodeJS.Signals | number, callback: (...args: A) => unknown, ...args: A): void;
    /**
     * asyncio's `loop.remove_signal_handler`: removes this loop's handler
     * for `sig` and returns whether there was one. The signal's default
     * action (for most: ending the process) applies again.
     * @example
     * loop.removeSignalHandler('SIGTERM'); // true if one was installed
     */
    removeSignalHandler(sig: NodeJS.Signals | number): boolean;
  }
}

/** Signal numbers by name, as this platform has them (`os.constants.signals`). */
const SIGNALS = constants.signals as Record<string, number>;
// setTimeout's largest delay: the keep-alive timer never actually fires.
const FOREVER_MS = 2 ** 31 - 1;

function noop(): void {}

/**
 * Checks `sig` (CPython's `_check_signal`) and gives its name: Node listens
 * by name, and Python code passes numbers.
 */
function signalName(sig: unknown): string {
  if (typeof sig === 'number') {
    const name = Number.isInteger(sig) && sig > 0 ? Object.keys(SIGNALS).find((n) => SIGNALS[n] === sig) : undefined;
    if (name === undefined) throw new ValueError(`invalid signal number ${sig}`);
    return name;
  }
  if (typeof sig !== 'string') throw new TypeError(`sig must be a signal name such as 'SIGTERM' (or its number), not ${repr(sig)}`);
  if (!Object.prototype.hasOwnProperty.call(SIGNALS, sig)) {
    throw new ValueError(`invalid signal name ${repr(sig)}: use a name as Node spells it, such as 'SIGTERM' or 'SIGINT'`);
  }
  return sig;
}

/** A loop's signal handlers: one Node listener per signal, and the timer that keeps Node alive meanwhile. */
class SignalHandlers implements LoopResource {
  readonly listeners = new Map<string, () => void>();
  private keepAlive: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly loop: EventLoop) {}

  add(name: string, sig: unknown, listener: () => void): void {
    try {
      process.on(name as NodeJS.Signals, listener);
    } catch (e) {
      // Node refuses what the kernel refuses (EINVAL): CPython's words for it.
      if ((e as NodeJS.ErrnoException).code === 'EINVAL') throw new RuntimeError(`sig ${sig} cannot be caught`);
      throw e; // not seen on Linux: any other refusal, as Node says it
    }
    // The new listener is in before the old one leaves: the signal stays caught throughout.
    const previous = this.listeners.get(name);
    if (previous !== undefined) process.removeListener(name as NodeJS.Signals, previous);
    this.listeners.set(name, listener);
    if (this.keepAlive === null) {
      this.keepAlive = setInterval(noop, FOREVER_MS);
      ownResource(this.loop, this);
    }
  }

  remove(name: string): boolean {
    const listener = this.listeners.get(name);
    if (listener === undefined) return false;
    this.listeners.delete(name);
    process.removeListener(name as NodeJS.Signals, listener);
    if (this.listeners.size === 0) this._closeWithLoop();
    return true;
  }

  /** Nothing to report: closing the loop removes its handlers as a matter of course (CPython's close() does). */
  _unclosedReport(): null {
    return null;
  }

  /** Removes every listener and lets Node exit again. */
  _closeWithLoop(): void {
    for (const [name, listener] of this.listeners) process.removeListener(name as NodeJS.Signals, listener);
    this.listeners.clear();
    if (this.keepAlive !== null) clearInterval(this.keepAlive);
    this.keepAlive = null;
    releaseResource(this.loop, this);
    handlersOf.delete(this.loop);
  }

  toString(): string {
    return `<signal handlers ${[...this.listeners.keys()].join(' ')}>`;
  }
}

const handlersOf = new WeakMap<EventLoop, SignalHandlers>();

EventLoop.prototype.addSignalHandler = function addSignalHandler<A extends unknown[]>(
  this: EventLoop,
  sig: NodeJS.Signals | number,
  callback: (...args: A) => unknown,
  ...args: A
): void {
  if (isCoroutine(callback) || (typeof callback === 'function' && callback.constructor?.name === 'GeneratorFunction')) {
    throw new TypeError('coroutines cannot be used with addSignalHandler()');
  }
  if (typeof callback !== 'function') throw new TypeError(`addSignalHandler() needs a function as its callback, got ${repr(callback)}`);
  const name = signalName(sig);
  this._checkClosed();
  // CPython: set_wakeup_fd() only works in the main thread. Node delivers no signals to a worker thread.
  if (!isMainThread) throw new RuntimeError('signal handlers only work in the main thread: a worker thread receives no signals');
  let handlers = handlersOf.get(this);
  if (handlers === undefined) handlersOf.set(this, (handlers = new SignalHandlers(this)));
  const loop = this;
  handlers.add(name, sig, () => {
    loop.callSoonThreadsafe(callback, ...args);
  });
};

EventLoop.prototype.removeSignalHandler = function removeSignalHandler(this: EventLoop, sig: NodeJS.Signals | number): boolean {
  const name = signalName(sig);
  return handlersOf.get(this)?.remove(name) ?? false;
};
