// lib/clocks.ts: the real and virtual clocks, and how a loop picks one.
import { expect } from 'chai';
import { EventLoop, RealClock, TimerHandle, VirtualClock, sleep, type Clock, type Coroutine } from '../lib';
import { makeClock } from '../lib/clocks';

function wakeCell(value: number): Int32Array {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  cell[0] = value;
  return cell;
}

describe('clocks', () => {
  describe('RealClock', () => {
    it('is monotonic seconds', () => {
      const c = new RealClock();
      expect(c.kind).to.equal('real');
      const a = c.now();
      const b = c.now();
      expect(b).to.be.at.least(a);
      expect(a).to.be.closeTo(performance.now() / 1000, 60); // seconds, not milliseconds
    });

    it('block() returns at once when the wake-up cell is already set, and resets it', () => {
      const wake = wakeCell(1);
      new RealClock().block(null, wake);
      expect(wake[0]).to.equal(0);
    });

    it('block() with a deadline in the past does not wait', () => {
      const c = new RealClock();
      const wake = wakeCell(0);
      c.block(c.now() - 10, wake);
      expect(wake[0]).to.equal(0);
    });
  });

  describe('VirtualClock', () => {
    it('starts at 0 (or the given start) and only moves forward', () => {
      const c = new VirtualClock();
      expect(c.kind).to.equal('virtual');
      expect(c.now()).to.equal(0);
      c.advanceTo(5);
      expect(c.now()).to.equal(5);
      c.advanceTo(3);
      expect(c.now()).to.equal(5);
      expect(new VirtualClock(100).now()).to.equal(100);
    });

    it('block() waits only for the wake-up cell (a worker\'s signal), not for the deadline', () => {
      const c = new VirtualClock();
      const wake = wakeCell(1);
      c.block(1000, wake);
      expect(wake[0]).to.equal(0);
      expect(c.now()).to.equal(0);
    });
  });

  describe('makeClock', () => {
    it("maps undefined and 'real' to a RealClock, 'virtual' to a VirtualClock", () => {
      expect(makeClock(undefined)).to.be.instanceOf(RealClock);
      expect(makeClock('real')).to.be.instanceOf(RealClock);
      expect(makeClock('virtual')).to.be.instanceOf(VirtualClock);
    });

    it('accepts a Clock object of one\'s own', () => {
      const own = new VirtualClock(7);
      expect(makeClock(own)).to.equal(own);
    });

    it('refuses anything else with a TypeError naming the choices', () => {
      expect(() => makeClock('fast' as 'real')).to.throw(TypeError, "clock must be 'real', 'virtual' or a Clock object, got fast");
      expect(() => makeClock(null as unknown as 'real')).to.throw(TypeError);
      expect(() => makeClock({ now: () => 0 } as unknown as Clock)).to.throw(TypeError);
    });
  });

  describe('a loop on its clock', () => {
    it('loop.time() is the clock\'s time; a virtual loop jumps to each timer', () => {
      const loop = new EventLoop({ clock: 'virtual' });
      const seen: number[] = [];
      function* main(): Coroutine<void> {
        seen.push(loop.time());
        yield* sleep(3600);
        seen.push(loop.time());
        yield* sleep(0.25);
        seen.push(loop.time());
      }
      loop.runUntilComplete(main());
      loop.close();
      expect(seen).to.deep.equal([0, 3600, 3600.25]);
    });

    it('on the real clock the synchronous driver blocks until the deadline: a timer never fires early', () => {
      const loop = new EventLoop();
      let fired: [number, number] | null = null;
      const h: TimerHandle = loop.callLater(0.002, () => void (fired = [h.when(), loop.time()]));
      loop.runUntilComplete(sleep(0.003));
      loop.close();
      expect(fired).not.to.equal(null);
      expect(fired![1]).to.be.at.least(fired![0] - 1e-6); // the loop's clock resolution
    });

    it('on the real clock the async driver waits in Node until the deadline', async () => {
      const loop = new EventLoop();
      let fired: [number, number] | null = null;
      const h: TimerHandle = loop.callLater(0.002, () => void (fired = [h.when(), loop.time()]));
      await loop.runUntilCompleteAsync(sleep(0.003));
      loop.close();
      expect(fired![1]).to.be.at.least(fired![0] - 1e-6);
    });

    it('a custom clock drives the loop (here a virtual clock starting at 1000)', () => {
      const loop = new EventLoop({ clock: new VirtualClock(1000) });
      loop.runUntilComplete(sleep(5));
      expect(loop.time()).to.equal(1005);
      loop.close();
    });

    it('a clock without advanceTo is waited on with block(), which ends when its deadline comes', () => {
      // A clock of one's own that "sleeps" by moving its own time: no real waiting.
      let t = 0;
      const blocks: (number | null)[] = [];
      const clock: Clock = {
        kind: 'real',
        now: () => t,
        block(deadline) {
          blocks.push(deadline);
          if (deadline !== null) t = deadline;
        },
      };
      const loop = new EventLoop({ clock });
      loop.runUntilComplete(sleep(2));
      loop.close();
      expect(blocks).to.deep.equal([2]);
      expect(t).to.equal(2);
    });
  });
});
