// Step 8 — where the loop waits (exercises/loop.ts: the timeout and the select() in
// _runOnce, addReader, removeReader, sockRecv), on the simulated selector of
// exercises/selector.ts.
import { expect } from 'chai';
import { mini } from './mini';
import { keepBusy } from './support';
import { Selector } from '../selector';
import type { Coroutine } from '../futures';

const { EventLoop, Future, Task, getRunningLoop, run, sleep } = mini;

const now = () => getRunningLoop().time();

describe('step 8 — where the loop waits', () => {
  describe('the simulated selector (exercises/selector.ts, given)', () => {
    it('select(timeout) waits until a watched fd has data, but never longer than the timeout', () => {
      const clock = { now: 0 };
      const sel = new Selector(clock);
      const cb = () => undefined;
      sel.register(3, cb);
      sel.feed(3, 5, 'hello');
      expect(sel.select(2)).to.deep.equal([]);
      expect(clock.now).to.equal(2);
      expect(sel.select(0), 'timeout 0: just look').to.deep.equal([]);
      expect(clock.now).to.equal(2);
      expect(sel.select(null)).to.deep.equal([{ fd: 3, callback: cb }]);
      expect(clock.now).to.equal(5);
      expect(sel.select(0), 'readable until read').to.have.length(1);
      expect(sel.read(3)).to.equal('hello');
      expect(sel.select(0)).to.deep.equal([]);
    });

    it('data for an fd nobody watches does not end the wait; select(null) with nothing to wait for throws', () => {
      const clock = { now: 0 };
      const sel = new Selector(clock);
      sel.feed(4, 1, 'unwatched');
      expect(() => sel.select(null)).to.throw(/wait forever/);
      expect(sel.select(3)).to.deep.equal([]);
      expect(clock.now).to.equal(3);
      sel.register(4, () => undefined);
      expect(sel.select(0), 'it arrived meanwhile').to.have.length(1);
      expect(() => sel.register(4, () => undefined)).to.throw('fd 4 is already registered');
      expect(sel.unregister(4)).to.equal(true);
      expect(sel.unregister(4)).to.equal(false);
    });
  });

  it('a reader runs when data arrives on its fd: with nothing else to do, the loop waits in select() until then', () => {
    const loop = new EventLoop();
    const log: string[] = [];
    loop._selector.feed(3, 7, 'ping');
    loop.addReader(3, () => {
      log.push(`${loop._selector.read(3)} at ${loop.time()}`);
      loop.removeReader(3);
    });
    loop._runOnce();
    expect(log).to.deep.equal(['ping at 7']);
  });

  it('a timer due before the data limits the wait: select() returns at the timer (timeout = time to the next timer)', () => {
    const loop = new EventLoop();
    const log: string[] = [];
    loop._selector.feed(3, 3, 'data');
    loop.addReader(3, () => {
      log.push(`reader at ${loop.time()}`);
      loop.removeReader(3);
    });
    loop.callLater(1, () => log.push(`timer at ${loop.time()}`));
    loop._runOnce();
    expect(log).to.deep.equal(['timer at 1']);
    loop._runOnce();
    expect(log).to.deep.equal(['timer at 1', 'reader at 3']);
  });

  it('data due before the timer: the reader runs on arrival, the timer still at its own time', () => {
    const loop = new EventLoop();
    const log: string[] = [];
    loop._selector.feed(3, 2, 'data');
    loop.addReader(3, () => {
      log.push(`reader at ${loop.time()}`);
      loop.removeReader(3);
    });
    loop.callLater(5, () => log.push(`timer at ${loop.time()}`));
    loop._runOnce();
    loop._runOnce();
    expect(log).to.deep.equal(['reader at 2', 'timer at 5']);
  });

  it('while callbacks are ready, select() does not wait (timeout 0): time stands still until the loop is idle', () => {
    const loop = new EventLoop();
    const log: string[] = [];
    loop._selector.feed(3, 0.5, 'late');
    loop.addReader(3, () => {
      log.push(`reader at ${loop.time()}`);
      loop.removeReader(3);
    });
    keepBusy(loop, 3, log);
    for (let i = 0; i < 4; i++) loop._runOnce();
    expect(log).to.deep.equal(['busy at 0', 'busy at 0', 'busy at 0', 'reader at 0.5']);
  });

  it('data that is there already is seen in the same iteration; its reader runs after the callbacks that were ready', () => {
    const loop = new EventLoop();
    const log: string[] = [];
    loop._selector.feed(3, 0, 'now');
    loop.addReader(3, () => {
      log.push('reader');
      loop.removeReader(3);
    });
    loop.callSoon(() => log.push('ready callback'));
    loop._runOnce();
    expect(log).to.deep.equal(['ready callback', 'reader']);
  });

  it('removeReader(fd): the callback is not called any more; false if the fd was not watched', () => {
    const loop = new EventLoop();
    const log: string[] = [];
    loop.addReader(3, () => log.push('reader'));
    expect(loop.removeReader(3)).to.equal(true);
    expect(loop.removeReader(3)).to.equal(false);
    loop._selector.feed(3, 1, 'ignored');
    loop.callLater(2, () => log.push('timer'));
    loop._runOnce();
    expect(log).to.deep.equal(['timer']);
  });

  it('nothing ready, no timer, no fd: the loop says it would wait forever', () => {
    const loop = new EventLoop();
    expect(() => loop.runUntilComplete(new Future<void>(loop))).to.throw(/wait forever/);
  });

  it('sockRecv(fd) waits for data as a coroutine; the other tasks and the timers go on meanwhile', () => {
    const log: string[] = [];
    function* receiver(): Coroutine<string> {
      const data = yield* getRunningLoop().sockRecv(5);
      log.push(`received ${data} at ${now()}`);
      return data;
    }
    function* ticker(): Coroutine<void> {
      for (let i = 0; i < 3; i++) {
        yield* sleep(1);
        log.push(`tick at ${now()}`);
      }
    }
    function* main(): Coroutine<string> {
      const loop = getRunningLoop();
      loop._selector.feed(5, 2.5, 'hello');
      const r = new Task(receiver());
      const t = new Task(ticker());
      const data = yield* r;
      yield* t;
      expect(loop._selector.registered(), 'the fd is not watched any more').to.deep.equal([]);
      return data;
    }
    expect(run(main())).to.equal('hello');
    expect(log).to.deep.equal(['tick at 1', 'tick at 2', 'received hello at 2.5', 'tick at 3']);
  });

  it('a sockRecv cancelled while it waits stops watching its fd', () => {
    function* main(): Coroutine<void> {
      const loop = getRunningLoop();
      const r = new Task(loop.sockRecv(6));
      yield* sleep(1);
      expect(loop._selector.registered()).to.deep.equal([6]);
      r.cancel();
      yield* sleep(0);
      yield* sleep(0);
      expect(r.cancelled()).to.equal(true);
      expect(loop._selector.registered()).to.deep.equal([]);
    }
    run(main());
  });
});
