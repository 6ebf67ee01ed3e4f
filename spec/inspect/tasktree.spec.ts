// formatTaskTree / printTaskTree: who awaits whom.
import { expect } from 'chai';
import { EventLoop, Future, Lock, TaskGroup, asyncGenerator, asyncWith, coroutine, emit, formatTaskTree, gather, printTaskTree, setEventLoop, sleep, type AsyncGenerator, type Coroutine, type Task } from '../../lib';

/** Runs `setup` inside a task named 'main' on a fresh virtual loop, takes the tree at t=0.5, then lets the rest run out. */
function treeAt(setup: (loop: EventLoop) => Coroutine<void>, options: { debug?: boolean } = {}): string {
  const loop = new EventLoop({ clock: 'virtual', debug: options.debug });
  let tree = '';
  function* main(): Coroutine<void> {
    const rest = loop.createTask(setup(loop), { name: 'main' });
    yield* sleep(0.5);
    tree = formatTaskTree(loop);
    yield* rest;
  }
  loop.runUntilComplete(loop.createTask(main(), { name: 'observer' }));
  loop.close();
  return tree.split('\n').filter((l) => !l.includes("'observer'")).join('\n');
}

function* w(d: number): Coroutine<number> {
  yield* sleep(d);
  return d;
}

describe('inspect: formatTaskTree()', () => {
  it('draws gathered tasks under the task awaiting the gather', () => {
    const tree = treeAt(function* (loop) {
      yield* gather([loop.createTask(w(1), { name: 'alpha' }), loop.createTask(w(2), { name: 'beta' })]);
    });
    expect(tree).to.equal(
      [
        "└── (T) Task 'main' — waiting: gather of 2",
        "    ├── (T) Task 'alpha' — sleeping: sleep until t=1.000",
        "    └── (T) Task 'beta' — sleeping: sleep until t=2.000",
      ].join('\n'),
    );
  });

  it('draws a nested gather as a node of its own', () => {
    const tree = treeAt(function* (loop) {
      yield* gather([loop.createTask(w(1), { name: 'a' }), gather([loop.createTask(w(2), { name: 'b' })])]);
    });
    expect(tree).to.equal(
      [
        "└── (T) Task 'main' — waiting: gather of 2",
        "    ├── (T) Task 'a' — sleeping: sleep until t=1.000",
        '    └── gather of 1',
        "        └── (T) Task 'b' — sleeping: sleep until t=2.000",
      ].join('\n'),
    );
  });

  it('draws the tasks of a TaskGroup under the task waiting in its exit', () => {
    const tree = treeAt(function* () {
      yield* asyncWith(new TaskGroup(), function* (tg) {
        tg.createTask(w(1), { name: 'one' });
        tg.createTask(w(3), { name: 'three' });
      });
    });
    expect(tree).to.match(/^└── \(T\) Task 'main' — waiting: TaskGroup on <TaskGroup tasks=2[^>]*>\n/);
    expect(tree).to.include("    ├── (T) Task 'one' — sleeping: sleep until t=1.000\n");
    expect(tree).to.include("    └── (T) Task 'three' — sleeping: sleep until t=3.000");
  });

  it('says which lock a task waits for and who holds it', () => {
    const tree = treeAt(function* (loop) {
      const lock = new Lock();
      function* hold(): Coroutine<void> {
        yield* lock.acquire();
        yield* sleep(2);
        lock.release();
      }
      function* want(): Coroutine<void> {
        yield* lock.acquire();
        lock.release();
      }
      const h = loop.createTask(hold(), { name: 'holder' });
      yield* sleep(0);
      yield* gather([h, loop.createTask(want(), { name: 'wanter' })]);
    });
    expect(tree).to.include("(T) Task 'wanter' — waiting: Lock.acquire on <Lock [locked, waiters:1]>, held by Task 'holder'");
  });

  it('draws a chain of tasks awaiting tasks, and a task awaited twice once in full', () => {
    const tree = treeAt(function* (loop) {
      const leaf = loop.createTask(w(1), { name: 'leaf' });
      const mid = loop.createTask(
        (function* (): Coroutine<void> {
          yield* leaf;
        })(),
        { name: 'mid' },
      );
      yield* gather([mid, leaf]);
    });
    expect(tree).to.equal(
      [
        "└── (T) Task 'main' — waiting: gather of 2",
        "    ├── (T) Task 'mid' — waiting: Task 'leaf'",
        "    │   └── (T) Task 'leaf' — sleeping: sleep until t=1.000",
        "    └── (T) Task 'leaf' — sleeping: sleep until t=1.000 (shown above)",
      ].join('\n'),
    );
  });

  it("draws a task's coroutine() frames between it and what it awaits", () => {
    const tree = treeAt(
      function* (loop) {
        const fetchAll = coroutine(function* fetchAll(): Coroutine<void> {
          yield* gather([loop.createTask(w(1), { name: 'page' })]);
        });
        yield* fetchAll();
      },
      { debug: true },
    );
    const lines = tree.split('\n');
    expect(lines[0]).to.equal("└── (T) Task 'main' — waiting: gather of 1");
    expect(lines[1]).to.match(/^ {4}└── fetchAll\(\) at .*tasktree\.spec\.ts:\d+:\d+$/);
    expect(lines[2]).to.equal("        └── (T) Task 'page' — sleeping: sleep until t=1.000");
    // Out of debug mode, where a call was made is not recorded: the frame has its name only.
    const plain = treeAt(function* (loop) {
      const fetchAll = coroutine(function* fetchAll(): Coroutine<void> {
        yield* gather([loop.createTask(w(1), { name: 'page' })]);
      });
      yield* fetchAll();
    });
    expect(plain.split('\n')[1]).to.equal('    └── fetchAll()');
  });

  it("draws the async generator a task awaits inside (anext() of async generator 'name'), nested ones and coroutine() frames in order", () => {
    const ticker = asyncGenerator(function* ticker() {
      yield* sleep(1);
      yield* emit(1);
    });
    const relay = asyncGenerator(function* relay() {
      yield* emit(yield* fetchOne(ticker()));
    });
    const fetchOne = coroutine(function* fetchOne(g: AsyncGenerator<number>): Coroutine<number> {
      return yield* g.anext();
    });
    const tree = treeAt(function* () {
      yield* relay().anext();
    });
    expect(tree).to.equal(
      [
        "└── (T) Task 'main' — sleeping: sleep until t=1.000",
        "    └── anext() of async generator 'relay'",
        '        └── fetchOne()',
        "            └── anext() of async generator 'ticker'",
      ].join('\n'),
    );
    // A close that awaits shows too.
    const closing = treeAt(function* () {
      const g = asyncGenerator(function* slowClose() {
        try {
          yield* emit(1);
        } finally {
          yield* sleep(1);
        }
      })();
      yield* g.anext();
      yield* g.aclose();
    });
    expect(closing).to.equal(["└── (T) Task 'main' — sleeping: sleep until t=1.000", "    └── aclose() of async generator 'slowClose'"].join('\n'));
  });

  it('draws what a hand-made future says it waits for, done children included', () => {
    const tree = treeAt(function* (loop) {
      const plain = loop.createFuture();
      const finished = loop.createFuture();
      finished.setResult('ok');
      const custom = loop.createFuture();
      custom._waitInfo = { kind: 'myCombinator', children: [plain, finished, loop.createTask(w(9), { name: 'worker' })] };
      loop.callLater(1, () => custom.setResult(null));
      yield* custom;
    });
    expect(tree).to.equal(
      [
        "└── (T) Task 'main' — waiting: myCombinator of 3",
        '    ├── <Future pending>',
        "    ├── <Future finished result='ok'>",
        "    └── (T) Task 'worker' — sleeping: sleep until t=9.000",
      ].join('\n'),
    );
  });

  it('draws tasks that await each other in a cycle', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    let b: Task<void> | null = null;
    function* first(): Coroutine<void> {
      yield* sleep(0);
      yield* b as Task<void>;
    }
    const a = loop.createTask(first(), { name: 'A' });
    b = loop.createTask(
      (function* (): Coroutine<void> {
        yield* a;
      })(),
      { name: 'B' },
    );
    loop.runUntilComplete(sleep(1));
    expect(formatTaskTree(loop)).to.equal(
      [
        "└── (T) Task 'A' — waiting: Task 'B'",
        "    └── (T) Task 'B' — waiting: Task 'A'",
        "        └── (T) Task 'A' — waiting: Task 'B' (shown above)",
      ].join('\n'),
    );
    loop.close(); // cancelling either would recurse forever, as in CPython (RecursionError)
  });

  it('does not loop forever on a future that lists itself among its children', () => {
    const tree = treeAt(function* (loop) {
      const odd = loop.createFuture();
      const kids: Future<unknown>[] = [];
      odd._waitInfo = { kind: 'odd', children: kids };
      kids.push(odd, loop.createTask(w(1), { name: 'kid' }));
      loop.callLater(1, () => odd.setResult(null));
      yield* odd;
    });
    expect(tree.split('\n')[0]).to.equal("└── (T) Task 'main' — waiting: odd of 2");
    expect(tree).to.include("(T) Task 'kid' — sleeping: sleep until t=1.000");
  });

  it('with no loop running, uses the current loop', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    setEventLoop(loop);
    try {
      loop.createTask(w(1), { name: 'current' });
      expect(formatTaskTree()).to.equal("└── (T) Task 'current' — ready");
    } finally {
      setEventLoop(null);
      loop.close();
    }
  });

  it('uses the running loop by default, and says when there are no tasks', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    expect(formatTaskTree(loop)).to.equal('(no tasks)');
    const text = loop.runUntilComplete(
      loop.createTask(
        (function* (): Coroutine<string> {
          return formatTaskTree();
        })(),
        { name: 'me' },
      ),
    );
    expect(text).to.equal("└── (T) Task 'me' — running");
    loop.close();
  });

  it('printTaskTree prints the same tree', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const t = loop.createTask(w(1), { name: 'sleepy' });
    loop.runUntilComplete(sleep(0));
    const printed: unknown[] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => printed.push(...args);
    try {
      printTaskTree(loop);
    } finally {
      console.log = original;
    }
    expect(printed).to.deep.equal([formatTaskTree(loop)]);
    expect(printed[0]).to.equal("└── (T) Task 'sleepy' — sleeping: sleep until t=1.000");
    loop.runUntilComplete(t);
    loop.close();
  });

  it('names a resource without a toString of its own by its class', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    class Gate {}
    const fut = new Future({ loop });
    fut._waitInfo = { kind: 'Gate.pass', resource: new Gate() };
    loop.createTask(
      (function* (): Coroutine<void> {
        yield* fut;
      })(),
      { name: 'g' },
    );
    loop.runUntilComplete(sleep(0));
    expect(formatTaskTree(loop)).to.equal("└── (T) Task 'g' — waiting: Gate.pass on <Gate>");
    fut.setResult(undefined);
    loop.runUntilComplete(sleep(0));
    loop.close();
  });
});
