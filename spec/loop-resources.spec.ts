// lib/loop-resources.ts: what a loop owns in Node is closed when the loop
// closes — once, after the loop itself, and never while it runs. (The
// resources themselves — signal listeners, UDP sockets, pipes — have their
// own specs in signals, datagrams and pipes.)
import { expect } from 'chai';
import { EventLoop, RuntimeError, sleep } from '../lib';
import { ownResource, releaseResource } from '../lib/loop-resources';

/** A resource that records when the loop closes it, and whether the loop was closed by then. */
function resource(loop: EventLoop, log: string[], name: string) {
  return { _unclosedReport: () => null, _closeWithLoop: () => void log.push(`${name} closed (loop closed: ${loop.isClosed()})`) };
}

describe('loop-resources: closing a loop closes what it still owns', () => {
  it('closes each owned resource once, in the order taken, after the loop; released ones are left alone', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const log: string[] = [];
    const a = resource(loop, log, 'a');
    const b = resource(loop, log, 'b');
    const c = resource(loop, log, 'c');
    ownResource(loop, a);
    ownResource(loop, b);
    ownResource(loop, c);
    releaseResource(loop, b); // b closed by itself
    loop.close();
    loop.close(); // idempotent: nothing is closed twice
    expect(log).to.deep.equal(['a closed (loop closed: true)', 'c closed (loop closed: true)']);
  });

  it('a running loop refuses to close and keeps its resources', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const log: string[] = [];
    ownResource(loop, resource(loop, log, 'r'));
    loop.runUntilComplete(
      (function* () {
        expect(() => loop.close()).to.throw(RuntimeError, 'Cannot close a running event loop');
        yield* sleep(0);
      })(),
    );
    expect(log).to.deep.equal([]);
    loop.close();
    expect(log).to.deep.equal(['r closed (loop closed: true)']);
  });

  it('a loop that owns nothing closes as before', () => {
    const loop = new EventLoop();
    releaseResource(loop, { _unclosedReport: () => null, _closeWithLoop: () => undefined }); // releasing what was never owned is harmless
    loop.close();
    expect(loop.isClosed()).to.equal(true);
  });
});
