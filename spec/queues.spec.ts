import { expect } from 'chai';
import {
  CancelledError,
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  RuntimeError,
  ValueError,
  createTask,
  getRunningLoop,
  sleep,
  type Coroutine,
  type QueueOptions,
} from '../lib';
import { catching, settle, throws, vrun } from './support';

const queueClasses = [
  ['Queue', (maxsize?: number) => new Queue<unknown>(maxsize)],
  ['LifoQueue', (maxsize?: number) => new LifoQueue<unknown>(maxsize)],
  ['PriorityQueue', (maxsize?: number) => new PriorityQueue<unknown>({ maxsize })],
] as const;

describe('Queue basics', () => {
  it('checks maxsize: a non-integer is a TypeError; 0 or less is unbounded', () => {
    expect(() => new Queue(1.3)).to.throw(TypeError, /Queue maxsize must be an integer/);
    expect(() => new Queue('2' as unknown as number)).to.throw(TypeError, /integer/);
    expect(() => new LifoQueue(NaN)).to.throw(TypeError, /LifoQueue maxsize/);
    expect(() => new PriorityQueue({ maxsize: Infinity })).to.throw(TypeError, /PriorityQueue maxsize/);
    const q = new Queue(-1);
    expect(q.maxsize).to.equal(-1);
    for (let i = 0; i < 100; i++) q.putNowait(i);
    expect(q.full()).to.equal(false);
    expect(new Queue().maxsize).to.equal(0);
  });

  it('takes maxsize alone, as Python does, or as { maxsize }; an unknown option is a TypeError naming it', () => {
    for (const [name, make] of [
      ['Queue', (o: number | QueueOptions) => new Queue(o)],
      ['LifoQueue', (o: number | QueueOptions) => new LifoQueue(o)],
      ['PriorityQueue', (o: number | QueueOptions) => new PriorityQueue(o)],
    ] as const) {
      expect(make(2).maxsize, name).to.equal(2);
      expect(make({ maxsize: 2 }).maxsize, name).to.equal(2);
      expect(make({}).maxsize, name).to.equal(0);
      const q = make({ maxsize: 1 });
      q.putNowait(1);
      expect(q.full(), name).to.equal(true);
      expect(() => make({ maxSize: 2 } as QueueOptions)).to.throw(TypeError, `${name}() got an unexpected option 'maxSize' (it takes 'maxsize'${name === 'PriorityQueue' ? ", 'compare'" : ''})`);
      expect(() => make({ maxsize: 1.5 })).to.throw(TypeError, `${name} maxsize must be an integer (0 or less: unbounded), got 1.5`);
    }
    // Only a plain object is the options: anything else is a maxsize, and not a valid one.
    expect(() => new Queue([2] as unknown as number)).to.throw(TypeError, 'Queue maxsize must be an integer (0 or less: unbounded), got [2]');
    expect(() => new PriorityQueue(new Map() as unknown as number)).to.throw(TypeError, 'PriorityQueue maxsize must be an integer');
    expect(new Queue(Object.assign(Object.create(null) as QueueOptions, { maxsize: 3 })).maxsize).to.equal(3);
  });

  it('qsize, empty and full (test_empty, test_full, test_maxsize)', () => {
    vrun(function* () {
      const q = new Queue<number>(2);
      expect(q.empty()).to.equal(true);
      expect(q.full()).to.equal(false);
      q.putNowait(1);
      expect(q.empty()).to.equal(false);
      expect(q.qsize()).to.equal(1);
      yield* q.put(2);
      expect(q.full()).to.equal(true);
      expect(q.maxsize).to.equal(2);
      const t = createTask(q.put(3));
      yield* sleep(1);
      expect(t.done()).to.equal(false);
      expect(q.getNowait()).to.equal(1);
      yield* t;
      expect([q.getNowait(), q.getNowait()]).to.deep.equal([2, 3]);
    });
  });

  it("toString is queues.py's str(): maxsize, _queue, _getters, _putters, tasks, shutdown", () => {
    vrun(function* () {
      // Each line measured on CPython 3.13.
      const q = new Queue<unknown>(2);
      expect(String(q)).to.equal('<Queue maxsize=2>');
      q.putNowait(1);
      q.putNowait('a');
      expect(String(q)).to.equal("<Queue maxsize=2 _queue=[1, 'a'] tasks=2>");
      const p = createTask(q.put(3));
      yield* sleep(0);
      expect(String(q)).to.equal("<Queue maxsize=2 _queue=[1, 'a'] _putters[1] tasks=2>");
      q.getNowait();
      q.getNowait();
      yield* p;
      q.getNowait();
      const g = createTask(q.get());
      yield* sleep(0);
      expect(String(q)).to.equal('<Queue maxsize=2 _getters[1] tasks=3>');
      q.shutdown();
      expect(String(q)).to.equal('<Queue maxsize=2 tasks=3 shutdown>');
      expect(yield* catching(g)).to.be.instanceOf(QueueShutDown);
      const l = new LifoQueue<number>();
      for (const i of [1, 3, 2]) l.putNowait(i);
      expect(String(l)).to.equal('<LifoQueue maxsize=0 _queue=[1, 3, 2] tasks=3>');
      const pq = new PriorityQueue<unknown>();
      for (const x of [[2, 'b'], [1, 'z'], [1, 'a'], [1]]) pq.putNowait(x);
      expect(String(pq)).to.match(/^<PriorityQueue maxsize=0 _queue=\[\[1\], .*\] tasks=4>$/);
    });
  });

  it('putNowait on a full queue is QueueFull, getNowait on an empty one QueueEmpty', () => {
    const q = new Queue<number>(1);
    q.putNowait(1);
    expect(throws(() => q.putNowait(2))).to.be.instanceOf(QueueFull);
    expect(q.qsize()).to.equal(1);
    expect(q.getNowait()).to.equal(1);
    expect(throws(() => q.getNowait())).to.be.instanceOf(QueueEmpty);
  });

  it('labels its waiters Queue.get, Queue.put and Queue.join', () => {
    vrun(function* () {
      const q = new Queue<number>(1);
      const g = createTask(q.get());
      yield* sleep(0);
      expect(q._getters.at(0)?._waitInfo).to.deep.equal({ kind: 'Queue.get', resource: q });
      q.putNowait(1);
      expect(yield* g).to.equal(1);
      q.putNowait(2);
      const p = createTask(q.put(3));
      const j = createTask(q.join());
      yield* sleep(0);
      expect(q._putters.at(0)?._waitInfo).to.deep.equal({ kind: 'Queue.put', resource: q });
      expect(q._finished._waiters.at(0)?._waitInfo).to.deep.equal({ kind: 'Queue.join', resource: q });
      q.getNowait();
      yield* p;
      q.getNowait();
      for (let i = 0; i < 3; i++) q.taskDone();
      yield* j;
    });
  });

  it('refuses to make a task of another loop wait', () => {
    const q = new Queue<number>();
    vrun(function* () {
      const g = createTask(q.get());
      yield* sleep(0);
      q.putNowait(1);
      expect(yield* g).to.equal(1);
    });
    vrun(function* () {
      const e = yield* catching(q.get());
      expect(e).to.be.instanceOf(RuntimeError);
      expect((e as Error).message).to.match(/^<Queue maxsize=0 tasks=1> is bound to a different event loop$/);
    });
  });
});

describe('Queue get', () => {
  it('get waits for an item (test_blocking_get_wait)', () => {
    vrun(function* () {
      const q = new Queue<number>();
      getRunningLoop().callLater(0.01, () => q.putNowait(1));
      expect(yield* q.get()).to.equal(1);
      expect(getRunningLoop().time()).to.be.closeTo(0.01, 1e-9);
    });
  });

  it('get wakes the first waiting putter (test_get_with_putters, test_get_with_waiting_putters)', () => {
    vrun(function* () {
      const q = new Queue<string>(1);
      createTask(q.put('a'));
      createTask(q.put('b'));
      expect(yield* q.get()).to.equal('a');
      expect(yield* q.get()).to.equal('b');
    });
  });

  it('a cancelled getter does not keep the next item from the others (test_get_cancelled_race)', () => {
    vrun(function* () {
      const q = new Queue<string>();
      const t1 = createTask(q.get());
      const t2 = createTask(q.get());
      yield* sleep(0);
      t1.cancel();
      yield* sleep(0);
      expect(t1.done()).to.equal(true);
      expect(q._getters.length).to.equal(1);
      yield* q.put('a');
      yield* sleep(0);
      expect(yield* t2).to.equal('a');
    });
  });

  it('a getter woken and then cancelled drops no item (test_get_cancel_drop_one_pending_reader)', () => {
    vrun(function* () {
      const q = new Queue<number>();
      let reader = createTask(q.get());
      yield* sleep(0);
      q.putNowait(1);
      q.putNowait(2);
      reader.cancel();
      try {
        yield* reader;
      } catch (e) {
        expect(e).to.be.instanceOf(CancelledError);
        reader = createTask(q.get());
        yield* reader;
      }
      expect(reader.result()).to.equal(1); // 2 would mean 1 was dropped
    });
  });

  it('a getter woken and then cancelled wakes the next getter (test_get_cancel_drop_many_pending_readers)', () => {
    vrun(function* () {
      const q = new Queue<number>();
      const r1 = createTask(q.get());
      const r2 = createTask(q.get());
      const r3 = createTask(q.get());
      yield* sleep(0);
      q.putNowait(1);
      q.putNowait(2);
      r1.cancel();
      expect(yield* catching(r1)).to.be.instanceOf(CancelledError);
      yield* r3;
      expect(new Set([r2.result(), r3.result()])).to.deep.equal(new Set([1, 2]));
      expect(q._getters.length).to.equal(0);
    });
  });

  it('one producer and one consumer through a Queue(1) (test_why_are_getters_waiting)', () => {
    vrun(function* () {
      const q = new Queue<number>(1);
      const got: number[] = [];
      function* producer(): Coroutine<void> {
        for (let i = 0; i < 5; i++) yield* q.put(i);
      }
      function* consumer(): Coroutine<void> {
        for (let i = 0; i < 5; i++) got.push(yield* q.get());
      }
      yield* settle([createTask(producer()), createTask(consumer())]);
      expect(got).to.deep.equal([0, 1, 2, 3, 4]);
    });
  });

  it('a cancelled get leaves no getter behind (test_cancelled_getters_not_being_held_in_self_getters)', () => {
    vrun(function* () {
      const q = new Queue<number>(5);
      const t = createTask(q.get());
      getRunningLoop().callLater(0.1, () => t.cancel());
      expect(yield* catching(t)).to.be.instanceOf(CancelledError);
      expect(q._getters.length).to.equal(0);
    });
  });
});

describe('Queue put', () => {
  it('put waits for room (test_blocking_put_wait)', () => {
    vrun(function* () {
      const q = new Queue<number>(1);
      getRunningLoop().callLater(0.01, () => q.getNowait());
      yield* q.put(1);
      yield* q.put(2);
      expect(getRunningLoop().time()).to.be.closeTo(0.01, 1e-9);
      expect(q.getNowait()).to.equal(2);
    });
  });

  it('a putter woken and then cancelled inserts nothing; trying again works (test_put_cancel_drop)', () => {
    vrun(function* () {
      const q = new Queue<number>(1);
      q.putNowait(1);
      let writer = createTask(q.put(2));
      yield* sleep(0);
      expect(q.getNowait()).to.equal(1);
      writer.cancel();
      try {
        yield* writer;
      } catch (e) {
        expect(e).to.be.instanceOf(CancelledError);
        writer = createTask(q.put(2));
        yield* writer;
      }
      expect(q.getNowait()).to.equal(2);
      expect(q.qsize()).to.equal(0);
    });
  });

  it('a putter woken and then cancelled wakes the next putter', () => {
    vrun(function* () {
      const q = new Queue<string>(1);
      q.putNowait('x');
      const p1 = createTask(q.put('a'));
      const p2 = createTask(q.put('b'));
      yield* sleep(0);
      q.getNowait(); // wakes p1
      p1.cancel(); // ...which passes the room on to p2
      expect(yield* catching(p1)).to.be.instanceOf(CancelledError);
      yield* p2;
      expect(q.getNowait()).to.equal('b');
      expect(q._putters.length).to.equal(0);
    });
  });

  it('a cancelled waiting putter is skipped (test_put_cancelled_race)', () => {
    vrun(function* () {
      const q = new Queue<string>(1);
      const a = createTask(q.put('a'));
      const b = createTask(q.put('b'));
      const c = createTask(q.put('X'));
      yield* sleep(0);
      expect(a.done()).to.equal(true);
      expect(b.done()).to.equal(false);
      c.cancel();
      yield* sleep(0);
      expect(c.done()).to.equal(true);
      expect(q.getNowait()).to.equal('a');
      yield* sleep(0);
      expect(q.getNowait()).to.equal('b');
      yield* b;
    });
  });

  it('put wakes a waiting getter (test_put_with_waiting_getters, test_put_cancelled)', () => {
    vrun(function* () {
      const q = new Queue<string>();
      const t = createTask(q.get());
      yield* sleep(0);
      yield* q.put('a');
      expect(yield* t).to.equal('a');
    });
  });

  it('several putters and a draining getter (test_why_are_putters_waiting)', () => {
    vrun(function* () {
      const q = new Queue<number>(2);
      function* getter(): Coroutine<void> {
        yield* sleep(0);
        for (let n = q.qsize(); n > 0; n--) q.getNowait();
      }
      const ts = [createTask(getter()), ...[0, 1, 2, 3].map((i) => createTask(q.put(i)))];
      const outcomes = yield* settle(ts);
      expect(outcomes).to.deep.equal([undefined, undefined, undefined, undefined, undefined]);
      expect(q.qsize()).to.equal(2);
    });
  });

  it('a cancelled put leaves no putter behind, even if a get already removed it (test_cancelled_puts_not_being_held_in_self_putters, ..._silence_value_error)', () => {
    vrun(function* () {
      const q = new Queue<number>(1);
      q.putNowait(1);
      let t = createTask(q.put(1));
      yield* sleep(0);
      expect(q._putters.length).to.equal(1);
      t.cancel();
      expect(yield* catching(t)).to.be.instanceOf(CancelledError);
      expect(q._putters.length).to.equal(0);

      t = createTask(q.put(2));
      yield* sleep(0);
      q.getNowait(); // removes t's putter from _putters and wakes it
      t.cancel();
      expect(yield* catching(t)).to.be.instanceOf(CancelledError);
      expect(q.qsize()).to.equal(0);
    });
  });
});

describe('Queue orders', () => {
  it('Queue is FIFO, LifoQueue LIFO, PriorityQueue smallest first (test_order)', () => {
    vrun(function* () {
      for (const [q, expected] of [
        [new Queue<number>(), [1, 3, 2]],
        [new LifoQueue<number>(), [2, 3, 1]],
        [new PriorityQueue<number>(), [1, 2, 3]],
      ] as const) {
        for (const i of [1, 3, 2]) yield* q.put(i);
        const items: number[] = [];
        for (let i = 0; i < 3; i++) items.push(yield* q.get());
        expect(items).to.deep.equal(expected);
      }
    });
  });

  it('PriorityQueue compares arrays like Python tuples, numbers of every kind, and strings', () => {
    const q = new PriorityQueue<unknown>();
    for (const x of [[2, 'b'], [1, 'z'], [1, 'a'], [1], [1.5, [2, 'x']], [1.5, [2, 'a']], [0.5, 1], [true, 'c'], [0n, 'big']]) {
      q.putNowait(x);
    }
    const out: unknown[] = [];
    while (!q.empty()) out.push(q.getNowait());
    // Python's sorted() of the same tuples (True == 1, 0 == 0n, a prefix is smaller).
    expect(out).to.deep.equal([[0n, 'big'], [0.5, 1], [1], [1, 'a'], [true, 'c'], [1, 'z'], [1.5, [2, 'a']], [1.5, [2, 'x']], [2, 'b']]);
    const nested = new PriorityQueue<unknown>();
    nested.putNowait([[1, 2], 'c']);
    nested.putNowait([[1, 2], 'b']);
    nested.putNowait([[1], 'a']);
    // (1,) < (1, 2); equal inner arrays pass the decision on to the next element
    expect([nested.getNowait(), nested.getNowait(), nested.getNowait()]).to.deep.equal([[[1], 'a'], [[1, 2], 'b'], [[1, 2], 'c']]);
    const s = new PriorityQueue<string>(3);
    for (const x of ['pear', 'apple', 'fig']) s.putNowait(x);
    expect(s.maxsize).to.equal(3);
    expect([s.getNowait(), s.getNowait(), s.getNowait()]).to.deep.equal(['apple', 'fig', 'pear']);
  });

  it("PriorityQueue refuses incomparable items with Python's TypeError and inserts nothing", () => {
    const q = new PriorityQueue<unknown>();
    q.putNowait(1);
    const e = throws(() => q.putNowait('a'));
    expect(e).to.be.instanceOf(TypeError);
    expect((e as Error).message).to.match(/^'<' not supported between instances of 'string' and 'number'/);
    expect(q.qsize()).to.equal(1);
    expect(q._unfinishedTasks).to.equal(1);
    expect(() => q.putNowait([1, {}])).to.throw(TypeError, /'array' and 'number'/);
    expect(q.qsize()).to.equal(1);
    expect(q.getNowait()).to.equal(1);
  });

  it('PriorityQueue: items that compare equal up to incomparable elements are a TypeError', () => {
    const q = new PriorityQueue<unknown>();
    q.putNowait([1, { a: 1 }]);
    const e = throws(() => q.putNowait([1, { a: 1 }]));
    expect((e as Error).message).to.match(/'Object' and 'Object'.*pass \{ compare \}/);
    const same = { a: 2 };
    q.putNowait([0, same]);
    q.putNowait([0, same]); // the very same object is equal to itself
    expect(q.qsize()).to.equal(3);
    const n = new PriorityQueue<unknown>();
    n.putNowait(null);
    expect(() => n.putNowait(null)).to.throw(TypeError, /'null' and 'null'/);
    const bare = new PriorityQueue<unknown>();
    bare.putNowait(Object.create(null));
    expect(() => bare.putNowait(Object.create(null))).to.throw(TypeError, /'object' and 'object'/);
  });

  it('PriorityQueue: a get that meets two incomparable items raises TypeError and takes nothing', () => {
    const q = new PriorityQueue<unknown>();
    // Each put compares the new item with its parent only, so these three get in...
    for (const x of [[0, 'x'], [1, 'a'], [1, [2]]]) q.putNowait(x);
    // ...but taking [0, 'x'] makes the heap compare [1, 'a'] with [1, [2]].
    expect(() => q.getNowait()).to.throw(TypeError, /'string' and 'array'/);
    expect(q.qsize()).to.equal(3);
    expect(q._unfinishedTasks).to.equal(3);
  });

  it('PriorityQueue takes a compare function; an order that throws takes or adds nothing', () => {
    let poisoned = false;
    const q = new PriorityQueue<{ at: number }>({
      compare: (a, b) => {
        if (poisoned) throw new RangeError('cannot compare now');
        return b.at - a.at; // largest first
      },
    });
    for (const at of [3, 9, 1, 7]) q.putNowait({ at });
    poisoned = true;
    expect(() => q.putNowait({ at: 5 })).to.throw(RangeError);
    expect(q.qsize()).to.equal(4);
    expect(() => q.getNowait()).to.throw(RangeError);
    expect(q.qsize()).to.equal(4);
    poisoned = false;
    const out: number[] = [];
    while (!q.empty()) out.push(q.getNowait().at);
    expect(out).to.deep.equal([9, 7, 3, 1]);
    expect(q._unfinishedTasks).to.equal(4);
  });

  it('PriorityQueue checks its options', () => {
    expect(() => new PriorityQueue({ compare: 3 as unknown as () => number })).to.throw(TypeError, /compare must be a function/);
    expect(() => new PriorityQueue('x' as unknown as number)).to.throw(TypeError, "PriorityQueue maxsize must be an integer (0 or less: unbounded), got 'x'");
    expect(() => new PriorityQueue({ maxsize: {} as number })).to.throw(TypeError, 'PriorityQueue maxsize must be an integer (0 or less: unbounded), got {}');
    expect(() => new PriorityQueue(null as unknown as number)).to.throw(TypeError);
    expect(new PriorityQueue(5).maxsize).to.equal(5);
    expect(new PriorityQueue().maxsize).to.equal(0);
  });
});

for (const [name, make] of queueClasses) {
  describe(`${name}: taskDone, join and shutdown`, () => {
    it('taskDone without an unfinished item is a ValueError (test_task_done_underflow)', () => {
      const q = make();
      const e = throws(() => q.taskDone());
      expect(e).to.be.instanceOf(ValueError);
      expect((e as Error).message).to.equal('task_done() called too many times');
    });

    it('join waits until every item is marked done (test_task_done, test_join_empty_queue)', () => {
      vrun(function* () {
        const q = make();
        yield* q.join();
        yield* q.join(); // an empty queue joins at once
        for (let i = 0; i < 100; i++) q.putNowait(i);
        let sum = 0;
        let running = true;
        function* worker(): Coroutine<void> {
          while (running) {
            const item = (yield* q.get()) as number;
            yield* sleep(0.01);
            sum += item;
            q.taskDone();
          }
        }
        const workers = [createTask(worker()), createTask(worker())];
        yield* q.join();
        expect(sum).to.equal(4950);
        expect(getRunningLoop().time()).to.be.closeTo(0.5, 1e-9);
        running = false;
        for (let i = 0; i < workers.length; i++) q.putNowait(0);
        yield* settle(workers);
      });
    });

    it('shutdown of an empty queue: blocked and later gets and puts raise QueueShutDown (test_shutdown_empty)', () => {
      vrun(function* () {
        const q = make();
        const getTask = createTask(q.get());
        yield* sleep(0);
        q.shutdown(false);
        expect(String(q)).to.equal(`<${name} maxsize=0 shutdown>`);
        expect(q.qsize()).to.equal(0);
        yield* q.join();
        yield* sleep(0);
        expect(getTask.done()).to.equal(true);
        expect(yield* catching(getTask)).to.be.instanceOf(QueueShutDown);
        expect(yield* catching(q.put('data'))).to.be.instanceOf(QueueShutDown);
        expect(throws(() => q.putNowait('data'))).to.be.instanceOf(QueueShutDown);
        expect(yield* catching(q.get())).to.be.instanceOf(QueueShutDown);
        expect(throws(() => q.getNowait())).to.be.instanceOf(QueueShutDown);
      });
    });

    it('shutdown of a non-empty queue: items can still be taken; join waits for them (test_shutdown_nonempty)', () => {
      vrun(function* () {
        const q = make(1);
        q.putNowait('data');
        const joinTask = createTask(q.join());
        const putTask = createTask(q.put('data2'));
        yield* sleep(0);
        expect(putTask.done()).to.equal(false);
        q.shutdown();
        expect(q.qsize()).to.equal(1);
        yield* sleep(0);
        expect(putTask.done()).to.equal(true);
        expect(yield* catching(putTask)).to.be.instanceOf(QueueShutDown);
        expect(yield* q.get()).to.equal('data');
        yield* sleep(0);
        expect(joinTask.done()).to.equal(false);
        expect(yield* catching(q.put('data'))).to.be.instanceOf(QueueShutDown);
        expect(throws(() => q.putNowait('data'))).to.be.instanceOf(QueueShutDown);
        expect(yield* catching(q.get())).to.be.instanceOf(QueueShutDown);
        expect(throws(() => q.getNowait())).to.be.instanceOf(QueueShutDown);
        q.taskDone();
        yield* sleep(0);
        expect(joinTask.done()).to.equal(true);
        expect(throws(() => q.taskDone())).to.be.instanceOf(ValueError);
      });
    });

    it('shutdown(true) drops the items, releases join and wakes the getters (test_shutdown_immediate)', () => {
      vrun(function* () {
        const q = make();
        q.putNowait('data');
        const joinTask = createTask(q.join());
        yield* sleep(0); // join() is waiting for the unfinished item
        expect(joinTask.done()).to.equal(false);
        q.shutdown(true);
        expect(q.qsize()).to.equal(0);
        yield* sleep(0);
        expect(joinTask.done()).to.equal(true);
        expect(yield* catching(q.put('data'))).to.be.instanceOf(QueueShutDown);
        expect(yield* catching(q.get())).to.be.instanceOf(QueueShutDown);
        expect(throws(() => q.taskDone())).to.be.instanceOf(ValueError);

        const q2 = make();
        const getters = [createTask(q2.get()), createTask(q2.get())];
        yield* sleep(0);
        q2.shutdown(true);
        for (const o of yield* settle(getters)) expect(o).to.be.instanceOf(QueueShutDown);
        expect(q2._getters.length).to.equal(0);
      });
    });

    it('shutdown(true) with an item taken but not done: join still waits for it (test_shutdown_immediate_with_unfinished)', () => {
      vrun(function* () {
        const q = make();
        q.putNowait('data');
        q.putNowait('data');
        const joinTask = createTask(q.join());
        expect(yield* q.get()).to.equal('data');
        q.shutdown(true);
        expect(q.qsize()).to.equal(0);
        yield* sleep(0);
        expect(joinTask.done()).to.equal(false);
        expect(yield* catching(q.get())).to.be.instanceOf(QueueShutDown);
        q.taskDone();
        expect(throws(() => q.taskDone())).to.be.instanceOf(ValueError);
        yield* sleep(0);
        expect(joinTask.done()).to.equal(true);
      });
    });

    it('shutdown wakes every blocked putter with QueueShutDown and keeps the items', () => {
      vrun(function* () {
        const q = make(1);
        q.putNowait(0);
        const putters = [createTask(q.put(1)), createTask(q.put(2))];
        yield* sleep(0);
        q.shutdown();
        for (const o of yield* settle(putters)) expect(o).to.be.instanceOf(QueueShutDown);
        expect(q.qsize()).to.equal(1);
        expect(q._putters.length).to.equal(0);
      });
    });
  });
}

/** A small seeded PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('stress: producers and consumers with random cancellations', () => {
  for (const [name, make] of queueClasses) {
    for (const seed of [11, 12]) {
      it(`${name}(3): no item is lost or duplicated (seed ${seed})`, () => {
        const random = prng(seed);
        vrun(function* () {
          const q = make(3);
          const put: number[] = [];
          const got: number[] = [];
          function* producer(base: number): Coroutine<void> {
            for (let i = 0; i < 50; i++) {
              const item = base + i;
              yield* q.put(item);
              put.push(item); // reached only if the put completed
              if (random() < 0.3) yield* sleep(random() * 0.01);
            }
          }
          function* consumer(): Coroutine<void> {
            for (;;) {
              got.push((yield* q.get()) as number);
              if (random() < 0.3) yield* sleep(random() * 0.01);
            }
          }
          const producers = Array.from({ length: 20 }, (_, k) => createTask(producer(k * 1000)));
          const consumers = Array.from({ length: 10 }, () => createTask(consumer()));
          const all = [...producers, ...consumers];
          for (let k = 0; k < 40; k++) {
            const victim = all[Math.floor(random() * all.length)];
            getRunningLoop().callLater(random() * 0.3, () => victim.cancel());
          }
          yield* settle(producers);
          yield* sleep(1); // let the consumers that are left drain the queue
          for (const c of consumers) c.cancel();
          yield* settle(consumers);
          const left: number[] = [];
          while (!q.empty()) left.push(q.getNowait() as number);
          const taken = [...got, ...left].sort((a, b) => a - b);
          expect(taken).to.deep.equal([...put].sort((a, b) => a - b));
          expect(new Set(taken).size).to.equal(taken.length);
          expect(put.length).to.be.greaterThan(100);
          expect(q._getters.length).to.equal(0);
          expect(q._putters.length).to.equal(0);
        });
      });
    }
  }
});
