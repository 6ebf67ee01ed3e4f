/**
 * 17 — Structured concurrency: TaskGroup, and Happy Eyeballs.
 *
 * `asyncWith(new TaskGroup(), function* (tg) { tg.createTask(...) })` is
 * Python's `async with asyncio.TaskGroup() as tg` (Trio's nursery):
 *  - the block does not end until every task started in it has ended, so no
 *    task outlives the code that started it;
 *  - when one task fails, the group cancels the others (and the body), waits
 *    for them, and throws every failure together in one ExceptionGroup —
 *    `split()` sorts them as Python's `except*` does.
 *
 * Then Happy Eyeballs (RFC 8305, as in Trio's open_tcp_stream and asyncio's
 * staggered start): try several addresses of one host, starting the next
 * attempt when the previous one fails *or* has taken longer than 250 ms,
 * keep the first connection that succeeds, cancel the rest. The attempts
 * are simulated on the virtual clock, so the race is the same every run.
 *
 * Run: npx ts-node examples/17-structured-concurrency.ts [--trace] [--timeline]
 */
import {
  CancelledError,
  Event,
  ExceptionGroup,
  TaskGroup,
  TimeoutError,
  ValueError,
  asyncWith,
  createTask,
  formatTaskTree,
  getRunningLoop,
  sleep,
  waitFor,
  type Coroutine,
  type Task,
} from '../lib';
import { describeError, heading, intro, runVirtual, say } from './_shared';

intro(
  '17 — structured concurrency: TaskGroup and Happy Eyeballs',
  'A TaskGroup owns its tasks: the block waits for all of them, and one failure cancels the rest.',
);

function* job(name: string, seconds: number, fails?: string): Coroutine<string> {
  try {
    yield* sleep(seconds);
  } catch (e) {
    if (e instanceof CancelledError) say(`  ${name}: cancelled after a sibling failed`);
    throw e;
  }
  if (fails !== undefined) {
    say(`  ${name}: fails (${fails})`);
    throw fails === 'bad input' ? new ValueError(`${name}: ${fails}`) : new Error(`${name}: ${fails}`);
  }
  say(`  ${name}: done`);
  return name;
}

// ---------------------------------------------------------------------------

/** A pretend address: how long connecting takes, and whether it works. */
interface Address {
  ip: string;
  seconds: number;
  outcome: 'connects' | 'refused' | 'black hole';
}

const ADDRESSES: Address[] = [
  { ip: '2001:db8::1', seconds: 10, outcome: 'black hole' }, // never answers
  { ip: '2001:db8::2', seconds: 0.1, outcome: 'refused' }, // fails fast
  { ip: '192.0.2.1', seconds: 0.4, outcome: 'connects' },
  { ip: '192.0.2.2', seconds: 0.2, outcome: 'connects' },
];
const STAGGER = 0.25; // RFC 8305's "Connection Attempt Delay"

function* connect(addr: Address): Coroutine<string> {
  yield* sleep(addr.seconds);
  if (addr.outcome !== 'connects') throw new Error(`${addr.ip}: connection ${addr.outcome === 'refused' ? 'refused' : 'timed out'}`);
  return `<socket to ${addr.ip}>`;
}

/**
 * Happy Eyeballs: attempt i starts when attempt i-1 failed or STAGGER seconds
 * after it started, whichever comes first. The first connection wins; the
 * winner cancels every other attempt, and the TaskGroup waits for them.
 */
function* happyEyeballs(addresses: Address[]): Coroutine<string | null> {
  let winner: string | null = null;
  const attempts: Task<void>[] = [];

  function* attempt(i: number, tg: TaskGroup, previousFailed: Event | null): Coroutine<void> {
    if (previousFailed !== null) {
      try {
        yield* waitFor(previousFailed.wait(), STAGGER);
        say(`attempt ${i}: starts now — attempt ${i - 1} failed`);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        say(`attempt ${i}: starts now — attempt ${i - 1} has taken ${STAGGER} s already`);
      }
    }
    const failed = new Event();
    if (i + 1 < addresses.length) attempts.push(tg.createTask(attempt(i + 1, tg, failed), { name: `attempt-${i + 1}` }));
    const addr = addresses[i];
    say(`attempt ${i}: connecting to ${addr.ip}`);
    try {
      const socket = yield* connect(addr);
      winner = socket;
      say(`attempt ${i}: connected — ${socket} wins; cancelling the other attempts`);
      for (const other of attempts) if (other !== attempts[i]) other.cancel();
    } catch (e) {
      if (e instanceof CancelledError) {
        say(`attempt ${i}: cancelled (${addr.ip})`);
        throw e;
      }
      say(`attempt ${i}: failed: ${(e as Error).message}`);
      failed.set(); // the next attempt need not wait any longer
    }
  }

  // A bystander takes a look inside while the race runs.
  const observer = createTask(
    (function* observe(): Coroutine<void> {
      yield* sleep(0.65);
      say('the task tree, 0.650 s into the race (formatTaskTree):');
      for (const line of formatTaskTree(getRunningLoop()).split('\n')) console.log(`    ${line}`);
    })(),
    { name: 'observer' },
  );
  yield* asyncWith(new TaskGroup(), function* (tg) {
    attempts.push(tg.createTask(attempt(0, tg, null), { name: 'attempt-0' }));
  });
  yield* observer;
  return winner;
}

// ---------------------------------------------------------------------------

function* main(): Coroutine<void> {
  heading('1. The block waits for every task it started');
  const results = yield* asyncWith(new TaskGroup(), function* (tg) {
    const a = tg.createTask(job('a', 1), { name: 'a' });
    const b = tg.createTask(job('b', 2), { name: 'b' });
    say('body: tasks started; the body ends here, but the block is not over');
    return [a, b];
  });
  say(`after the block: every task is done: ${results.map((t) => `${t.getName()}=${JSON.stringify(t.result())}`).join(', ')}`);

  heading('2. One failure cancels the siblings; all failures come out together');
  try {
    yield* asyncWith(new TaskGroup(), function* (tg) {
      tg.createTask(job('fetch', 3), { name: 'fetch' });
      tg.createTask(job('parse', 1, 'bad input'), { name: 'parse' });
      tg.createTask(job('store', 1, 'disk full'), { name: 'store' });
      tg.createTask(job('index', 5), { name: 'index' });
      yield* sleep(10);
      say('body: never printed — the body is cancelled too');
    });
  } catch (e) {
    if (!(e instanceof ExceptionGroup)) throw e;
    say(`${e.name}: ${e.message}`);
    for (const err of e.exceptions) say(`  - ${describeError(err)}`);
    const [valueErrors, rest] = e.split(ValueError); // what `except* ValueError` would catch
    say(`split(ValueError): ${valueErrors?.exceptions.length ?? 0} matched, ${rest?.exceptions.length ?? 0} left for other handlers`);
  }

  heading('3. Happy Eyeballs: staggered attempts, the first to connect wins');
  for (const [i, a] of ADDRESSES.entries()) say(`address ${i}: ${a.ip.padEnd(12)} ${a.outcome} after ${a.seconds} s`);
  const t0 = getRunningLoop().time();
  const socket = yield* happyEyeballs(ADDRESSES);
  say(`connected: ${socket}, ${(getRunningLoop().time() - t0).toFixed(3)} s after the first attempt`);
  say('(one at a time, in order, it would have waited 10 s on the black hole first)');
}

runVirtual(main());
