/**
 * The loop's bookkeeping of async generators (CPython: base_events.py's
 * `_asyncgen_firstiter_hook`, `_asyncgen_finalizer_hook` and
 * `shutdown_asyncgens`, installed by `sys.set_asyncgen_hooks`).
 *
 * A generator is registered with the running loop the first time it is
 * asked for anything. It leaves the registry when its body finishes, so a
 * long-running server does not accumulate the generators it has used up.
 * Two ways remain for a generator to end unfinished:
 *   - the program ends: `run()`, `runSync()` and `Runner` call
 *     `loop.shutdownAsyncgens()` before closing the loop, which closes every
 *     generator still registered — deterministically, finally blocks and
 *     their awaits included;
 *   - it is dropped while the loop goes on: the registry holds it weakly,
 *     and when the garbage collector takes it, a FinalizationRegistry
 *     schedules the close of its body on the loop, as CPython's finalizer
 *     hook does (`call_soon_threadsafe(create_task, agen.aclose())`). The
 *     registry keeps the body (the plain generator) for that, never the
 *     AsyncGenerator object itself, which could otherwise never be collected.
 */
import { BaseException, Exception } from './exceptions';
import { EventLoop } from './loop';
import { gather } from './combinators';
import type { Coroutine } from './futures';
import type { AsyncGenerator } from './asyncgen';

/** One loop's async generators. */
interface LoopAsyncgens {
  /** Registered and not finished (Python's `loop._asyncgens`, a WeakSet). */
  live: Set<WeakRef<AsyncGenerator<unknown, unknown>>>;
  /** Python's `_asyncgens_shutdown_called`. */
  shutdownCalled: boolean;
}

/** What the FinalizationRegistry keeps for a generator: enough to close its body, nothing that holds the generator. */
interface Abandoned {
  loop: EventLoop;
  ref: WeakRef<AsyncGenerator<unknown, unknown>>;
  gen: Generator<unknown, unknown, unknown>;
  name: string;
}

const registries = new WeakMap<EventLoop, LoopAsyncgens>();

function registryOf(loop: EventLoop): LoopAsyncgens {
  let reg = registries.get(loop);
  if (reg === undefined) {
    reg = { live: new Set(), shutdownCalled: false };
    registries.set(loop, reg);
  }
  return reg;
}

const finalizer = new FinalizationRegistry<Abandoned>(closeAbandoned);

/**
 * @internal Python's `_asyncgen_firstiter_hook`: `loop` remembers `agen`
 * (weakly), which leaves when finished (`_forget`).
 */
export function _firstIter(loop: EventLoop, agen: AsyncGenerator<unknown, unknown>): void {
  const reg = registryOf(loop);
  if (reg.shutdownCalled && loop._debug) {
    // CPython warns (a ResourceWarning): this one will not be closed by the shutdown that already ran.
    loop.callExceptionHandler({ message: `asynchronous generator ${agen} was scheduled after loop.shutdownAsyncgens() call`, asyncgen: agen });
  }
  const ref = new WeakRef(agen);
  reg.live.add(ref);
  agen._loop = loop;
  agen._ref = ref;
  finalizer.register(agen, { loop, ref, gen: agen._gen, name: agen._name }, ref);
}

/** @internal The generator finished: the loop forgets it. */
export function _forget(loop: EventLoop, ref: WeakRef<AsyncGenerator<unknown, unknown>>): void {
  registries.get(loop)?.live.delete(ref);
  finalizer.unregister(ref);
}

/** @internal The generators registered with `loop` and not collected: the unfinished ones (for task trees). */
export function _liveAsyncgens(loop: EventLoop): AsyncGenerator<unknown, unknown>[] {
  const found: AsyncGenerator<unknown, unknown>[] = [];
  const reg = registries.get(loop);
  if (reg === undefined) return found;
  for (const ref of reg.live) {
    const agen = ref.deref();
    if (agen !== undefined) found.push(agen);
  }
  return found;
}

/**
 * Python's `_asyncgen_finalizer_hook`: a generator was collected unfinished.
 * Its body still holds finally blocks to run: close it on its loop, in a task.
 */
function closeAbandoned(abandoned: Abandoned): void {
  const { loop, ref, gen, name } = abandoned;
  registries.get(loop)?.live.delete(ref);
  if (loop.isClosed()) return;
  // Loaded here: lib/asyncgen.ts imports this module.
  const { _reopen } = require('./asyncgen') as typeof import('./asyncgen');
  loop.callSoonThreadsafe(startClose, loop, _reopen(gen, name));
}

function startClose(loop: EventLoop, agen: AsyncGenerator<unknown, unknown>): void {
  loop.createTask(agen.aclose(), { name: `aclose of ${agen}` });
}

declare module './loop' {
  interface EventLoop {
    /**
     * asyncio's `loop.shutdown_asyncgens()`: closes (`aclose()`, all at once
     * through `gather`) every async generator first iterated on this loop and
     * not finished yet. A generator whose close fails is reported to the
     * exception handler ("an error occurred during closing of asynchronous
     * generator …"), the others still close. `run()`, `runSync()` and
     * `Runner` call it before closing the loop. A generator first iterated
     * after it is not closed by it.
     * @example
     * loop.runUntilComplete(loop.shutdownAsyncgens());
     */
    shutdownAsyncgens(): Coroutine<void>;
  }
}

EventLoop.prototype.shutdownAsyncgens = function* shutdownAsyncgens(this: EventLoop): Coroutine<void> {
  const reg = registryOf(this);
  reg.shutdownCalled = true;
  const closing: AsyncGenerator<unknown, unknown>[] = [];
  for (const ref of reg.live) {
    const agen = ref.deref();
    if (agen !== undefined) closing.push(agen);
  }
  reg.live.clear();
  if (closing.length === 0) return;
  const results = yield* gather(
    closing.map((agen) => agen.aclose()),
    { returnExceptions: true },
  );
  for (let i = 0; i < results.length; i++) {
    const result = results[i];
    // aclose() gives undefined; anything else is what it threw. Python reports
    // Exceptions only, not BaseExceptions such as CancelledError or KeyboardInterrupt.
    if (result !== undefined && (result instanceof Exception || !(result instanceof BaseException))) {
      this.callExceptionHandler({
        message: `an error occurred during closing of asynchronous generator ${closing[i]}`,
        exception: result,
        asyncgen: closing[i],
      });
    }
  }
};
