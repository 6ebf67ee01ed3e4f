// Helpers shared by the step specs.
import type { EventLoop } from '../loop';

/** A callback that logs the loop time and reschedules itself with callSoon, `times` times in all. */
export function keepBusy(loop: EventLoop, times: number, log: string[]): void {
  let n = 0;
  const busy = () => {
    log.push(`busy at ${loop.time()}`);
    if (++n < times) loop.callSoon(busy);
  };
  loop.callSoon(busy);
}
