/**
 * 09 — Producer/consumer with a bounded queue.
 *
 * A `Queue(maxsize)` is how tasks hand work to each other. Its bound is
 * back-pressure: `yield* q.put(x)` waits while the queue is full, so a fast
 * producer is slowed to the pace of its consumers instead of piling up
 * memory; `yield* q.get()` waits while it is empty. Each item taken is marked
 * with `q.taskDone()`, and `yield* q.join()` waits until every item put has
 * been processed. Then `q.shutdown()` (Python 3.13) tells the idle consumers
 * to stop: their `get()` raises QueueShutDown.
 *
 * Two producers at different speeds, three consumers, a queue of 3 — on the
 * virtual clock, so every line below has the same time on every run.
 *
 * Run: npx ts-node examples/09-producer-consumer.ts [--trace] [--timeline]
 */
import { Queue, QueueShutDown, createTask, sleep, type Coroutine } from '../lib';
import { heading, intro, runVirtual, say } from './_shared';

intro(
  '09 — producer/consumer with a bounded queue',
  'P-fast makes an item every 0.2 s, P-slow every 0.5 s; three consumers take 1 s each.',
  'The queue holds 3: when it is full, put() waits — that is back-pressure.',
);

const q = new Queue<string>(3);
const depth = () => `[q=${q.qsize()}/${q.maxsize}]`;

function* producer(name: string, count: number, every: number): Coroutine<void> {
  for (let i = 1; i <= count; i++) {
    yield* sleep(every); // making the item
    const item = `${name}#${i}`;
    if (q.full()) say(`${name}: made ${item}, but the queue is full: put() waits ${depth()}`);
    const asked = q.qsize() === q.maxsize;
    yield* q.put(item);
    say(`${name}: put ${item}${asked ? ' (after waiting for room)' : ''} ${depth()}`);
  }
  say(`${name}: done producing`);
}

function* consumer(name: string, tally: Map<string, string[]>): Coroutine<void> {
  const mine: string[] = [];
  tally.set(name, mine);
  try {
    for (;;) {
      const item = yield* q.get();
      say(`${name}: got ${item} ${depth()}`);
      yield* sleep(1); // working on it
      mine.push(item);
      q.taskDone();
    }
  } catch (e) {
    if (!(e instanceof QueueShutDown)) throw e;
    say(`${name}: the queue is shut down — stopping`);
  }
}

function* main(): Coroutine<void> {
  heading('Running');
  const tally = new Map<string, string[]>();
  const consumers = ['C1', 'C2', 'C3'].map((n) => createTask(consumer(n, tally), { name: n }));
  const producers = [createTask(producer('P-fast', 6, 0.2), { name: 'P-fast' }), createTask(producer('P-slow', 3, 0.5), { name: 'P-slow' })];
  for (const p of producers) yield* p;
  say('main: both producers are done; join() waits until every item is processed');
  yield* q.join();
  say(`main: join() returned: all items processed ${depth()}`);
  q.shutdown(); // the consumers, all blocked in get(), wake up with QueueShutDown
  for (const c of consumers) yield* c;

  heading('Who processed what');
  for (const [name, items] of tally) say(`${name}: ${items.length} items: ${items.join(', ')}`);
}

runVirtual(main());
