/**
 * Host waits: what an idle loop may be waiting for besides its timers, and
 * how the loop counts it. Two kinds:
 *
 *   - a wait only Node can end — a pending `fromPromise` future, a socket,
 *     a child process. The loop only counts these (`holdHostWait`). The
 *     synchronous driver refuses to wait while any is outstanding: blocking
 *     the thread would block the very Node that has to end it. And a
 *     virtual clock never jumps past one: it cannot know how long it takes.
 *   - a wait source the synchronous driver can wait for: the executor's
 *     worker threads. A worker notifies the loop's wake-up cell (`loop._wake`,
 *     an Int32Array on a SharedArrayBuffer) when a job ends; an idle loop
 *     blocks on that cell while a source is busy, then polls the sources,
 *     which schedule the results with callSoon.
 */
import type { EventLoop } from './loop';

/**
 * Something besides timers that can wake an idle loop and that the
 * synchronous driver can wait for (the executor's worker threads): while
 * `busy()`, an idle loop blocks on its wake-up cell, then calls `poll()`.
 */
export interface WaitSource {
  busy(): boolean;
  poll(): void;
}

/** Counts a wait only Node can end; the returned function ends it (calling it again does nothing). */
export function holdHostWait(loop: EventLoop): () => void {
  loop._hostWaits++;
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    loop._hostWaits--;
    if (loop._hostIdle) loop._wakeHost(); // a virtual clock may jump now
  };
}

/** Registers a wait source; returns its removal. */
export function addWaitSource(loop: EventLoop, source: WaitSource): () => void {
  loop._waitSources.add(source);
  return () => {
    loop._waitSources.delete(source);
  };
}

/** Is a wait source (an executor job) outstanding? */
export function sourcesBusy(loop: EventLoop): boolean {
  for (const source of loop._waitSources) if (source.busy()) return true;
  return false;
}

/** Lets every wait source schedule what has come in (finished executor jobs). */
export function pollSources(loop: EventLoop): void {
  for (const source of loop._waitSources) source.poll();
}
