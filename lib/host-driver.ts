/**
 * The async driver: an EventLoop hosted inside Node's own event loop
 * (`loop.runForeverAsync()`, `runUntilCompleteAsync()`, `run()`).
 *
 * The iteration is the loop's own (`_readyToRun`, `_runReady`); only step 2,
 * the wait, is different. Where the synchronous driver blocks the thread, this
 * one returns to Node and lets Node call it back:
 *   - when callbacks are ready, it runs iterations, but hands control back
 *     to Node at least every few milliseconds (`setImmediate`), so sockets
 *     and child processes are polled even while the loop is busy — CPython
 *     polls its selector with timeout 0 on every iteration for the same reason;
 *   - when idle, it arms one host timer for the earliest deadline (real
 *     clock) and returns; anything scheduled meanwhile — a host callback
 *     entering through `callSoon`, a settled promise — wakes it at once
 *     (`wakeHost`);
 *   - a virtual clock jumps to the next deadline, but never while real I/O is
 *     outstanding: it cannot know how long that takes.
 */
import { RuntimeError } from './exceptions';
import { _getRunningLoop, _setRunningLoop } from './events';
import { sourcesBusy } from './host-waits';
import type { EventLoop } from './loop';

// The async driver lets Node poll its I/O at least this often, even while busy.
const HOST_SLICE_MS = 5;
// setTimeout's largest delay; longer waits are re-armed.
const MAX_HOST_TIMER_MS = 2 ** 31 - 1;

const hostSetImmediate: (fn: () => void) => unknown =
  typeof setImmediate === 'function' ? setImmediate : (fn) => setTimeout(fn, 0);

/** @internal Runs `loop` until it stops; the caller has checked it may run. */
export function runInHost(loop: EventLoop): Promise<void> {
  loop._running = true;
  return new Promise<void>((resolve, reject) => {
    const proc = (globalThis as { process?: NodeJS.Process }).process;
    // When Node runs out of work while we wait for something, nothing can
    // ever wake us: fail the run instead of letting the process exit silently.
    const onBeforeExit = () => {
      if (loop._hostIdle) finish(new RuntimeError(loop._describeDeadlock()));
    };
    proc?.on?.('beforeExit', onBeforeExit);
    const finish = (error?: unknown) => {
      proc?.removeListener?.('beforeExit', onBeforeExit);
      loop._hostIdle = false;
      if (loop._hostTimer !== null) clearTimeout(loop._hostTimer);
      loop._hostTimer = null;
      loop._hostTick = null;
      loop._stopping = false;
      loop._running = false;
      if (error === undefined) resolve();
      else reject(error);
    };
    const tick = () => {
      if (!loop._running) return; // a stale wake-up after the run ended
      if (loop._hostTimer !== null) clearTimeout(loop._hostTimer);
      loop._hostTimer = null;
      if (loop._hostIdle) {
        loop._hostIdle = false;
        if (loop._instrumented) loop._emit('afterWait', loop.time() - loop._hostIdleSince);
      }
      if (_getRunningLoop() !== null) {
        hostSetImmediate(tick); // another loop is being driven synchronously right now
        return;
      }
      _setRunningLoop(loop);
      const started = performance.now();
      try {
        for (;;) {
          if (!loop._readyToRun()) {
            const deadline = loop._nextDeadline();
            if (deadline !== null && deadline <= loop.time() + loop._clockResolution) {
              // A timer is due already: no waiting.
            } else if (deadline !== null && loop._clock.advanceTo !== undefined && loop._hostWaits === 0 && !sourcesBusy(loop)) {
              // Virtual time jumps, but never past real I/O that is still outstanding.
              const t0 = loop.time();
              if (loop._instrumented) loop._emit('beforeWait', deadline - t0);
              loop._clock.advanceTo(deadline);
              if (loop._instrumented) loop._emit('afterWait', loop.time() - t0);
            } else {
              waitInHost(loop, deadline);
              return;
            }
          }
          loop._runReady();
          if (loop._stopping) {
            finish();
            return;
          }
          if (performance.now() - started >= HOST_SLICE_MS) {
            hostSetImmediate(tick); // let Node poll its I/O, then go on
            return;
          }
        }
      } catch (e) {
        finish(e);
      } finally {
        _setRunningLoop(null);
      }
    };
    loop._hostTick = tick;
    tick();
  });
}

/** Step 2: return to Node until a host callback, a timer or the deadline wakes the loop. */
function waitInHost(loop: EventLoop, deadline: number | null): void {
  loop._hostIdle = true;
  loop._hostIdleSince = loop.time();
  if (loop._instrumented) loop._emit('beforeWait', deadline === null ? null : Math.max(0, deadline - loop._hostIdleSince));
  if (deadline !== null && loop._clock.kind === 'real') {
    const ms = Math.min(MAX_HOST_TIMER_MS, Math.max(0, (deadline - loop.time()) * 1000));
    loop._hostTimer = setTimeout(loop._hostTick as () => void, Math.ceil(ms));
  }
}

/** @internal Ends a wait in Node: something was scheduled, so run the next iteration soon. */
export function wakeHost(loop: EventLoop): void {
  if (!loop._hostIdle || loop._hostTick === null) return;
  loop._hostIdle = false;
  if (loop._instrumented) loop._emit('afterWait', loop.time() - loop._hostIdleSince);
  if (loop._hostTimer !== null) clearTimeout(loop._hostTimer);
  loop._hostTimer = null;
  hostSetImmediate(loop._hostTick);
}
