// Seeded scheduling (EventLoop's `shuffle` option): races found and replayed from a seed.
import { expect } from 'chai';
import {
  DefaultEventLoopPolicy,
  EventLoop,
  Runner,
  gather,
  getEventLoopPolicy,
  run,
  runSync,
  setEventLoopPolicy,
  sleep,
  type Coroutine,
} from '../../lib';

/** Three tasks that each log three steps, a bare yield apart: a race whose outcome is the schedule. */
function* racy(): Coroutine<string> {
  const out: string[] = [];
  function* worker(name: string): Coroutine<void> {
    for (let i = 0; i < 3; i++) {
      out.push(`${name}${i}`);
      yield;
    }
  }
  yield* gather([worker('a'), worker('b'), worker('c')]);
  return out.join(' ');
}

const order = (seed: number | null) => runSync(racy(), { clock: 'virtual', shuffle: seed });

describe('inspect: seeded scheduling', () => {
  it('without a seed, ready callbacks run in FIFO order', () => {
    expect(order(null)).to.equal('a0 b0 c0 a1 b1 c1 a2 b2 c2');
  });

  it('the same seed gives the same schedule', () => {
    for (const seed of [1, 2, 42, -7, 2 ** 31]) expect(order(seed)).to.equal(order(seed));
  });

  it('different seeds give different orders for a racy program', () => {
    const orders = new Set<string>();
    for (let seed = 1; seed <= 12; seed++) orders.add(order(seed));
    expect(orders.size).to.be.greaterThan(3);
  });

  it("keeps each task's own steps in order", () => {
    for (let seed = 1; seed <= 12; seed++) {
      const steps = order(seed).split(' ');
      for (const name of ['a', 'b', 'c']) {
        const mine = steps.filter((s) => s.startsWith(name));
        expect(mine).to.deep.equal([`${name}0`, `${name}1`, `${name}2`]);
      }
    }
  });

  it('never moves a timer before its deadline', () => {
    const fired = runSync(
      (function* (): Coroutine<number[]> {
        const seen: number[] = [];
        function* at(d: number): Coroutine<void> {
          yield* sleep(d);
          seen.push(d);
        }
        yield* gather([at(3), at(1), at(2), at(1)]);
        return seen;
      })(),
      { clock: 'virtual', shuffle: 5 },
    );
    expect(fired).to.deep.equal([1, 1, 2, 3]);
  });

  it('is an option of run, Runner and the policy too', async () => {
    expect(await run(racy(), { clock: 'virtual', shuffle: 3 })).to.equal(order(3));
    const runner = new Runner({ clock: 'virtual', shuffle: 3 });
    try {
      expect(runner.runSync(racy())).to.equal(order(3));
    } finally {
      runner.close();
    }
    const saved = getEventLoopPolicy();
    setEventLoopPolicy(new DefaultEventLoopPolicy({ clock: 'virtual', shuffle: 3 }));
    try {
      const loop = getEventLoopPolicy().newEventLoop();
      expect(loop.runUntilComplete(loop.createTask(racy()))).to.equal(order(3));
      loop.close();
    } finally {
      setEventLoopPolicy(saved);
    }
  });

  it("shows the seed in the loop's repr, so a failing run can be replayed", () => {
    expect(String(new EventLoop({ shuffle: 12 }))).to.match(/ shuffle=12>$/);
    expect(String(new EventLoop())).to.not.match(/shuffle/);
  });

  it('refuses a seed that is not an integer', () => {
    expect(() => new EventLoop({ shuffle: 'x' as unknown as number })).to.throw(TypeError, "shuffle must be an integer seed, got 'x'");
  });
});
