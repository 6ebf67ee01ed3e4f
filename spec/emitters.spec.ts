// lib/emitters.ts: once(emitter, name) and on(emitter, name) — events.once and events.on for
// coroutines, on real emitters: child processes, servers, readline, EventTargets.
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
  getRunningLoop,
  StopAsyncIteration,
  asyncCursor,
  asyncFor,
  on,
  once,
  run,
  runSync,
  sleep,
  timeout,
  type Coroutine,
  type OnOptions,
  type OnceOptions,
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
    expect(throws(() => once({} as EventEmitter, 'x', { loop }))).to.be.instanceOf(TypeError).with.property('message', 'once() needs an EventEmitter (on, removeListener) or an EventTarget (addEventListener, removeEventListener), got {}');
    expect(() => once(new EventEmitter(), 5 as unknown as string, { loop })).to.throw(TypeError, 'once() needs event names (a string or a symbol), got 5');
    expect(() => once(new EventTarget(), Symbol('s'), { loop })).to.throw(TypeError, 'once() needs event names (a string), got Symbol(s)');
    expect(() => once(new EventEmitter(), 'x', { signal: null } as OnceOptions)).to.throw(TypeError, "once() got an unexpected option 'signal' (it takes 'loop')");
  });
});

describe('on(emitter, name): the events as an async iterator', () => {
  let loop: EventLoop;
  useVirtualLoop((l) => (loop = l), { mayBeRunning: true });

  it('gives every event in order, those that came while nobody waited too; close events end it', async () => {
    const emitter = new EventEmitter();
    function* main(): Coroutine<unknown[]> {
      const it = on<[number]>(emitter, 'data', { close: ['end'] });
      emitter.emit('data', 1); // before anyone waits: kept
      emitter.emit('data', 2);
      const seen: unknown[] = [];
      setImmediate(() => {
        emitter.emit('data', 3); // from outside the loop, while a task waits
        emitter.emit('end');
        emitter.emit('data', 4); // after the end: not seen
      });
      for (;;) {
        try {
          const [n] = yield* it.anext();
          seen.push(n);
        } catch (e) {
          if (!(e instanceof StopAsyncIteration)) throw e;
          break;
        }
      }
      seen.push(String(yield* catching(it.anext())), emitter.listenerCount('data'), emitter.listenerCount('end'), emitter.listenerCount('error'));
      return seen;
    }
    expect(await run(main())).to.deep.equal([1, 2, 3, 'StopAsyncIteration', 0, 0, 0]);
  });

  it('an \'error\' event comes after the events before it, once; then the iteration is over', async () => {
    const emitter = new EventEmitter();
    function* main(): Coroutine<string[]> {
      const it = on(emitter, 'data');
      emitter.emit('data', 'a');
      emitter.emit('error', new RangeError('broken'));
      emitter.emit('data', 'b');
      return [String(yield* it.anext()), String(yield* catching(it.anext())), String(yield* catching(it.anext()))];
    }
    expect(await run(main())).to.deep.equal(['a', 'RangeError: broken', 'StopAsyncIteration']);
  });

  it('an error while a task waits fails that anext(); aclose() ends the waiting ones with StopAsyncIteration and removes the listeners', async () => {
    const emitter = new EventEmitter();
    function* main(): Coroutine<string[]> {
      const failing = on(emitter, 'x');
      const waiting = failing.anext();
      emitter.emit('error', new RangeError('now'));
      const closing = on(emitter, 'y');
      const pending = closing.anext();
      emitter.emit('y', 1);
      const second = closing.anext();
      yield* closing.aclose();
      return [String(yield* catching(waiting)), String(yield* pending), String(yield* catching(second)), String(emitter.listenerCount('y')), String(closing)];
    }
    expect(await run(main())).to.deep.equal(['RangeError: now', '1', 'StopAsyncIteration', '0', "<EventIterator 'y' ended buffered=0 waiting=0>"]);
  });

  it('a cancelled anext() loses no event: the next one gets it', async () => {
    const emitter = new EventEmitter();
    function* main(): Coroutine<unknown[]> {
      const it = on(emitter, 'data');
      const t = createTask(
        (function* (): Coroutine<unknown[]> {
          return yield* it.anext();
        })(),
      );
      yield* sleep(0);
      expect(String(it)).to.equal("<EventIterator 'data' listening buffered=0 waiting=1>");
      t.cancel();
      yield* catching(t);
      emitter.emit('data', 'kept');
      return [t.cancelled(), yield* it.anext()];
    }
    expect(await run(main())).to.deep.equal([true, ['kept']]);
  });

  it('real events: the lines of a child process through readline, until it closes; an EventTarget\'s events', async () => {
    const readline = require('readline') as typeof import('readline');
    function* main(): Coroutine<unknown[]> {
      const child = spawn(process.execPath, ['-e', "console.log('one'); console.log('two')"]);
      const lines = on<[string]>(readline.createInterface({ input: child.stdout }), 'line', { close: ['close'] });
      const seen: unknown[] = [];
      for (;;) {
        try {
          seen.push((yield* lines.anext())[0]);
        } catch (e) {
          if (e instanceof StopAsyncIteration) break;
          throw e;
        }
      }
      const target = new EventTarget();
      const events = on<[Event]>(target, 'ping');
      target.dispatchEvent(new Event('ping'));
      seen.push((yield* events.anext())[0].type, events.aiter() === events);
      yield* events.aclose();
      return seen;
    }
    expect(await run(main())).to.deep.equal(['one', 'two', 'ping', true]);
  });

  it('is an async iterable: asyncFor and asyncCursor take it, break included', async () => {
    const emitter = new EventEmitter();
    function* main(): Coroutine<unknown[]> {
      const seen: unknown[] = [];
      setImmediate(() => {
        for (const n of [1, 2, 3]) emitter.emit('n', n);
        emitter.emit('done');
      });
      yield* asyncFor(on<[number]>(emitter, 'n', { close: ['done'] }), function* ([n]) {
        seen.push(n);
      });
      const events = on<[string]>(emitter, 'word');
      setImmediate(() => ['a', 'stop', 'b'].forEach((w) => emitter.emit('word', w)));
      for (const c = asyncCursor(events); yield* c.next(); ) {
        if (c.value[0] === 'stop') break;
        seen.push(c.value[0]);
      }
      yield* events.aclose();
      seen.push(emitter.listenerCount('word'));
      return seen;
    }
    expect(await run(main())).to.deep.equal([1, 2, 3, 'a', 0]);
  });

  it('edge cases: an EventTarget with close events; an \'error\' with no error; the loop given; aclose after the end; a symbol\'s name', async () => {
    const target = new EventTarget();
    const emitter = new EventEmitter();
    const sym = Symbol('tick');
    function* main(): Coroutine<string[]> {
      const loop = getRunningLoop();
      const events = on<[Event]>(target, 'ping', { close: ['bye'], loop });
      target.dispatchEvent(new Event('ping'));
      target.dispatchEvent(new Event('bye'));
      const first = (yield* events.anext())[0].type;
      const end = String(yield* catching(events.anext()));
      yield* events.aclose(); // after the end: nothing more to do
      const bare = on(emitter, 'data');
      emitter.emit('error'); // an 'error' event without an error
      const ticks = on(emitter, sym);
      const named = String(ticks);
      yield* ticks.aclose();
      const waited = once(emitter, 'x', { loop });
      emitter.emit('x', 'given loop');
      return [first, end, String(yield* catching(bare.anext())), named, String((yield* waited)[0])];
    }
    expect(await run(main())).to.deep.equal(['ping', 'StopAsyncIteration', "Error: 'error' event emitted with undefined", '<EventIterator Symbol(tick) listening buffered=0 waiting=0>', 'given loop']);
  });

  it('an end that comes after the loop closed is ignored', () => {
    const emitter = new EventEmitter();
    const closed = new EventLoop({ clock: 'virtual' });
    const it = on(emitter, 'data', { loop: closed });
    closed.close();
    emitter.emit('error', new RangeError('late'));
    expect(emitter.listenerCount('data')).to.equal(0);
    expect(String(it)).to.equal("<EventIterator 'data' ended buffered=0 waiting=0>");
  });

  it('checks its arguments', () => {
    expect(() => on({} as EventEmitter, 'x', { loop })).to.throw(TypeError, 'on() needs an EventEmitter');
    expect(() => on(new EventEmitter(), 'x', { close: 'end' as unknown as string[], loop })).to.throw(TypeError, "on() option close must be an array of event names, got 'end'");
    expect(() => on(new EventEmitter(), 'x', { close: [5 as unknown as string], loop })).to.throw(TypeError, 'on() needs event names (a string or a symbol), got 5');
    expect(() => on(new EventEmitter(), 'x', { highWaterMark: 5 } as OnOptions)).to.throw(TypeError, "on() got an unexpected option 'highWaterMark' (it takes 'close', 'loop')");
  });
});
