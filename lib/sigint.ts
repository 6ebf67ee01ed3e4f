/**
 * Ctrl-C during `run()` and `Runner.run()`, as CPython's Runner does it
 * (runners.py, `Runner._on_sigint`):
 *
 * 1. The first SIGINT cancels the main task. Its cleanup runs as any
 *    cancellation's does — `finally` blocks, awaits included — and if it
 *    then ends cancelled, the run fails with `KeyboardInterrupt` instead of
 *    `CancelledError`. (A main task that swallows the cancellation and
 *    returns ends the run normally, as in Python.)
 * 2. A second SIGINT ends the process at once: after the first one the
 *    listener is gone, so Node's default action — die of SIGINT — applies,
 *    even if the cleanup hangs or blocks the thread.
 * 3. A `KeyboardInterrupt` nobody handles ends the process as interrupted:
 *    killed by SIGINT (a shell shows exit status 130), not Node's exit code 1
 *    for an unhandled rejection — what Python does with an uncaught
 *    KeyboardInterrupt.
 *
 * Like CPython, which steps in only while SIGINT has Python's default
 * handler, tulip steps in only when the program has no SIGINT listener of
 * its own when the run starts, and in the main thread (workers get no
 * signals). A listener added during the run (say
 * `loop.addSignalHandler('SIGINT', …)`) takes Ctrl-C over: tulip then leaves
 * it alone. `runSync()` does not step in: its thread never returns to Node
 * while it runs, so a listener could not run, and Ctrl-C keeps its default
 * action (the process ends at once).
 *
 * Node-only: lib/runners.ts (which also runs in a browser) calls this
 * through `Runner._interruptOnSigint`, which importing this module sets.
 */
import { isMainThread } from 'node:worker_threads';
import { KeyboardInterrupt } from './exceptions';
import { Runner, type SigintGuard } from './runners';
import type { Task } from './tasks';

/** Node's exit code for "ended by SIGINT" when the signal itself cannot do it (128 + 2). */
const INTERRUPTED_EXIT_CODE = 130;

let monitoring = false;

/**
 * From the first Ctrl-C on, an unhandled KeyboardInterrupt ends the process
 * by SIGINT. `uncaughtExceptionMonitor` sees an uncaught error (and an
 * unhandled rejection) before Node's own handling, without changing it for
 * any other error.
 */
function dieOfUnhandledInterrupt(): void {
  if (monitoring) return;
  monitoring = true;
  process.on('uncaughtExceptionMonitor', (error) => {
    if (!(error instanceof KeyboardInterrupt)) return;
    process.stderr.write(`${error.stack}\n`); // Python prints the traceback, then dies of SIGINT
    endAsInterrupted();
  });
}

/** Python's way out after Ctrl-C: default action for SIGINT, then SIGINT to ourselves. */
function endAsInterrupted(): void {
  process.removeAllListeners('SIGINT');
  process.kill(process.pid, 'SIGINT');
  process.exit(INTERRUPTED_EXIT_CODE); // only if SIGINT is ignored (say, a background job): still "interrupted"
}

/** Installs the Ctrl-C handling for one run of `task`, or returns null when tulip must not step in. */
function interruptOnSigint(task: Task<unknown>): SigintGuard | null {
  if (!isMainThread || process.listenerCount('SIGINT') > 0) return null;
  const guard: SigintGuard = { interrupts: 0, remove };
  function onSigint(): void {
    // Someone else listens now (CPython: signal.signal() replaced the runner's handler): theirs to handle.
    if (process.listenerCount('SIGINT') > 1) return;
    guard.interrupts++;
    remove(); // the next Ctrl-C finds Node's default action: the process ends at once
    dieOfUnhandledInterrupt();
    task.cancel(); // from Node's side of the loop, as a socket's data comes: callSoon wakes the loop
  }
  function remove(): void {
    process.removeListener('SIGINT', onSigint);
  }
  process.on('SIGINT', onSigint);
  return guard;
}

Runner._interruptOnSigint = interruptOnSigint;
