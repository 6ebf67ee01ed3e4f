// Step 4 — sleep (exercises/tasks.ts: sleep).
import { expect } from 'chai';
import { mini } from './mini';
import type { Coroutine } from '../futures';

const { EventLoop, Task, getRunningLoop, run, sleep } = mini;

const now = () => getRunningLoop().time();

describe('step 4 — sleep', () => {
  it('sleep(d) resumes the coroutine when loop time reaches d, and evaluates to its result argument', () => {
    function* main(): Coroutine<string> {
      const word = yield* sleep(1.5, 'tulip');
      return `${word} at ${now()}`;
    }
    expect(run(main())).to.equal('tulip at 1.5');
  });

  it('sleeping tasks wait side by side: sleeps of 1 s and 2 s end at 2, not 3', () => {
    const ends: string[] = [];
    function* sleeper(name: string, d: number): Coroutine<void> {
      yield* sleep(d);
      ends.push(`${name} at ${now()}`);
    }
    function* main(): Coroutine<number> {
      const a = new Task(sleeper('a', 1));
      const b = new Task(sleeper('b', 2));
      yield* a;
      yield* b;
      return now();
    }
    expect(run(main())).to.equal(2);
    expect(ends).to.deep.equal(['a at 1', 'b at 2']);
  });

  it('countdown and countup interleave by time, as the timers fire', () => {
    const log: string[] = [];
    function* countdown(n: number): Coroutine<void> {
      for (; n > 0; n--) {
        log.push(`[${now()}] T-minus ${n}`);
        yield* sleep(1);
      }
    }
    function* countup(stop: number): Coroutine<void> {
      for (let x = 0; x < stop; x++) {
        log.push(`[${now()}] up ${x}`);
        yield* sleep(1.5);
      }
    }
    function* main(): Coroutine<void> {
      const down = new Task(countdown(3));
      const up = new Task(countup(3));
      yield* down;
      yield* up;
    }
    run(main());
    expect(log).to.deep.equal([
      '[0] T-minus 3',
      '[0] up 0',
      '[1] T-minus 2',
      '[1.5] up 1',
      '[2] T-minus 1',
      '[3] up 2',
    ]);
  });

  it('sleep(0) gives up exactly one iteration, with no timer', () => {
    const loop = new EventLoop();
    const log: string[] = [];
    function* a(): Coroutine<void> {
      log.push('a0');
      yield* sleep(0);
      log.push('a1');
    }
    function* b(): Coroutine<void> {
      log.push('b0');
      yield;
      log.push('b1');
      yield;
      log.push('b2');
    }
    const ta = new Task(a(), loop);
    const tb = new Task(b(), loop);
    loop._runOnce();
    expect(loop._scheduled, 'sleep(0) sets no timer').to.deep.equal([]);
    loop.runUntilComplete(tb);
    expect(ta.done()).to.equal(true);
    expect(log).to.deep.equal(['a0', 'b0', 'a1', 'b1', 'b2']);
  });

  it('a sleeping task does not keep the others from running', () => {
    const log: string[] = [];
    function* busy(): Coroutine<void> {
      for (let i = 0; i < 3; i++) {
        log.push(`busy ${i} at ${now()}`);
        yield;
      }
    }
    function* main(): Coroutine<void> {
      const t = new Task(busy());
      yield* sleep(5);
      log.push(`main woke at ${now()}`);
      yield* t;
    }
    run(main());
    expect(log).to.deep.equal(['busy 0 at 0', 'busy 1 at 0', 'busy 2 at 0', 'main woke at 5']);
  });
});
