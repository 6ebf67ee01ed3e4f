// Step 7 — a Lock (exercises/locks.ts: acquire, release).
import { expect } from 'chai';
import { mini } from './mini';
import type { Coroutine } from '../futures';
import type { Lock as LockType } from '../locks';

const { Task, Lock, getRunningLoop, run, sleep } = mini;

const now = () => getRunningLoop().time();

/** Holds the lock for `hold` seconds, logging when it gets it and lets go. */
function* worker(lock: LockType, name: string, hold: number, log: string[]): Coroutine<void> {
  yield* lock.acquire();
  try {
    log.push(`${name} in at ${now()}`);
    yield* sleep(hold);
    log.push(`${name} out at ${now()}`);
  } finally {
    lock.release();
  }
}

describe('step 7 — a Lock', () => {
  it('acquire() of a free lock takes it at once, without giving up the loop; locked() tells', () => {
    const log: string[] = [];
    function* main(): Coroutine<void> {
      const lock = new Lock();
      expect(lock.locked()).to.equal(false);
      new Task(
        (function* (): Coroutine<void> {
          log.push('other task ran');
        })(),
      );
      expect(yield* lock.acquire()).to.equal(true);
      log.push('main has the lock');
      expect(lock.locked()).to.equal(true);
      lock.release();
      expect(lock.locked()).to.equal(false);
      yield* sleep(0);
    }
    run(main());
    expect(log).to.deep.equal(['main has the lock', 'other task ran']);
  });

  it('release() of a lock that is not locked throws Error("Lock is not acquired.")', () => {
    expect(() => new Lock().release()).to.throw('Lock is not acquired.');
  });

  it('critical sections never overlap, and waiters get the lock first come, first served', () => {
    const log: string[] = [];
    function* main(): Coroutine<void> {
      const lock = new Lock();
      const tasks = ['a', 'b', 'c', 'd'].map((name) => new Task(worker(lock, name, 1, log)));
      for (const t of tasks) yield* t;
      expect(lock.locked()).to.equal(false);
      expect(lock._waiters).to.deep.equal([]);
    }
    run(main());
    expect(log).to.deep.equal([
      'a in at 0', 'a out at 1',
      'b in at 1', 'b out at 2',
      'c in at 2', 'c out at 3',
      'd in at 3', 'd out at 4',
    ]);
  });

  it('no barging: a task that asks between release() and the woken waiter taking the lock queues behind it', () => {
    const log: string[] = [];
    function* main(): Coroutine<void> {
      const lock = new Lock();
      yield* lock.acquire();
      const b = new Task(worker(lock, 'b', 1, log));
      yield* sleep(1); // b waits now
      lock.release(); // b is woken, but has not run yet: the lock is free...
      yield* lock.acquire(); // ...yet main, asking again at once, must wait for its turn
      log.push(`main in at ${now()}`);
      lock.release();
      yield* b;
    }
    run(main());
    expect(log).to.deep.equal(['b in at 1', 'b out at 2', 'main in at 2']);
  });

  it('a waiter cancelled while it waits leaves the queue and never gets the lock', () => {
    const log: string[] = [];
    function* main(): Coroutine<void> {
      const lock = new Lock();
      const a = new Task(worker(lock, 'a', 2, log));
      const b = new Task(worker(lock, 'b', 1, log));
      const c = new Task(worker(lock, 'c', 1, log));
      yield* sleep(1);
      expect(lock._waiters).to.have.length(2);
      b.cancel();
      yield* sleep(0);
      expect(lock._waiters, 'b left the queue').to.have.length(1);
      yield* a;
      yield* c;
      expect(b.cancelled()).to.equal(true);
    }
    run(main());
    expect(log).to.deep.equal(['a in at 0', 'a out at 2', 'c in at 2', 'c out at 3']);
  });

  it('a waiter cancelled just after release() chose it passes the lock on: the next waiter still gets it', () => {
    const log: string[] = [];
    function* main(): Coroutine<void> {
      const lock = new Lock();
      yield* lock.acquire();
      const b = new Task(worker(lock, 'b', 1, log));
      const c = new Task(worker(lock, 'c', 1, log));
      yield* sleep(1);
      lock.release(); // wakes b...
      b.cancel(); // ...which is cancelled before it can take the lock
      yield* c; // without the hand-over, nobody would ever wake c
      expect(b.cancelled()).to.equal(true);
      expect(lock.locked()).to.equal(false);
    }
    run(main());
    expect(log).to.deep.equal(['c in at 1', 'c out at 2']);
  });

  it('after the queue empties, the lock is taken at once again', () => {
    const log: string[] = [];
    function* main(): Coroutine<void> {
      const lock = new Lock();
      yield* worker(lock, 'a', 1, log);
      const before = now();
      yield* lock.acquire();
      log.push(`again at ${now() - before}`);
      lock.release();
    }
    run(main());
    expect(log).to.deep.equal(['a in at 0', 'a out at 1', 'again at 0']);
  });
});
