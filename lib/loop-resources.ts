/**
 * What a loop owns in the host — listening servers, connections, child
 * processes, UDP sockets, pipes, signal handlers, the default executor —
 * and closes when the loop closes.
 *
 * The rule: a closed loop leaves nothing behind. A server left listening
 * would keep Node alive, accepting connections nobody serves; a child still
 * running would keep it alive until the child ends; a signal listener left
 * installed would swallow the signal for good (Ctrl-C would no longer end
 * the process). CPython's process simply exits when `asyncio.run()`
 * returns, and the garbage collector closes what was left open: a
 * transport's `__del__` closes its socket, a subprocess transport's kills
 * its child, the Unix loop's `close()` removes its signal handlers. A
 * JavaScript object has no destructor, so the loop keeps a registry instead:
 * each resource registers when it is made (`ownResource`) and leaves when it
 * is closed (`releaseResource`); `loop.close()` closes whatever is still
 * there, in the order it was taken.
 *
 * What the program forgot to close is also a mistake worth hearing about:
 * in debug mode each such resource is reported to the exception handler as
 * it is closed, in CPython's words for its ResourceWarning (`unclosed
 * transport <…>`), the way lib/lost-reports.ts reports lost tasks. Things
 * CPython closes silently (signal handlers, the default executor) are
 * closed silently here too.
 *
 * The loop itself stays free of Node: this module knows only the interface.
 */
import type { EventLoop } from './loop';
import type { ExceptionContext } from './exception-handler';

/** Something a loop owns until it is released or the loop closes. */
export interface LoopResource {
  /**
   * Debug mode, at loop close: the report for a resource the program did not
   * close (`{ message: 'unclosed transport <…>', transport }`), or null when
   * nothing is to be said — it was closing already, or it is something the
   * loop closes as a matter of course.
   */
  _unclosedReport(): ExceptionContext | null;
  /** The loop is closed: release the host handle now (kill a child, close a socket), without calling back into the loop. */
  _closeWithLoop(): void;
}

const owned = new WeakMap<EventLoop, Set<LoopResource>>();

/** @internal `loop` owns `resource` from now on; closing the loop closes it. */
export function ownResource(loop: EventLoop, resource: LoopResource): void {
  let set = owned.get(loop);
  if (set === undefined) owned.set(loop, (set = new Set()));
  set.add(resource);
}

/** @internal `resource` closed by itself: the loop no longer owns it. */
export function releaseResource(loop: EventLoop, resource: LoopResource): void {
  owned.get(loop)?.delete(resource);
}

/**
 * @internal `loop.close()`'s last step, once the loop is closed: closes
 * every resource it still owns (in debug mode reporting those the program
 * left open). One that fails to close is reported and the others are still
 * closed: a half-closed loop would leave the process hanging.
 */
export function closeOwnedResources(loop: EventLoop): void {
  const set = owned.get(loop);
  if (set === undefined) return;
  // Still registered while they close, so that one that closes another (a
  // child's transport, its pipes) releases it before its turn comes.
  for (const resource of set) {
    set.delete(resource);
    try {
      const report = loop._debug ? resource._unclosedReport() : null;
      if (report !== null) loop.callExceptionHandler(report);
      resource._closeWithLoop();
    } catch (exception) {
      loop.callExceptionHandler({ message: `Error closing ${resource} with its loop`, exception });
    }
  }
  owned.delete(loop);
}
