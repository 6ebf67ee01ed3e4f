/**
 * 23 — Context variables: a request id that follows each task through the logs.
 *
 * A `ContextVar` is a variable whose value depends on *where* the code runs:
 * every Task runs in its own Context (a copy of its creator's, made when the
 * task was created), and every callback runs in a copy of the context that
 * was current when it was scheduled. So a request handler sets `requestId`
 * once, and everything it starts — child tasks, timers, done callbacks —
 * logs the right id, however the three requests interleave. Nobody passes
 * the id along.
 *
 *   1. three requests at once: each handler sets the id, a logger reads it;
 *      the TaskGroup children inherit it (a copy: what a child sets stays
 *      in the child); callLater and a done callback log it too;
 *   2. a callback given a context explicitly (Python's `context=` keyword:
 *      `loop.callSoonIn(ctx, …)`) runs in that context itself, so what it
 *      sets stays there — where a plain `callSoon` gets a copy that is
 *      dropped when it returns;
 *   3. the top level never saw any of it.
 *
 * Run: npx ts-node examples/23-context-variables.ts [--trace] [--timeline]
 */
import {
  ContextVar,
  TaskGroup,
  asyncWith,
  copyContext,
  currentTask,
  gather,
  getRunningLoop,
  sleep,
  type Coroutine,
  type Task,
} from '../lib';
import { heading, intro, runVirtual, say } from './_shared';

intro(
  '23 — context variables: a request id that follows each task',
  'handle() sets requestId once; log() reads it wherever it is called from:',
  'child tasks, timers and done callbacks all see the id of the request that started them.',
);

/** The request being served, `-` outside any request. */
const requestId = new ContextVar<string>('requestId', { default: '-' });
/** Which step of a request we are in (set by the children only). */
const step = new ContextVar<string>('step', { default: 'handler' });

/** The logger: nobody passes it the id, it reads the context. */
function log(message: string): void {
  say(`  [${requestId.get()}/${step.get()}] ${message}`);
}

/** A child of the request's TaskGroup: it inherits a copy of the handler's context. */
function* query(table: string, seconds: number, rows: number): Coroutine<number> {
  step.set(`query ${table}`); // only this child's copy changes
  log(`querying ${table}`);
  yield* sleep(seconds);
  log(`${table}: ${rows} rows`);
  return rows;
}

function* handle(id: string, delay: number): Coroutine<number> {
  yield* sleep(delay);
  requestId.set(id); // this task's context only: the other requests keep theirs
  log('start');
  // A timer scheduled now runs in a copy of the context current now.
  getRunningLoop().callLater(0.25, () => log('timer: still working on it'));
  const children: Task<number>[] = [];
  yield* asyncWith(new TaskGroup(), function* (tg) {
    const users = tg.createTask(query('users', 0.2 + delay, 3));
    children.push(users, tg.createTask(query('orders', 0.4, 12)));
    // A done callback runs in a copy of the context current when it was added.
    users.addDoneCallback((t) => log(`done callback: users gave ${t.result()}`));
  });
  const rows = children.reduce((sum, t) => sum + t.result(), 0);
  log(`end: ${rows} rows (the children's "step" never reached the handler)`);
  return rows;
}

function* main(): Coroutine<void> {
  heading('1. three requests at once');
  yield* gather([handle('req-1', 0), handle('req-2', 0.1), handle('req-3', 0.15)]);

  heading('2. a callback in a context of your choice');
  requestId.set('main');
  const loop = getRunningLoop();
  const ctx = copyContext(); // a snapshot of main's context: requestId = main
  loop.callSoon(() => {
    requestId.set('set in a plain callback'); // its own copy, dropped when it returns
  });
  loop.callSoonIn(ctx, () => {
    log('callSoonIn(ctx, …): runs in ctx itself');
    requestId.set('set in ctx by a callback'); // stays in ctx
  });
  yield* sleep(0);
  say(`  after both callbacks: main sees ${requestId.get()}, ctx holds ${ctx.get(requestId)}`);
  say(`  ctx.run(log, …) runs code in ctx now:`);
  ctx.run(log, 'hello from ctx.run');
  say(`  the task's own context is task.getContext(): ${(currentTask() as Task<void>).getContext().get(requestId)}`);
}

runVirtual(main());
heading('3. the top level');
say(`  after the run, at the top level: requestId = ${requestId.get()} (each task had its own copy)`);
