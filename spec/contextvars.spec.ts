// lib/contextvars.ts: ContextVar, Token, Context, copyContext — and the
// loop's rules for them (a Task runs in its own context; a callback in a
// copy of the context current when it was scheduled, or in the one it was
// given). Messages and outcomes were measured on CPython 3.13; CPython's
// reprs carry an address (`<ContextVar name='v' at 0x…>`), tulip's do not.
import { expect } from 'chai';
import fc from 'fast-check';
import {
  Context,
  ContextVar,
  EventLoop,
  LookupError,
  Runner,
  RuntimeError,
  Task,
  TaskGroup,
  Token,
  ValueError,
  allTasks,
  asyncWith,
  copyContext,
  createTask,
  currentTask,
  eagerTaskFactory,
  gather,
  getRunningLoop,
  runSync,
  sleep,
  timeout,
  type Coroutine,
  type TaskFactory,
} from '../lib';
import { errorsOf, expectEachThrows, throws, useVirtualLoop } from './support';

/** The running task's own Context. */
function ownContext(): Context {
  return (currentTask() as Task<unknown>).getContext();
}

describe('contextvars', () => {
  describe('ContextVar', () => {
    it('has a name and a repr with its default, if any', () => {
      const v = new ContextVar<number>('v');
      const w = new ContextVar('w', { default: 1 });
      expect(v.name).to.equal('v');
      expect(String(v)).to.equal("<ContextVar name='v'>");
      expect(String(w)).to.equal("<ContextVar name='w' default=1>");
      expect(String(new ContextVar('q', { default: null }))).to.equal("<ContextVar name='q' default=null>");
    });

    it('get(): the value, else the fallback, else the default, else LookupError(<the var>)', () => {
      const v = new ContextVar<number>('v');
      const w = new ContextVar('w', { default: 1 });
      const err = throws(() => v.get()) as Error;
      expect(err).to.be.instanceOf(LookupError);
      expect(err.message).to.equal("<ContextVar name='v'>");
      expect(v.get(5)).to.equal(5);
      expect(v.get(undefined)).to.equal(undefined); // a fallback given as undefined is still given
      expect(w.get()).to.equal(1);
      expect(w.get(7)).to.equal(7); // the fallback wins over the default
      expect(new ContextVar('u', { default: undefined }).get()).to.equal(undefined); // { default: undefined } is a default
      copyContext().run(() => {
        v.set(3);
        expect(v.get()).to.equal(3);
        expect(v.get(5)).to.equal(3);
      });
    });

    it('bad arguments: TypeError', () => {
      expectEachThrows([
        [() => new ContextVar(1 as unknown as string), TypeError, 'context variable name must be a str'],
        [() => new ContextVar('v', { defualt: 1 } as never), TypeError, "ContextVar() got an unexpected option 'defualt'"],
        [() => new ContextVar<number>('v').reset(1 as never), TypeError, 'expected an instance of Token, got 1'],
      ]);
    });

    it('set() returns a Token with the variable and its old value (Token.MISSING when it had none)', () => {
      const v = new ContextVar<number>('v');
      copyContext().run(() => {
        const t1 = v.set(1);
        expect(t1).to.be.instanceOf(Token);
        expect(t1.var).to.equal(v);
        expect(t1.oldValue).to.equal(Token.MISSING);
        expect(String(t1)).to.equal("<Token var=<ContextVar name='v'>>");
        const t2 = v.set(2);
        expect(t2.oldValue).to.equal(1);
        v.reset(t2);
        expect(v.get()).to.equal(1);
        v.reset(t1);
        expect(v.get(null)).to.equal(null); // no value again, not "undefined as a value"
        expect(copyContext().has(v)).to.equal(false);
        expect(String(t1)).to.equal("<Token used var=<ContextVar name='v'>>");
        expect(String(Token.MISSING)).to.equal('Symbol(Token.MISSING)');
      });
    });

    it('a token works once, for its own variable, in the context it was made in', () => {
      const v = new ContextVar<number>('v');
      const w = new ContextVar('w', { default: 1 });
      copyContext().run(() => {
        const t = v.set(3);
        v.reset(t);
        expectEachThrows([
          [() => v.reset(t), RuntimeError, "<Token used var=<ContextVar name='v'>> has already been used once"],
          [() => v.reset(w.set(2)), ValueError, "<Token var=<ContextVar name='w' default=1>> was created by a different ContextVar"],
        ]);
        const elsewhere = copyContext().run(() => v.set(9));
        const err = throws(() => v.reset(elsewhere)) as Error;
        expect(err).to.be.instanceOf(ValueError);
        expect(err.message).to.equal("<Token var=<ContextVar name='v'>> was created in a different Context");
        expect(v.get(null)).to.equal(null); // nothing changed
        // The checks come in CPython's order: used, then variable, then context.
        const wt = w.set(5);
        w.reset(wt);
        expect((throws(() => v.reset(wt as never)) as Error).message).to.contain('has already been used once');
      });
    });
  });

  describe('Context', () => {
    it('new Context() is empty; it takes no arguments', () => {
      const c = new Context();
      expect(c.size).to.equal(0);
      expect([...c]).to.deep.equal([]);
      expectEachThrows([[() => new (Context as unknown as new (x: number) => Context)(1), TypeError, 'Context() does not accept any arguments']]);
    });

    it('run(fn, ...args) calls fn with the context current: what fn sets stays in it, and not outside', () => {
      const v = new ContextVar<string>('v', { default: '-' });
      const c = new Context();
      expect(c.run((a: number, b: number) => a + b, 1, 2)).to.equal(3);
      c.run(() => v.set('in'));
      expect(v.get()).to.equal('-');
      expect(c.get(v)).to.equal('in');
      expect(c.run(() => v.get())).to.equal('in');
      // An exception passes through; what was set before it stays (CPython: ctx[v] == 42 after the raise).
      expect(() =>
        c.run(() => {
          v.set('raised');
          throw new RangeError('x');
        }),
      ).to.throw(RangeError);
      expect(c.get(v)).to.equal('raised');
      expect(v.get()).to.equal('-');
      expectEachThrows([[() => c.run(1 as never), TypeError, 'Context.run() needs a function, got 1']]);
    });

    it('running a context from inside itself: RuntimeError("cannot enter context: … is already entered")', () => {
      const v = new ContextVar<number>('v');
      const c = new Context();
      c.run(() => v.set(1));
      const err = c.run(() => throws(() => c.run(() => 0))) as Error;
      expect(err).to.be.instanceOf(RuntimeError);
      expect(err.message).to.equal("cannot enter context: <Context {'v': 1}> is already entered");
      expect(c.run(() => 2)).to.equal(2); // left cleanly: it can be entered again
    });

    it('is a read-only mapping: get, has, keys, values, entries, size, iteration in the order first set', () => {
      const a = new ContextVar<number>('a');
      const b = new ContextVar<string>('b');
      const z = new ContextVar<number>('z');
      const c = new Context();
      c.run(() => {
        b.set('x');
        a.set(1);
        b.set('y'); // a new value keeps b's place
      });
      expect(c.size).to.equal(2);
      expect([...c]).to.deep.equal([b, a]);
      expect([...c.keys()]).to.deep.equal([b, a]);
      expect([...c.values()]).to.deep.equal(['y', 1]);
      expect([...c.entries()]).to.deep.equal([
        [b, 'y'],
        [a, 1],
      ]);
      expect(c.get(a)).to.equal(1);
      expect(c.get(z)).to.equal(undefined);
      expect(c.get(z, 'd')).to.equal('d');
      expect(c.has(a)).to.equal(true);
      expect(c.has(z)).to.equal(false);
      expect(String(c)).to.equal("<Context {'b': 'y', 'a': 1}>");
      expectEachThrows([
        [() => c.get(1 as never), TypeError, 'a ContextVar key was expected, got 1'],
        [() => c.has('a' as never), TypeError, "a ContextVar key was expected, got 'a'"],
      ]);
      const many = new Context();
      many.run(() => {
        for (let i = 0; i < 7; i++) new ContextVar(`v${i}`).set(i);
      });
      expect(String(many)).to.equal("<Context {'v0': 0, 'v1': 1, 'v2': 2, 'v3': 3, 'v4': 4, …}>");
    });

    it('copying is O(1): a copy shares the map until either side sets a variable', () => {
      const v = new ContextVar<number>('v');
      const c = new Context();
      c.run(() => v.set(1));
      const d = c.copy();
      const e = c.run(copyContext);
      expect(d._bindings).to.equal(c._bindings); // the same map object, not a copy of it
      expect(e._bindings).to.equal(c._bindings);
      d.run(() => v.set(2));
      expect([c.get(v), d.get(v), e.get(v)]).to.deep.equal([1, 2, 1]);
      expect(d._bindings).to.not.equal(c._bindings);
    });

    it('copyContext() at the top level copies the top-level context, which keeps what the top level sets', () => {
      const v = new ContextVar<number>('topLevelVar');
      const t = v.set(10);
      try {
        const c = copyContext();
        expect(c.get(v)).to.equal(10);
        c.run(() => v.set(11));
        expect(v.get()).to.equal(10);
      } finally {
        v.reset(t);
      }
      expect(v.get(null)).to.equal(null);
    });
  });

  describe('tasks', () => {
    let loop: EventLoop;
    useVirtualLoop((l) => (loop = l));
    const v = new ContextVar<string>('v', { default: '-' });

    function* child(n: string, log: unknown[]): Coroutine<string> {
      log.push(['start', n, v.get()]);
      v.set(n);
      yield* sleep(0);
      log.push(['after', n, v.get()]);
      return v.get();
    }

    it('a task runs every step in a copy of the context current when it was created', () => {
      const log: unknown[] = [];
      function* main(): Coroutine<void> {
        v.set('main');
        const t = createTask(child('1', log));
        v.set('main2'); // after the copy: the child does not see it
        yield* t;
        log.push(['main', v.get(), t.getContext().get(v)]); // the child's set stayed in its own context
      }
      loop.runUntilComplete(main());
      expect(log).to.deep.equal([
        ['start', '1', 'main'],
        ['after', '1', '1'],
        ['main', 'main2', '1'],
      ]);
    });

    it('createTask(coro, { context }) runs the task in that context itself, not a copy (also loop.createTask, new Task)', () => {
      const log: unknown[] = [];
      function* main(): Coroutine<void> {
        v.set('main');
        const ctx = copyContext();
        const t = createTask(child('2', log), { context: ctx });
        expect(t.getContext()).to.equal(ctx);
        yield* t;
        expect(ctx.get(v)).to.equal('2');
        const c2 = new Context();
        const t2 = loop.createTask(child('3', log), { context: c2 });
        const t3 = new Task(child('4', log), { context: c2, name: 'four' });
        expect(t2.getContext()).to.equal(c2);
        expect(t3.getContext()).to.equal(c2);
        yield* t2;
        yield* t3;
        expect(c2.get(v)).to.equal('4'); // one context, shared by two tasks: the last set wins
        expect(v.get()).to.equal('main');
      }
      loop.runUntilComplete(main());
      expect(log).to.deep.equal([
        ['start', '2', 'main'],
        ['after', '2', '2'],
        ['start', '3', '-'],
        ['start', '4', '3'], // t3 sees what t2 set: their context is the same
        ['after', '3', '4'],
        ['after', '4', '4'],
      ]);
    });

    it('a context that is not a Context: TypeError', () => {
      function* main(): Coroutine<void> {
        const err = throws(() => createTask(sleep(0), { context: {} as Context })) as Error;
        expect(err).to.be.instanceOf(TypeError);
        expect(err.message).to.equal('createTask(): context must be a Context (copyContext(), task.getContext()…), got {}');
        const err2 = throws(() => new Task(sleep(0), { context: 'ctx' as unknown as Context })) as Error;
        expect(err2).to.be.instanceOf(TypeError);
        expect(err2.message).to.equal("Task(): context must be a Context (copyContext(), task.getContext()…), got 'ctx'");
        // A factory is not called with a bad context either.
        let called = false;
        loop.setTaskFactory((l, c, o) => ((called = true), new Task(c, { loop: l, ...o })));
        expect(() => loop.createTask(sleep(0), { context: 7 as unknown as Context })).to.throw(TypeError, 'createTask(): context must be a Context');
        loop.setTaskFactory(null);
        expect(called).to.equal(false);
      }
      loop.runUntilComplete(main());
    });

    it('createTask, loop.createTask, TaskGroup.createTask and new Task check their options strictly', () => {
      function* main(): Coroutine<void> {
        const bad = { contxt: new Context() } as never;
        expect(() => createTask(sleep(0), bad)).to.throw(TypeError, "createTask() got an unexpected option 'contxt' (it takes 'name', 'context')");
        expect(() => loop.createTask(sleep(0), bad)).to.throw(TypeError, "createTask() got an unexpected option 'contxt'");
        expect(() => new Task(sleep(0), bad)).to.throw(TypeError, "Task() got an unexpected option 'contxt' (it takes 'loop', 'name', 'context', 'eagerStart')");
        const tg = new TaskGroup();
        yield* tg.enter();
        expect(() => tg.createTask(sleep(0), bad)).to.throw(TypeError, "createTask() got an unexpected option 'contxt'");
        yield* tg.exit();
      }
      loop.runUntilComplete(main());
    });

    it('a task whose context is current elsewhere cannot step: the error goes to the exception handler, the task stays pending', () => {
      const errors = errorsOf(loop);
      const ctx = new Context();
      let t: Task<void> | null = null;
      function* main(): Coroutine<void> {
        t = createTask(sleep(0), { context: ctx, name: 'stuck' });
        yield* sleep(1);
      }
      ctx.run(() => loop.runUntilComplete(main())); // ctx is current for the whole run
      expect(errors).to.have.length(1);
      expect(errors[0].message).to.equal("Exception in callback taskStep(<Task pending name='stuck'>)");
      expect(errors[0].exception).to.be.instanceOf(RuntimeError);
      expect((errors[0].exception as Error).message).to.equal('cannot enter context: <Context {}> is already entered');
      expect((t as unknown as Task<void>).done()).to.equal(false); // as in CPython: its first step is gone
    });

    it('an eager task runs its first step in its own context', () => {
      loop.setTaskFactory(eagerTaskFactory);
      const log: unknown[] = [];
      function* main(): Coroutine<void> {
        v.set('main');
        const t = createTask(child('e', log));
        log.push(['main after createTask', v.get()]);
        yield* t;
        const c = new Context();
        const t2 = createTask(child('f', log), { context: c });
        expect(c.get(v)).to.equal('f'); // the first step ran, in c itself
        yield* t2;
      }
      loop.runUntilComplete(main());
      expect(log).to.deep.equal([
        ['start', 'e', 'main'],
        ['main after createTask', 'main'],
        ['after', 'e', 'e'],
        ['start', 'f', '-'], // c is a new, empty context
        ['after', 'f', 'f'],
      ]);
    });

    it('an eager task given the context its creator runs in: createTask throws RuntimeError, and no task is left', () => {
      loop.setTaskFactory(eagerTaskFactory);
      function* main(): Coroutine<void> {
        const before = allTasks().size;
        const err = throws(() => createTask(sleep(0), { context: ownContext() })) as Error;
        expect(err).to.be.instanceOf(RuntimeError);
        expect(err.message).to.match(/^cannot enter context: <Context \{.*\}> is already entered$/);
        expect(allTasks().size).to.equal(before);
      }
      loop.runUntilComplete(main());
    });

    it('task.getContext() is the task\'s context, before, during and after its run', () => {
      function* main(): Coroutine<void> {
        const t = createTask(child('g', []));
        const c = t.getContext();
        expect(c.has(v)).to.equal(false); // (a Context's get() does not know the variable's default)
        yield* t;
        expect(t.getContext()).to.equal(c);
        expect(c.get(v)).to.equal('g');
        expect(ownContext().has(v)).to.equal(false);
      }
      loop.runUntilComplete(main());
    });

    describe("a task's copy is made when first needed", () => {
      it('by its first set, and kept for every later step; a token from one step resets in another', () => {
        const made: boolean[] = [];
        function* lazy(): Coroutine<string> {
          yield* sleep(0);
          const token = v.set('a');
          yield* sleep(0);
          v.reset(token); // the Context the set made is the one current again
          return v.get();
        }
        function* main(): Coroutine<void> {
          v.set('main');
          const t = createTask(lazy());
          for (let i = 0; i < 3; i++) {
            made.push(t._context instanceof Context);
            yield* sleep(0);
          }
          expect(yield* t).to.equal('main');
          expect(t.getContext().get(v)).to.equal('main');
          expect(v.get()).to.equal('main');
        }
        loop.runUntilComplete(main());
        expect(made).to.deep.equal([false, false, true]); // bare bindings until the set
      });

      it("getContext() in the task's own step: the context it is running in — entered, and what the step sets goes there", () => {
        function* own(): Coroutine<void> {
          const c = ownContext();
          expect(() => c.run(() => 0)).to.throw(RuntimeError, 'cannot enter context');
          v.set('x');
          expect(c.get(v)).to.equal('x');
          yield* sleep(0);
          expect(ownContext()).to.equal(c);
          v.set('y');
          expect(c.get(v)).to.equal('y');
        }
        function* main(): Coroutine<void> {
          const t = createTask(own());
          yield* t;
          expect(t.getContext().get(v)).to.equal('y');
          expect(v.get()).to.equal('-');
        }
        loop.runUntilComplete(main());
      });

      it('getContext() inside a Context.run of the step: the same Context takes what the step sets after the run', () => {
        function* nested(): Coroutine<void> {
          const other = new Context();
          let c: Context | null = null;
          other.run(() => {
            c = ownContext();
            v.set('in other');
          });
          const mine = c as unknown as Context;
          expect(() => mine.run(() => 0)).to.throw(RuntimeError, 'cannot enter context');
          expect(mine.has(v)).to.equal(false);
          v.set('z');
          expect(ownContext()).to.equal(mine);
          expect(mine.get(v)).to.equal('z');
          expect(other.get(v)).to.equal('in other');
          yield* sleep(0);
          expect(v.get()).to.equal('z');
        }
        loop.runUntilComplete(nested());
      });

      it("an eager task's sets, inside another task's step, stay in the eager task", () => {
        function* eager(): Coroutine<string> {
          v.set('eager');
          yield* sleep(0);
          return v.get();
        }
        function* main(): Coroutine<void> {
          loop.setTaskFactory(eagerTaskFactory);
          const t = createTask(eager());
          loop.setTaskFactory(null);
          expect(v.get()).to.equal('-');
          v.set('main');
          expect(yield* t).to.equal('eager');
          expect(v.get()).to.equal('main');
        }
        loop.runUntilComplete(main());
      });
    });

    it('a task factory is given the context only when there is one (as CPython)', () => {
      const seen: unknown[] = [];
      const factory: TaskFactory = (l, coro, options) => {
        seen.push(Object.keys(options).sort());
        return new Task(coro, { loop: l, ...options });
      };
      loop.setTaskFactory(factory);
      function* main(): Coroutine<void> {
        const c = new Context();
        yield* createTask(sleep(0));
        const t = createTask(sleep(0), { context: c, name: 'n' });
        expect(t.getContext()).to.equal(c);
        yield* t;
      }
      loop.runUntilComplete(main());
      expect(seen.slice(1)).to.deep.equal([['name'], ['context', 'name']]); // (the first is main's own task)
    });

    it('a token made in one task cannot reset the variable in another: ValueError', () => {
      function* main(): Coroutine<void> {
        const token = v.set('main');
        function* other(): Coroutine<unknown> {
          return throws(() => v.reset(token));
        }
        const err = (yield* createTask(other())) as Error;
        expect(err).to.be.instanceOf(ValueError);
        expect(err.message).to.equal("<Token var=<ContextVar name='v' default='-'>> was created in a different Context");
        v.reset(token); // in its own task it works
        expect(v.get()).to.equal('-');
      }
      loop.runUntilComplete(main());
    });

    it('TaskGroup.createTask(coro, { name, context }), gather and timeout follow from the rules', () => {
      function* setter(n: string): Coroutine<string> {
        const seen = v.get();
        v.set(n);
        yield* sleep(0);
        return seen;
      }
      function* main(): Coroutine<void> {
        v.set('main');
        const c = new Context();
        let named: Task<string> | null = null;
        yield* asyncWith(new TaskGroup(), function* (tg) {
          tg.createTask(setter('tg1'));
          named = tg.createTask(setter('tg2'), { name: 'in c', context: c });
        });
        expect((named as unknown as Task<string>).getName()).to.equal('in c');
        expect(c.get(v)).to.equal('tg2');
        expect(yield* gather([setter('g1'), setter('g2')])).to.deep.equal(['main', 'main']); // each child got a copy
        expect(v.get()).to.equal('main');
        yield* asyncWith(timeout(10), function* () {
          v.set('in timeout'); // the block is the task's own code: its sets stay
          yield* sleep(1);
        });
        expect(v.get()).to.equal('in timeout');
      }
      loop.runUntilComplete(main());
    });
  });

  describe('callbacks', () => {
    let loop: EventLoop;
    useVirtualLoop((l) => (loop = l));
    const v = new ContextVar<string>('v', { default: '-' });

    it('callSoon, callLater and callAt run the callback in a copy of the context current when it was scheduled', () => {
      const log: unknown[] = [];
      function cb(tag: string): void {
        log.push([tag, v.get()]);
        v.set(`set by ${tag}`); // dropped with the copy
      }
      function* main(): Coroutine<void> {
        v.set('at soon');
        loop.callSoon(cb, 'soon');
        v.set('at later');
        loop.callLater(1, cb, 'later');
        v.set('at at');
        loop.callAt(loop.time() + 2, cb, 'at');
        v.set('main');
        yield* sleep(3);
        log.push(['main', v.get()]);
      }
      loop.runUntilComplete(main());
      expect(log).to.deep.equal([
        ['soon', 'at soon'],
        ['later', 'at later'],
        ['at', 'at at'],
        ['main', 'main'],
      ]);
      expect(v.get()).to.equal('-'); // nothing reached the top level either
    });

    it('a callback scheduled outside any task copies the top-level context; its sets do not leak into it', () => {
      const t = v.set('top');
      try {
        const seen: string[] = [];
        loop.callSoon(() => {
          seen.push(v.get());
          v.set('callback');
          seen.push(v.get());
        });
        loop.callSoon(() => seen.push(v.get())); // the next callback has its own copy
        loop.runUntilComplete(sleep(0));
        expect(seen).to.deep.equal(['top', 'callback', 'top']);
        expect(v.get()).to.equal('top');
      } finally {
        v.reset(t);
      }
    });

    it('callSoonIn, callSoonThreadsafeIn, callLaterIn and callAtIn run the callback in the given context itself', () => {
      const c = new Context();
      const log: unknown[] = [];
      function cb(tag: string): void {
        log.push([tag, v.get()]);
        v.set(tag);
      }
      const h = loop.callSoonIn(c, cb, 'soon');
      loop.callLaterIn(c, 1, cb, 'later');
      loop.callAtIn(c, 2, cb, 'at');
      loop.callLater(2.5, () => loop.callSoonThreadsafeIn(c, cb, 'threadsafe'));
      expect(String(h)).to.equal("<Handle cb('soon')>");
      loop.runUntilComplete(sleep(3));
      expect(log).to.deep.equal([
        ['soon', '-'],
        ['later', 'soon'],
        ['at', 'later'],
        ['threadsafe', 'at'],
      ]);
      expect(c.get(v)).to.equal('threadsafe');
      expect(v.get()).to.equal('-');
    });

    it('callSoonIn/callLaterIn/callAtIn check their arguments', () => {
      const c = new Context();
      expectEachThrows([
        [() => loop.callSoonIn({} as Context, () => {}), TypeError, 'callSoonIn() needs a Context first (copyContext(), task.getContext()…), got {}'],
        [() => loop.callLaterIn(null as unknown as Context, 1, () => {}), TypeError, 'callLaterIn() needs a Context first'],
        [() => loop.callAtIn(c, 1, 5 as never), TypeError, 'callAtIn() needs a function as its callback, got 5'],
        [() => loop.callLaterIn(c, NaN, () => {}), ValueError, 'callLaterIn(): the delay is NaN (not a number)'],
        [() => loop.callAtIn(c, '1' as never, () => {}), TypeError, "callAtIn() needs a loop time (a number), got '1'"],
        [() => loop.callAt(NaN, () => {}), ValueError, 'callAt(): the time is NaN (not a number)'],
        [() => loop.callSoonThreadsafeIn([] as never, () => {}), TypeError, 'callSoonIn() needs a Context first'],
      ]);
      loop.close();
      expectEachThrows([[() => loop.callSoonIn(c, () => {}), RuntimeError, 'Event loop is closed']]);
    });

    it('a callback given a context that is current elsewhere does not run: RuntimeError to the exception handler', () => {
      const errors = errorsOf(loop);
      const c = new Context();
      let ran = false;
      function named(): void {
        ran = true;
      }
      c.run(() => {
        loop.callSoonIn(c, named);
        loop.runUntilComplete(sleep(0));
      });
      expect(ran).to.equal(false);
      expect(errors.map((e) => [e.message, String(e.exception)])).to.deep.equal([
        ['Exception in callback named()', 'RuntimeError: cannot enter context: <Context {}> is already entered'],
      ]);
      loop.callSoonIn(c, named); // once c is free, it runs
      loop.runUntilComplete(sleep(0));
      expect(ran).to.equal(true);
    });

    it('the context is left when a callback throws', () => {
      const errors = errorsOf(loop);
      const c = new Context();
      loop.callSoonIn(c, () => {
        v.set('c');
        throw new RangeError('boom');
      });
      loop.callSoon(() => {
        v.set('bare');
        throw new RangeError('bang');
      });
      loop.runUntilComplete(sleep(0));
      expect(errors.map((e) => String(e.exception))).to.deep.equal(['RangeError: boom', 'RangeError: bang']);
      expect(v.get()).to.equal('-');
      expect(c.get(v)).to.equal('c');
      expect(c.run(() => 1)).to.equal(1); // and c is not left entered
    });

    it('a token made in one callback cannot reset the variable in another (each ran in its own copy)', () => {
      let token: Token<string> | null = null;
      let err: unknown = null;
      loop.callSoon(() => {
        token = v.set('first');
        v.reset(v.set('again')); // within the callback, its tokens work
      });
      loop.callSoon(() => {
        err = throws(() => v.reset(token as unknown as Token<string>));
      });
      loop.runUntilComplete(sleep(0));
      expect(err).to.be.instanceOf(ValueError);
      expect((err as Error).message).to.equal("<Token var=<ContextVar name='v' default='-'>> was created in a different Context");
    });

    it('a task created by a callback copies the callback\'s context', () => {
      let seen = '';
      function* reader(): Coroutine<void> {
        seen = v.get();
      }
      function* main(): Coroutine<void> {
        v.set('main');
        getRunningLoop().callSoon(() => {
          v.set('callback');
          createTask(reader());
        });
        yield* sleep(1);
      }
      loop.runUntilComplete(main());
      expect(seen).to.equal('callback');
    });

    it('done callbacks run in a copy of the context current when they were added, or in the one given', () => {
      const log: unknown[] = [];
      function* main(): Coroutine<void> {
        const c = new Context();
        c.run(() => v.set('c'));
        const f = loop.createFuture<number>();
        v.set('at add');
        f.addDoneCallback(() => log.push(['done', v.get()]));
        f.addDoneCallback(
          () => {
            log.push(['done in c', v.get()]);
            v.set('set in c');
          },
          { context: c },
        );
        f.addDoneCallback(() => log.push(['null context', v.get()]), { context: null });
        v.set('at setResult');
        f.setResult(1);
        yield* sleep(0);
        expect(c.get(v)).to.equal('set in c');
        v.set('late');
        f.addDoneCallback(() => log.push(['added when done', v.get()])); // scheduled at once, with the context of now
        v.set('after');
        yield* sleep(0);
      }
      loop.runUntilComplete(main());
      expect(log).to.deep.equal([
        ['done', 'at add'],
        ['done in c', 'c'],
        ['null context', 'at add'], // { context: null } is Python's context=None: a copy of the current one
        ['added when done', 'late'],
      ]);
    });

    it('addDoneCallback checks its options; removeDoneCallback removes callbacks added with a context', () => {
      const f = loop.createFuture<number>();
      const c = new Context();
      const cb = (): void => {};
      expectEachThrows([
        [() => f.addDoneCallback(cb, { ctx: c } as never), TypeError, "addDoneCallback() got an unexpected option 'ctx' (it takes 'context')"],
        [() => f.addDoneCallback(cb, { context: 1 as never }), TypeError, 'addDoneCallback(): context must be a Context (copyContext(), task.getContext()…), got 1'],
      ]);
      f.addDoneCallback(cb, { context: c });
      f.addDoneCallback(cb);
      f.addDoneCallback(() => {}, { context: c });
      expect(f.removeDoneCallback(cb)).to.equal(2);
      expect(f._callbacks).to.have.length(1);
    });
  });

  describe('Runner', () => {
    const v = new ContextVar<string>('v', { default: '-' });

    function* swap(n: string): Coroutine<string> {
      const old = v.get();
      v.set(n);
      return old;
    }

    it('every call of one Runner runs its main task in the runner\'s one context (3.11+)', () => {
      const r = new Runner({ clock: 'virtual' });
      try {
        expect(r.runSync(swap('first'))).to.equal('-');
        expect(r.runSync(swap('second'))).to.equal('first');
        const c = new Context();
        expect(r.runSync(swap('in c'), { context: c })).to.equal('-');
        expect(c.get(v)).to.equal('in c');
        expect(r.runSync(swap('third'))).to.equal('second');
        expect(() => r.runSync(swap('x'), { ctx: c } as never)).to.throw(TypeError, "Runner.runSync() got an unexpected option 'ctx'");
      } finally {
        r.close();
      }
      expect(v.get()).to.equal('-');
    });

    it('runSync/run each start from a copy of the top-level context', async () => {
      expect(runSync(swap('a'), { clock: 'virtual' })).to.equal('-');
      expect(runSync(swap('b'), { clock: 'virtual' })).to.equal('-');
      const t = v.set('top');
      try {
        expect(runSync(swap('c'), { clock: 'virtual' })).to.equal('top');
        const r = new Runner({ clock: 'virtual' });
        try {
          expect(await r.run(swap('d'))).to.equal('top');
          expect(await r.run(swap('e'))).to.equal('d');
        } finally {
          r.close();
        }
        expect(v.get()).to.equal('top');
      } finally {
        v.reset(t);
      }
    });
  });

  describe('property: tasks never see one another\'s values', () => {
    // Programs of a few tasks that set, read, reset and spawn, on a loop that
    // shuffles each iteration's callbacks: every read must give what the
    // model of the reading task's own context says.
    type Op = { kind: 'set'; v: number } | { kind: 'read' } | { kind: 'reset' } | { kind: 'sleep'; d: number } | { kind: 'spawn' } | { kind: 'callback' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), v: fc.integer({ min: 0, max: 2 }) }),
      fc.constant({ kind: 'read' as const }),
      fc.constant({ kind: 'reset' as const }),
      fc.record({ kind: fc.constant('sleep' as const), d: fc.constantFrom(0, 0, 0.5, 1) }),
      fc.constant({ kind: 'spawn' as const }),
      fc.constant({ kind: 'callback' as const }),
    );
    const program = fc.array(fc.array(op, { maxLength: 10 }), { minLength: 1, maxLength: 5 });

    it('random interleavings of tasks and callbacks that set and read three variables', () => {
      fc.assert(
        fc.property(program, fc.integer({ min: 1, max: 1_000_000 }), (plans, seed) => {
          const vars = [new ContextVar<string>('a'), new ContextVar<string>('b'), new ContextVar<string>('c')];
          const wrong: string[] = [];
          let serial = 0;
          /** What a context should hold: var index → value (no entry: no value). */
          type Model = Map<number, string>;
          const check = (who: string, model: Model): void => {
            vars.forEach((cv, i) => {
              const got = cv.get('<none>');
              const want = model.get(i) ?? '<none>';
              if (got !== want) wrong.push(`${who} read ${cv.name}=${got}, expected ${want}`);
            });
          };
          function* actor(name: string, ops: Op[], model: Model): Coroutine<void> {
            check(`${name} at start`, model);
            const tokens: [number, Token<string>, string | undefined][] = [];
            for (const o of ops) {
              if (o.kind === 'set') {
                const value = `${name}#${++serial}`;
                tokens.push([o.v, vars[o.v].set(value), model.get(o.v)]);
                model.set(o.v, value);
              } else if (o.kind === 'reset') {
                const last = tokens.pop();
                if (last !== undefined) {
                  vars[last[0]].reset(last[1]);
                  if (last[2] === undefined) model.delete(last[0]);
                  else model.set(last[0], last[2]);
                }
              } else if (o.kind === 'sleep') {
                yield* sleep(o.d);
              } else if (o.kind === 'spawn') {
                // A child gets a copy of the model as it is now, and runs the rest of this plan.
                createTask(actor(`${name}.${++serial}`, ops.slice(ops.indexOf(o) + 1).filter((x) => x.kind !== 'spawn'), new Map(model)));
              } else if (o.kind === 'callback') {
                const snapshot = new Map(model);
                getRunningLoop().callLater(0.5, () => {
                  check(`callback of ${name}`, snapshot);
                  vars[0].set('callback'); // dropped with the callback's copy
                });
              }
              check(name, model);
            }
          }
          function* main(): Coroutine<void> {
            const tasks = plans.map((ops, i) => createTask(actor(`T${i}`, ops, new Map())));
            for (const t of tasks) yield* t;
            yield* sleep(5); // the children and callbacks finish too
          }
          const loop = new EventLoop({ clock: 'virtual', shuffle: seed });
          try {
            loop.runUntilComplete(main());
          } finally {
            loop.close();
          }
          if (wrong.length > 0) throw new Error(wrong.slice(0, 3).join('; '));
          return vars.every((cv) => cv.get('<none>') === '<none>'); // nothing leaked to the top level
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('property: contexts behave like copied Maps', () => {
    // Random runs of set / reset / copy / copyContext in a handful of
    // contexts, against a model where each context is a Map copied in full:
    // sharing the map until a write must never show.
    type Op = { kind: 'set'; at: number; v: number; value: number } | { kind: 'reset'; at: number; pick: number } | { kind: 'copy'; at: number; viaCopyContext: boolean };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 2 }), value: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ kind: fc.constant('reset' as const), at: fc.nat(), pick: fc.nat() }),
      fc.record({ kind: fc.constant('copy' as const), at: fc.nat(), viaCopyContext: fc.boolean() }),
    );

    it('get, has, size, keys and entries of every context match the model after each step', () => {
      fc.assert(
        fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
          const vars = [new ContextVar<number>('a'), new ContextVar<number>('b'), new ContextVar<number>('c', { default: -1 })];
          const contexts = [new Context()];
          const models: Map<number, number>[] = [new Map()];
          const tokens: [number, Token<number>, number | undefined][][] = [[]];
          for (const o of ops) {
            const i = o.at % contexts.length;
            if (o.kind === 'set') {
              const token = contexts[i].run(() => vars[o.v].set(o.value));
              tokens[i].push([o.v, token, models[i].get(o.v)]);
              expect(token.oldValue).to.equal(models[i].has(o.v) ? models[i].get(o.v) : Token.MISSING);
              models[i].set(o.v, o.value);
            } else if (o.kind === 'reset') {
              if (tokens[i].length === 0) continue;
              const [[v, token, old]] = tokens[i].splice(o.pick % tokens[i].length, 1);
              contexts[i].run(() => vars[v].reset(token));
              if (old === undefined) models[i].delete(v);
              else models[i].set(v, old);
            } else {
              contexts.push(o.viaCopyContext ? contexts[i].run(copyContext) : contexts[i].copy());
              models.push(new Map(models[i]));
              tokens.push([]); // a token works only in the context it was made in
            }
            contexts.forEach((ctx, k) => {
              const model = models[k];
              expect(ctx.size).to.equal(model.size);
              expect([...ctx.keys()].map((cv) => (vars as ContextVar<unknown>[]).indexOf(cv)).sort()).to.deep.equal([...model.keys()].sort());
              expect(new Map([...ctx.entries()].map(([cv, x]) => [(vars as ContextVar<unknown>[]).indexOf(cv), x]))).to.deep.equal(model);
              vars.forEach((cv, n) => {
                expect(ctx.has(cv)).to.equal(model.has(n));
                expect(ctx.get(cv, 'none')).to.equal(model.has(n) ? model.get(n) : 'none');
                expect(ctx.run(() => cv.get('none'))).to.equal(model.has(n) ? model.get(n) : 'none');
              });
            });
          }
          return vars.every((cv) => !copyContext().has(cv)); // the top level saw none of it
        }),
        { numRuns: 300 },
      );
    });
  });
});
