// lib/emitters.ts: once(emitter, name) — events.once for coroutines, on real emitters:
// child processes, servers, EventTargets.
import { expect } from 'chai';
import { spawn } from 'child_process';
import { EventEmitter } from 'events';
import * as net from 'net';
import {
  CancelledError,
  EventLoop,
  RuntimeError,
  TimeoutError,
  asyncWith,
  createTask,
  once,
  run,
  runSync,
  sleep,
  timeout,
  type Coroutine,
} from '../lib';
import { catching, throws, useVirtualLoop } from './support';

describe('once(emitter, name)', () => {
  let loop: EventLoop;
  useVirtualLoop((l) => (loop = l), { mayBeRunning: true });

  it('waits for a real child process to exit and gives the event\'s arguments', async () => {
    function* main(): Coroutine<[number | null, string | null]> {
      const child = spawn(process.execPath, ['-e', 'process.exit(3)']);
      return yield* once<[number | null, string | null]>(child, 'exit');
    }
    expect(await run(main())).to.deep.equal([3, null]);
  });

  it('an \'error\' event fails the wait with its error, and both listeners are gone', async () => {
    const server = net.createServer();
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    function* main(): Coroutine<unknown> {
      server.listen(port, '127.0.0.1'); // taken: 'error' (EADDRINUSE), never 'listening'
      return yield* catching(once(server, 'listening'));
    }
    try {
      const e = await run(main());
      expect(e).to.have.property('code', 'EADDRINUSE');
      expect(server.listenerCount('listening')).to.equal(0);
      expect(server.listenerCount('error')).to.equal(0);
    } finally {
      blocker.close();
    }
  });

  it('cancelling the wait removes its listeners; timeout() around it raises TimeoutError', async () => {
    const emitter = new EventEmitter();
    const counts: number[] = [];
    function* main(): Coroutine<unknown[]> {
      const t = (once(emitter, 'never'));
      yield* sleep(0);
      counts.push(emitter.listenerCount('never'), emitter.listenerCount('error'));
      t.cancel();
      const cancelled = yield* catching(t);
      yield* sleep(0); // the done callback that removes the listeners
      counts.push(emitter.listenerCount('never'), emitter.listenerCount('error'));
      const timedOut = yield* catching(() =>
        asyncWith(timeout(0.01), function* () {
          return yield* once(emitter, 'never');
        }),
      );
      yield* sleep(0);
      counts.push(emitter.listenerCount('never'));
      return [cancelled, timedOut];
    }
    const [cancelled, timedOut] = await run(main());
    expect(cancelled).to.be.instanceOf(CancelledError);
    expect(timedOut).to.be.instanceOf(TimeoutError);
    expect(counts).to.deep.equal([1, 1, 0, 0, 0]);
  });

  it('an emit from another task wakes the waiter; waiting for \'error\' itself gives the error as the value; symbols work', async () => {
    const emitter = new EventEmitter();
    const sym = Symbol('custom');
    function* main(): Coroutine<unknown[]> {
      const a = (once(emitter, 'data'));
      const b = (once(emitter, 'error'));
      const c = (once(emitter, sym));
      yield* sleep(0);
      emitter.emit('data', 1, 'two');
      emitter.emit(sym);
      emitter.emit('error', new RangeError('as a value')); // only the 'error' waiter is left
      return [yield* a, String((yield* b)[0]), yield* c];
    }
    expect(await run(main())).to.deep.equal([[1, 'two'], 'RangeError: as a value', []]);
  });

  it('an EventTarget gives [event]; it has no \'error\' rule', async () => {
    const target = new EventTarget();
    function* main(): Coroutine<string> {
      const t = once<[Event]>(target, 'ping');
      yield* sleep(0);
      target.dispatchEvent(new Event('error'));
      target.dispatchEvent(new Event('ping'));
      const [event] = yield* t;
      return event.type;
    }
    expect(await run(main())).to.equal('ping');
  });

  it('is a host wait: runSync refuses it, naming the async driver', () => {
    function* main(): Coroutine<unknown[]> {
      return yield* once(new EventEmitter(), 'x');
    }
    expect(() => runSync(main())).to.throw(RuntimeError, /the synchronous driver cannot wait for host I\/O/);
  });

  it('checks its arguments', () => {
    expect(throws(() => once({} as EventEmitter, 'x', loop))).to.be.instanceOf(TypeError).with.property('message', 'once() needs an EventEmitter (on, removeListener) or an EventTarget (addEventListener, removeEventListener), got {}');
    expect(() => once(new EventEmitter(), 5 as unknown as string, loop)).to.throw(TypeError, 'once() needs an event name (a string or a symbol), got 5');
    expect(() => once(new EventTarget(), Symbol('s'), loop)).to.throw(TypeError, 'once() needs an event name (a string), got Symbol(s)');
  });
});
