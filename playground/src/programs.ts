/**
 * The preloaded programs, each a short version of an example in examples/.
 * A program is plain JavaScript: it gets the library as `asyncio` (the same
 * API as `import * as asyncio from 'tulip'`) and `console`, and defines
 * `function* main()`, which the playground runs as asyncio.run(main()) would.
 *
 * The menu is this list, in this order: to add a program, add an entry here
 * (the page, `?program=<id>` and the specs that run every program follow).
 * An entry naming in `requires` what it uses of the library appears only
 * once the library exports all of it.
 */
export interface Program {
  /** The key in the page's menu and in `?program=` of its address. */
  id: string;
  title: string;
  /** Which example it comes from (or which part of the library it shows). */
  from: string;
  /** Names the program needs from the library: the menu leaves it out while any is missing. */
  requires?: string[];
  /** How its run ends, when it is meant to fail (the mistakes); a run of any other program ends without an error. */
  fails?: 'exception' | 'deadlock' | 'frozen';
  source: string;
}

/** The programs the menu offers with a library exporting `exported`: those whose `requires` it all exports. */
export function availablePrograms(exported: Iterable<string>, list: readonly Program[] = programs): Program[] {
  const have = new Set(exported);
  return list.filter((p) => (p.requires ?? []).every((name) => have.has(name)));
}

export const programs: Program[] = [
  {
    id: 'sleep-ordering',
    title: 'Sleep ordering: the timer heap',
    from: 'examples/04-countdown-countup.ts',
    source: `// Two tasks sleep for different periods. Each sleep(d) puts a timer
// in the heap, ordered by (deadline, order of scheduling); when
// nothing is ready the virtual clock jumps to the earliest timer.
// Watch the timer heap and the clock: the output interleaves by
// time.
const { createTask, sleep } = asyncio;

function* countdown(n) {
  while (n > 0) {
    console.log(\`countdown: T-minus \${n}\`);
    yield* sleep(1);
    n--;
  }
  console.log('countdown: lift-off!');
}

function* countup(stop) {
  for (let i = 0; i < stop; i++) {
    console.log(\`countup: up we go, \${i}\`);
    yield* sleep(1.5);
  }
  console.log('countup: done');
}

function* main() {
  // createTask only schedules a first step: the tasks start at the
  // next iteration.
  const down = createTask(countdown(3), { name: 'countdown' });
  const up = createTask(countup(2), { name: 'countup' });
  yield* down;
  yield* up;
}
`,
  },
  {
    id: 'gather',
    title: 'gather: three at once, results in order',
    from: 'examples/08-gather-wait-ordering.ts',
    source: `// gather() wraps each coroutine in a Task (watch three tasks appear
// in the ready deque), waits for all of them, and gives their
// results in the order they were given — not the order they finished
// in. Watch the gather Future: each child has a done callback that
// counts it in.
const { gather, sleep } = asyncio;

function* fetch(name, seconds) {
  console.log(\`\${name}: start (takes \${seconds} s)\`);
  yield* sleep(seconds);
  console.log(\`\${name}: done\`);
  return \`\${name}'s data\`;
}

function* main() {
  const results = yield* gather([
    fetch('A', 2),
    fetch('B', 1),
    fetch('C', 3),
  ]);
  console.log('main: gather returned', results);
  return results.length;
}
`,
  },
  {
    id: 'producer-consumer',
    title: 'Producer/consumer: a bounded queue',
    from: 'examples/09-producer-consumer.ts',
    source: `// A Queue of 2 between one producer and two consumers. put() waits
// while the queue is full (back-pressure), get() while it is empty;
// join() waits until every item put was marked done, and shutdown()
// stops the consumers.
const { Queue, QueueShutDown, createTask, sleep } = asyncio;

const q = new Queue(2);

function* producer(count) {
  for (let i = 1; i <= count; i++) {
    yield* sleep(0.2); // making the item
    yield* q.put(\`item \${i}\`);
    console.log(\`producer: put item \${i} [q=\${q.qsize()}/\${q.maxsize}]\`);
  }
}

function* consumer(name) {
  try {
    for (;;) {
      const item = yield* q.get();
      console.log(\`\${name}: got \${item}\`);
      yield* sleep(1); // working on it
      q.taskDone();
    }
  } catch (e) {
    if (!(e instanceof QueueShutDown)) throw e;
    console.log(\`\${name}: the queue is shut down, stopping\`);
  }
}

function* main() {
  const consumers = ['C1', 'C2'].map((name) =>
    createTask(consumer(name), { name }),
  );
  yield* createTask(producer(5), { name: 'producer' });
  yield* q.join();
  q.shutdown();
  for (const c of consumers) yield* c;
}
`,
  },
  {
    id: 'timeouts',
    title: 'Timeouts and cancellation',
    from: 'examples/10-timeouts-and-cancellation.ts',
    source: `// waitFor() gives up after a timeout: it cancels the operation,
// which gets CancelledError at its yield* and may clean up.
// task.cancel() does the same to a task. Watch the timeout's timer
// in the heap, and the cancellation.
const { waitFor, createTask, sleep } = asyncio;
const { CancelledError, TimeoutError } = asyncio;

function* slowOperation(name) {
  try {
    console.log(\`\${name}: started, needs 5 s\`);
    yield* sleep(5);
    return 'finished';
  } catch (e) {
    if (e instanceof CancelledError) {
      console.log(\`\${name}: cancelled, cleaning up\`);
    }
    throw e;
  }
}

function* main() {
  try {
    yield* waitFor(slowOperation('first'), 2);
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    console.log('main: gave up after 2 s (TimeoutError)');
  }
  const task = createTask(slowOperation('second'), { name: 'second' });
  yield* sleep(1);
  task.cancel('not needed any more');
  try {
    yield* task;
  } catch (e) {
    console.log(\`main: the task ended with \${e.name}: \${e.message}\`);
  }
}
`,
  },
  {
    id: 'cancellation',
    title: 'Cancellation: down the awaits, and back up',
    from: 'examples/11-one-cancellation.ts',
    source: `// main cancels 'supervisor', which awaits the task 'worker', which
// waits three calls deep in a sleep. cancel() travels down the chain
// of awaits — supervisor's await cancels worker, worker's cancels
// the sleep — then CancelledError climbs back up: it is thrown in at
// the sleep's yield*, runs every finally on its way, and each task
// ends cancelled. Step through it and watch the tasks' states.
const { createTask, sleep, CancelledError } = asyncio;

function* leaf() {
  try {
    console.log('leaf: sleeping for 10 s');
    yield* sleep(10);
  } finally {
    console.log('leaf: finally');
  }
}

function* worker() {
  try {
    yield* leaf();
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
    console.log(\`worker: caught CancelledError(\${e.message}), re-raising\`);
    throw e; // swallowing it would leave the task running on
  }
}

function* supervisor() {
  const w = createTask(worker(), { name: 'worker' });
  try {
    yield* w; // awaiting a task: a cancel() goes on into it
  } finally {
    console.log('supervisor: finally');
  }
}

function* main() {
  const s = createTask(supervisor(), { name: 'supervisor' });
  yield* sleep(1);
  console.log('main: cancel');
  s.cancel('shutting down');
  try {
    yield* s;
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
    console.log(\`main: cancelled \${e.message}, \${s.cancelled()}\`);
  }
}
`,
  },
  {
    id: 'async-generator',
    title: 'An async generator: emit and asyncFor',
    from: 'lib: asyncGenerator, emit, anext, asyncFor',
    requires: ['asyncGenerator', 'emit', 'asyncFor'],
    source: `// asyncGenerator() makes a function* an async generator (Python's
// async def with a yield in it). \`yield* emit(v)\` hands v to whoever
// asked for the next value and waits to be asked again; every other
// yield* awaits, as in a coroutine. asyncFor() is Python's async for;
// aclose() ends the generator early, running its finally.
const { asyncGenerator, emit, asyncFor, sleep } = asyncio;

const ticks = asyncGenerator(function* ticks(count, interval) {
  try {
    for (let i = 1; i <= count; i++) {
      yield* sleep(interval); // an await, like in any coroutine
      console.log(\`ticks: emits \${i}\`);
      yield* emit(i); // Python's \`yield i\`
    }
  } finally {
    console.log('ticks: finally');
  }
});

function* main() {
  yield* asyncFor(ticks(3, 0.5), function* (i) {
    console.log(\`main: got \${i}\`);
    yield* sleep(0.1);
  });
  const gen = ticks(10, 1);
  console.log('main: first of ten:', yield* gen.anext());
  yield* gen.aclose(); // the rest is never made
}
`,
  },
  {
    id: 'deadlock',
    title: 'A deadlock: two locks, opposite orders',
    fails: 'deadlock',
    from: 'examples/16-dining-philosophers.ts',
    source: `// Two tasks take the same two locks in opposite orders. Each gets
// its first lock, then waits forever for the other's: a wait cycle.
// CPython would hang; tulip notices that nothing can ever make
// progress (nothing ready, no timer) and reports who waits for whom.
const { Lock, createTask, sleep } = asyncio;

const forkA = new Lock();
const forkB = new Lock();

function* philosopher(name, first, second) {
  yield* first.acquire();
  console.log(\`\${name}: got one fork, reaching for the other\`);
  yield* sleep(0.1); // the fatal pause: now each holds one fork
  yield* second.acquire();
  console.log(\`\${name}: eating\`); // never printed
  second.release();
  first.release();
}

function* main() {
  const left = createTask(philosopher('left', forkA, forkB),
    { name: 'left' });
  const right = createTask(philosopher('right', forkB, forkA),
    { name: 'right' });
  yield* left;
  yield* right;
}
`,
  },
  {
    id: 'forgotten-star',
    title: 'A mistake: yield instead of yield*',
    fails: 'exception',
    from: 'examples/07-yield-star-mistakes.ts',
    source: `// \`yield sleep(1)\` hands the loop a generator instead of waiting
// for it. The Task cannot know what to do with it: it throws a
// RuntimeError back into the coroutine at its next step, saying what
// went wrong.
const { sleep } = asyncio;

function* main() {
  console.log('main: about to sleep, with a star missing');
  yield sleep(1); // should be: yield* sleep(1)
  console.log('main: never printed');
}
`,
  },
  {
    id: 'never-yields',
    title: 'A mistake: a coroutine that never yields',
    fails: 'frozen',
    from: 'examples/15-blocking-the-loop.ts',
    source: `// A coroutine that loops without ever yielding keeps the loop's only
// thread: no other callback, timer or task can run again. The
// playground stops it after a moment (the page keeps running; press
// Reset).
const { createTask, sleep } = asyncio;

function* ticker() {
  for (;;) {
    console.log('ticker: tick');
    yield* sleep(1);
  }
}

function* main() {
  createTask(ticker(), { name: 'ticker' });
  yield* sleep(2.5);
  console.log('main: now counting forever, without a yield…');
  let n = 0;
  for (;;) n++; // no yield*: the loop never gets control back
}
`,
  },
];
