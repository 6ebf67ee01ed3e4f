// The small program the renderer specs trace: main starts tasks a and b; a
// awaits a future that b sets after one (virtual) second; main awaits a.
import { EventLoop, Tracer, sleep, type Coroutine } from '../../lib';

export interface HandOffOptions {
  /** Runs on the fresh loop before the program starts (e.g. a task factory). */
  setup?: (loop: EventLoop) => void;
  /** The name of task b (to test escaping). */
  bName?: string;
}

/** Runs the hand-off program on a virtual-clock loop with a Tracer attached; returns the Tracer. */
export function traceHandOff(options: HandOffOptions = {}): Tracer {
  const loop = new EventLoop({ clock: 'virtual' });
  const tracer = new Tracer();
  loop.addInstrument(tracer);
  options.setup?.(loop);
  const fut = loop.createFuture<number>();
  function* a(): Coroutine<number> {
    return yield* fut;
  }
  function* b(): Coroutine<void> {
    yield* sleep(1);
    fut.setResult(42);
  }
  function* main(): Coroutine<number> {
    const ta = loop.createTask(a(), { name: 'a' });
    loop.createTask(b(), { name: options.bName ?? 'b' });
    return yield* ta;
  }
  loop.runUntilComplete(loop.createTask(main(), { name: 'main' }));
  loop.close();
  return tracer;
}
