/**
 * 03 — The Task trampoline, narrated.
 *
 * Example 02 drove a coroutine by hand. A Task does the same, by rule:
 *   1. its first step is scheduled with `loop.callSoon`;
 *   2. a step calls `gen.next()` until the coroutine yields a Future;
 *   3. the Task registers itself as that future's done callback, and returns;
 *   4. someone finishes the future: `setResult` schedules the done callbacks
 *      with `callSoon` (never runs them inline);
 *   5. the loop runs `wakeup`, which steps again — back to 2 — until the
 *      coroutine returns: that value becomes the Task's own result, because a
 *      Task *is* a Future, and whoever awaits it is woken the same way.
 *
 * The narration below comes from a small Instrument (the loop's hooks, see
 * docs/seeing-inside.md §1) written in this file; `--trace` adds tulip's own Tracer.
 *
 * Run: npx ts-node examples/03-task-trampoline.ts [--trace] [--timeline]
 */
import { getRunningLoop, createTask, type Coroutine, type Future, type Handle, type Instrument, type Task, type TimerHandle } from '../lib';
import { intro, makeLoop, say, showTrace, stamp } from './_shared';

intro(
  '03 — the Task trampoline, narrated',
  'Watch a Task step its coroutine, park it on a Future, and wake it when the',
  'future is done. Lines marked │ come from the loop\'s instrument hooks.',
);

const tasks: Task<unknown>[] = [];

/**
 * The task a handle steps or wakes, if it is one: every Task's steps share
 * one callback function, `taskStep` (lib/tasks.ts), and its wakeups
 * `taskWakeup`; the handle's argument is the task.
 */
function taskOf(handle: Handle, kind: 'taskStep' | 'taskWakeup'): Task<unknown> | undefined {
  // Peeking at internals (underscore fields) to name the callback; fine for a lesson, not for an app.
  return handle._callback?.name === kind ? tasks.find((t) => t === handle._arg) : undefined;
}

/** Says what a scheduled callback is: a Task's step or wakeup, or a plain callback. */
function describe(handle: Handle): string {
  const stepped = taskOf(handle, 'taskStep');
  if (stepped !== undefined) return `${stepped.getName()}._step()`;
  const woken = taskOf(handle, 'taskWakeup');
  if (woken !== undefined) return `${woken.getName()}._wakeup(future)`;
  return handle.toString().replace(/^<(Timer)?Handle (when=\S+ )?/, '').replace(/>$/, '');
}

function note(text: string): void {
  console.log(`${stamp()}  │ ${text}`);
}

const started = new Set<Task<unknown>>(); // tasks that have taken a step
let stepping = false; // between beforeTaskStep and afterTaskStep
let scheduledDuringStep: string[] = [];

/** An instrument that narrates the trampoline. */
const narrator: Instrument = {
  taskCreated(task) {
    tasks.push(task);
    note(`Task '${task.getName()}' created: callSoon(${task.getName()}._step()) puts its first step in the ready queue`);
  },
  callbackScheduled(handle) {
    const task = taskOf(handle, 'taskStep');
    if (task !== undefined && !started.has(task)) return; // the first step: taskCreated said it
    const text = `callSoon(${describe(handle)})`;
    if (stepping) scheduledDuringStep.push(text);
    else note(`  ${text}`);
  },
  timerScheduled(timer: TimerHandle) {
    note(`  callLater → timer heap: ${describe(timer)} at t=${timer.when().toFixed(3)}`);
  },
  beforeCallback(handle) {
    const d = describe(handle);
    let why = '';
    if (d.includes('_wakeup')) why = '  — the future it waited on is done';
    if (d.startsWith('runUntilCompleteCallback')) why = '  — it calls loop.stop(), and runUntilComplete() returns';
    note(`loop runs ${d}${why}`);
  },
  beforeTaskStep(task) {
    started.add(task);
    stepping = true;
    note(`  ${task.getName()}: gen.next() — the coroutine runs until it yields or returns`);
  },
  afterTaskStep(task, yielded) {
    stepping = false;
    if (task.done()) {
      note(`  ${task.getName()}: returned → the Task (a Future) is finished: ${task}`);
      if (scheduledDuringStep.length > 0) note('  finishing a future schedules its done callbacks:');
    } else if (yielded === undefined) {
      note(`  ${task.getName()}: bare yield — schedule the next step at once`);
    } else {
      const fut = yielded as Future<unknown>;
      note(`  ${task.getName()}: yielded ${fut}; the Task registers itself as the future's done callback and returns`);
    }
    for (const text of scheduledDuringStep) note(`    ${text}`);
    scheduledDuringStep = [];
  },
  beforeWait(timeout) {
    note(timeout === null ? 'nothing ready, no timers' : `nothing ready: the virtual clock jumps ${timeout.toFixed(3)} s to the next timer`);
  },
};
/** A plain callback that finishes a future (what a socket or timer would do). */
function resolveLater(fut: Future<number>, value: number): void {
  say(`resolveLater: fut.setResult(${value})`);
  fut.setResult(value);
}

function* answer(): Coroutine<number> {
  say("answer: makes a future and a timer that will finish it in 1 s, then yield* fut");
  const loop = getRunningLoop();
  const fut = loop.createFuture<number>();
  loop.callLater(1, resolveLater, fut, 42);
  const v = yield* fut; // suspends: the future yields itself to the Task
  say(`answer: resumed; yield* fut evaluated to ${v}`);
  return v;
}

function* main(): Coroutine<void> {
  const task = createTask(answer(), { name: 'answer' });
  say("main: created Task 'answer' and now awaits it: a Task is a Future");
  const v = yield* task;
  say(`main: resumed; the Task's result is ${v}`);
}

// What asyncio.run() does, spelled out: a loop, a Task for main, run until it is done, close.
const loop = makeLoop();
loop.addInstrument(narrator);
loop.runUntilComplete(loop.createTask(main(), { name: 'main' }));
loop.close();

console.log(
  [
    '',
    'Read it again with the source open:',
    '  lib/tasks.ts    Task._step → _run (gen.next) → _suspend (the Task registers itself on the future)',
    '  lib/futures.ts  Future.setResult → _scheduleCallbacks → loop._callSoonWithArg',
    '  lib/loop.ts     _runReady: due timers → ready deque → handle._run()',
    '  docs/internals.md follows one value through all of it.',
  ].join('\n'),
);
showTrace(loop);
