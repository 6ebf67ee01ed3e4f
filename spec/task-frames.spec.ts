// lib/task-frames.ts: a Task's own stack of coroutine() frames, which to the Task behaves like one
// generator. (What users see of it — results, errors, cancellation through frames, getStack() —
// is in coroutines.spec.ts.)
import { expect } from 'chai';
import { EventLoop, coroutine, sleep, type Coroutine } from '../lib';
import { FrameStack } from '../lib/task-frames';
import { useVirtualLoop } from './support';

const add = coroutine(function* add(a: number, b: number): Coroutine<number> {
  yield* sleep(0);
  return a + b;
});

describe('FrameStack', () => {
  let loop: EventLoop;
  useVirtualLoop((l) => (loop = l));

  it('the first call a plain generator awaits may already have run: the error is raised in that generator, at its yield*', () => {
    const call = add(1, 1);
    loop.runUntilComplete(call);
    function* main(): Coroutine<string> {
      try {
        yield* call;
      } catch (e) {
        return (e as Error).message;
      }
      return 'not raised';
    }
    expect(loop.runUntilComplete(main())).to.equal('cannot reuse already awaited coroutine <coroutine add()>');
  });

  it('answers as one generator would: suspends at the top frame, returns the bottom frame\'s value', () => {
    function* base(): Generator<unknown, number, unknown> {
      const x = (yield* add(2, 3)) as number; // the call comes out to whoever runs the stack
      return x * 10;
    }
    const gen = base();
    const first = gen.next();
    expect(first.done).to.equal(false);
    const frames = new FrameStack(gen, null);
    const suspended = frames.enter(first.value as ReturnType<typeof add>);
    expect(suspended).to.deep.equal({ done: false, value: undefined }); // add's bare yield (sleep(0)), from the top frame
    expect(frames.calls.map((c) => c.name)).to.deep.equal(['add']);
    expect(frames.resume(false, undefined)).to.deep.equal({ done: true, value: 50 });
    expect(frames.calls).to.deep.equal([]);
  });

  it('an error thrown in goes to the top frame; one that escapes the bottom frame is thrown out', () => {
    const boom = new Error('boom');
    const inner = coroutine(function* inner(): Coroutine<void> {
      yield* sleep(0);
    });
    function* base(): Generator<unknown, void, unknown> {
      yield* inner();
    }
    const gen = base();
    const frames = new FrameStack(gen, null);
    frames.enter(gen.next().value as ReturnType<typeof inner>);
    expect(() => frames.resume(true, boom)).to.throw(boom);
  });
});
