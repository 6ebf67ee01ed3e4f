/**
 * What a loop owns in Node — its signal listeners, its UDP sockets — and
 * closes when the loop closes.
 *
 * The rule: a closed loop leaves nothing behind. A signal listener left
 * installed would swallow the signal for good (Ctrl-C would no longer end
 * the process), and an open socket would keep Node alive with nobody left to
 * read it. CPython's Unix loop does the same for signals: its `close()`
 * removes every signal handler the loop still has (`_UnixSelectorEventLoop.close`).
 *
 * lib/loop.ts stays free of Node, so this Node-only module extends
 * `EventLoop.prototype.close` the way a subclass would: the loop closes
 * first (a running loop refuses, and then nothing is released), then each
 * resource it still owns, in the order they were taken.
 */
import { EventLoop } from './loop';

/** Something a loop owns until it is released or the loop closes. */
export interface LoopResource {
  /** The loop is closing: release the Node handle now, without calling back into the loop. */
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

const closeLoop = EventLoop.prototype.close;

EventLoop.prototype.close = function close(this: EventLoop): void {
  closeLoop.call(this);
  const set = owned.get(this);
  if (set === undefined) return;
  owned.delete(this);
  for (const resource of set) resource._closeWithLoop();
};
