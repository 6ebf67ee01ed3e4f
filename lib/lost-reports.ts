/**
 * Reports of things lost: an exception nobody retrieved ("Future exception
 * was never retrieved"), a `coroutine()` call nobody awaited (debug mode),
 * a task still pending when its loop closes (debug mode).
 *
 * CPython reports the first two from `__del__`, when the garbage collector
 * frees the object. A JavaScript object has no destructor, so the loop
 * holds each such object weakly (a WeakRef) and asks a FinalizationRegistry
 * to tell it when the object is collected; then the report goes to the
 * exception handler, as in CPython. And because a collection may never
 * come, whatever is still registered is reported, deterministically, when
 * the loop closes. Holding weakly is what keeps a long-running server flat:
 * a strong set of every failure nobody read would only grow until close.
 */
import type { EventLoop, ExceptionContext } from './loop';

/**
 * @internal One registered object. It keeps what the report needs
 * (`context`: message, exception, where the object was made) but the object
 * itself only weakly: an entry that held it would keep it alive forever.
 */
export interface LostEntry<T extends object> {
  readonly ref: WeakRef<T>;
  readonly context: ExceptionContext;
}

/**
 * @internal Objects to report if they are lost: `add` registers one,
 * `delete` takes it back (it was handled). One still registered is reported
 * when it is collected, or by `reportAll()` when the loop closes.
 */
export class ReportIfLost<T extends object> {
  private readonly live = new Set<LostEntry<T>>();
  private readonly registry: FinalizationRegistry<LostEntry<T>>;

  /** `key`: the context key under which a report names the object while it is still alive ('future', 'coroutine'). */
  constructor(
    private readonly loop: EventLoop,
    private readonly key: string,
  ) {
    this.registry = new FinalizationRegistry((entry) => this.collected(entry));
  }

  /** How many are registered (reported if lost). */
  get size(): number {
    return this.live.size;
  }

  /** Registers `obj`; keep the entry to take it back with `delete`. */
  add(obj: T, context: ExceptionContext): LostEntry<T> {
    const entry: LostEntry<T> = { ref: new WeakRef(obj), context };
    this.live.add(entry);
    this.registry.register(obj, entry, entry);
    return entry;
  }

  /** The object was handled: no report. */
  delete(entry: LostEntry<T>): void {
    if (this.live.delete(entry)) this.registry.unregister(entry);
  }

  /** At close: reports every object still registered — with the object itself while it is alive. */
  reportAll(): void {
    for (const entry of [...this.live]) {
      this.delete(entry);
      const obj = entry.ref.deref();
      this.loop.callExceptionHandler(obj === undefined ? { ...entry.context } : { ...entry.context, [this.key]: obj });
    }
  }

  /** The collector freed an object still registered: report it now (a closed loop has reported it already). */
  private collected(entry: LostEntry<T>): void {
    if (!this.live.delete(entry) || this.loop.isClosed()) return;
    this.loop.callExceptionHandler({ ...entry.context });
  }
}

/**
 * What `loop.close()` reports: exceptions never retrieved, then (debug mode)
 * tasks still pending and `coroutine()` calls never awaited. Deterministic,
 * unlike a collection, which may never come.
 */
export function reportAtClose(loop: EventLoop): void {
  loop._unretrieved.reportAll();
  if (!loop._debug) return;
  for (const task of loop._tasks) {
    if (task.done()) continue;
    const context: ExceptionContext = { message: 'Task was destroyed but it is pending!', task };
    if (task._sourceTraceback) context.sourceTraceback = task._sourceTraceback;
    loop.callExceptionHandler(context);
  }
  loop._unawaited.reportAll();
}
