/**
 * Random programs for the property suite: what a program is, and the
 * fast-check arbitraries that generate them.
 *
 * A program is a tree of tasks. Each task runs a list of operations — sleep,
 * spawn a child, await a child, gather, wait, waitFor, timeout, shield, take
 * a lock, put to / get from a queue… — and returns the sum of the `value`
 * operations it ran plus the results of the children it awaited. Two
 * families are generated:
 *   - `pure` programs use only operations whose outcome depends on virtual
 *     time alone (no shared state, no cancellations injected from outside),
 *     so that a small reference model (model.ts) can predict every task's
 *     outcome, result and end time exactly;
 *   - `full` programs add locks, semaphores, queues, events, task groups,
 *     tasks that refuse a cancellation, and cancellations injected at random
 *     times and at random callbacks; only invariants are checked for them
 *     (interpreter.ts), plus the conservation of queue items.
 *
 * The interpreter is interpreter.ts (with operations.ts); the model is model.ts.
 */
import fc from 'fast-check';

export type Mode = 'pure' | 'full';
export type ReturnWhen = 'FIRST_COMPLETED' | 'FIRST_EXCEPTION' | 'ALL_COMPLETED';

/** One operation of a task. Durations are in virtual seconds. */
export type Op =
  | { k: 'sleep'; d: number }
  | { k: 'yield' }
  | { k: 'value'; v: number }
  | { k: 'throw' }
  | { k: 'spawn'; task: TaskSpec }
  /** Await the task's own i-th child (modulo the number of children; nothing when it has none). */
  | { k: 'await'; i: number }
  | { k: 'gather'; tasks: TaskSpec[]; returnExceptions: boolean }
  | { k: 'wait'; tasks: TaskSpec[]; timeout: number | null; returnWhen: ReturnWhen; cancelPending: boolean }
  /** `inline`: the child's body runs in this task (waitFor(coroutine)); else as a Task of its own. */
  | { k: 'waitFor'; task: TaskSpec; timeout: number; inline: boolean }
  | { k: 'timeout'; delay: number; body: Op[] }
  | { k: 'shield'; task: TaskSpec }
  /** A plain Future resolved by a timer `d` seconds later, with `callbacks` extra done callbacks. */
  | { k: 'future'; d: number; callbacks: number }
  | { k: 'taskGroup'; tasks: TaskSpec[] }
  | { k: 'lock'; r: number; hold: number }
  | { k: 'sem'; hold: number }
  | { k: 'put'; q: number; n: number; timeout: number | null }
  | { k: 'get'; q: number; n: number; timeout: number | null }
  | { k: 'eventWait'; e: number; timeout: number | null }
  | { k: 'eventSet'; e: number }
  | { k: 'eventClear'; e: number }
  /** Cancel the task's own i-th child (whatever state it is in). */
  | { k: 'cancel'; i: number }
  | { k: 'cancelSelf' }
  /** Sleep `d`, catching one CancelledError and taking the request back (a task that refuses). */
  | { k: 'refuse'; d: number };

/** A task: its operations, and whether it runs them through `coroutine()` frames. Ids are pre-order. */
export interface TaskSpec {
  id: number;
  frames: boolean;
  ops: Op[];
}

export interface QueueSpec {
  kind: 'fifo' | 'lifo' | 'priority';
  maxsize: number;
}

export interface Program {
  mode: Mode;
  /** The root task (id 0). */
  main: TaskSpec;
  /** Number of TaskSpecs in the tree (ids 0 … taskCount-1). */
  taskCount: number;
  /** Cancel task `target` (if it exists then) at virtual time `at`. */
  cancelsAt: { target: number; at: number }[];
  /** Cancel task `target` right after the loop has run `callbacks` callbacks. */
  cancelsAfter: { target: number; callbacks: number }[];
  queues: QueueSpec[];
  semValue: number;
  /** Create tasks with eagerTaskFactory. */
  eager: boolean;
  /** False when timeouts could not all get distinct offsets (the model then declines). */
  modelable: boolean;
}

/** How many locks / events the full programs share. */
export const LOCKS = 2;
export const EVENTS = 2;

const SLEEPS = [0, 0.5, 1, 1.5, 2, 3];
const sleepArb = fc.constantFrom(...SLEEPS);
/** A timeout's whole part; finalize() adds a distinct tiny offset to each (see model.ts). */
const timeoutBaseArb = fc.constantFrom(0, 0.5, 1, 2, 3);

// Raw (generated) shapes: the same as Op/TaskSpec but without ids.
type RawTask = { frames: boolean; ops: RawOp[] };
type RawOp = Record<string, unknown> & { k: string };

function opArbs(mode: Mode, depth: number): fc.WeightedArbitrary<RawOp>[] {
  const w = (weight: number, arbitrary: fc.Arbitrary<RawOp>): fc.WeightedArbitrary<RawOp> => ({ weight, arbitrary });
  const ops: fc.WeightedArbitrary<RawOp>[] = [
    w(6, fc.record({ k: fc.constant('sleep'), d: sleepArb })),
    w(2, fc.record({ k: fc.constant('yield') })),
    w(3, fc.record({ k: fc.constant('value'), v: fc.integer({ min: 1, max: 100 }) })),
    w(1, fc.record({ k: fc.constant('throw') })),
    w(3, fc.record({ k: fc.constant('await'), i: fc.nat(7) })),
    w(2, fc.record({ k: fc.constant('future'), d: sleepArb, callbacks: fc.integer({ min: 0, max: 3 }) })),
  ];
  if (depth > 0) {
    const task = taskArb(mode, depth - 1);
    const tasks = (min: number, max: number) => fc.array(task, { minLength: min, maxLength: max });
    ops.push(
      w(4, fc.record({ k: fc.constant('spawn'), task })),
      w(2, fc.record({ k: fc.constant('gather'), tasks: tasks(0, 3), returnExceptions: fc.boolean() })),
      w(2, fc.record({
        k: fc.constant('wait'),
        tasks: tasks(1, 3),
        timeout: fc.option(timeoutBaseArb, { nil: null }),
        returnWhen: mode === 'pure' ? fc.constant<ReturnWhen>('ALL_COMPLETED') : fc.constantFrom<ReturnWhen>('FIRST_COMPLETED', 'FIRST_EXCEPTION', 'ALL_COMPLETED'),
        cancelPending: fc.boolean(),
      })),
      w(2, fc.record({ k: fc.constant('waitFor'), task, timeout: timeoutBaseArb, inline: fc.boolean() })),
      w(2, fc.record({ k: fc.constant('timeout'), delay: timeoutBaseArb, body: fc.array(opArb(mode, depth - 1), { maxLength: 4 }) })),
      w(1, fc.record({ k: fc.constant('shield'), task })),
    );
    if (mode === 'full') ops.push(w(2, fc.record({ k: fc.constant('taskGroup'), tasks: tasks(0, 3) })));
  }
  if (mode === 'full') {
    const limit = fc.option(timeoutBaseArb, { nil: null, freq: 2 });
    ops.push(
      w(3, fc.record({ k: fc.constant('lock'), r: fc.nat(LOCKS - 1), hold: sleepArb })),
      w(2, fc.record({ k: fc.constant('sem'), hold: sleepArb })),
      w(3, fc.record({ k: fc.constant('put'), q: fc.nat(1), n: fc.integer({ min: 1, max: 4 }), timeout: limit })),
      w(3, fc.record({ k: fc.constant('get'), q: fc.nat(1), n: fc.integer({ min: 1, max: 4 }), timeout: limit })),
      w(1, fc.record({ k: fc.constant('eventWait'), e: fc.nat(EVENTS - 1), timeout: limit })),
      w(1, fc.record({ k: fc.constant('eventSet'), e: fc.nat(EVENTS - 1) })),
      w(1, fc.record({ k: fc.constant('eventClear'), e: fc.nat(EVENTS - 1) })),
      w(2, fc.record({ k: fc.constant('cancel'), i: fc.nat(7) })),
      w(1, fc.record({ k: fc.constant('cancelSelf') })),
      w(1, fc.record({ k: fc.constant('refuse'), d: sleepArb })),
    );
  }
  return ops;
}

// Built once per (family, depth): nested tasks use the arbitraries one level down.
const opCache = new Map<string, fc.Arbitrary<RawOp>>();
const taskCache = new Map<string, fc.Arbitrary<RawTask>>();

function opArb(mode: Mode, depth: number): fc.Arbitrary<RawOp> {
  const key = `${mode}:${depth}`;
  let arb = opCache.get(key);
  if (arb === undefined) opCache.set(key, (arb = fc.oneof(...opArbs(mode, depth))));
  return arb;
}

/** A task whose children nest at most `depth` levels further. */
function taskArb(mode: Mode, depth: number): fc.Arbitrary<RawTask> {
  const key = `${mode}:${depth}`;
  let arb = taskCache.get(key);
  if (arb === undefined) {
    arb = fc.record({ frames: fc.boolean(), ops: fc.array(opArb(mode, depth), { minLength: 1, maxLength: 6 }) });
    taskCache.set(key, arb);
  }
  return arb;
}

/** The root: some workers spawned first (so that many tasks share the locks and queues), then its own operations. */
function treeArb(mode: Mode, depth: number, maxWorkers: number): fc.Arbitrary<RawTask> {
  return fc
    .record({
      frames: fc.boolean(),
      workers: fc.array(taskArb(mode, depth - 1), { maxLength: maxWorkers }),
      ops: fc.array(opArb(mode, depth), { minLength: 1, maxLength: 8 }),
    })
    .map(({ frames, workers, ops }) => ({ frames, ops: [...workers.map((task): RawOp => ({ k: 'spawn', task })), ...ops] }));
}

/**
 * Gives every TaskSpec its pre-order id and every time limit its distinct
 * offset: the j-th limit (pre-order) gets 2^-(j+3), so that no two events of
 * a pure program ever fall on the same instant unless one causes the other
 * (see model.ts). Zero limits stay zero in full programs (the "no time at
 * all" paths of waitFor/timeout).
 */
export function finalize(raw: RawTask, mode: Mode, extra: Omit<Program, 'mode' | 'main' | 'taskCount' | 'modelable'>): Program {
  let nextId = 0;
  let nextOffset = 0;
  let modelable = mode === 'pure';
  const limit = (base: number): number => {
    if (mode === 'full' && base === 0) return 0;
    if (nextOffset >= 40) {
      modelable = false; // out of distinct offsets: valid program, no prediction
      return base + 0.25;
    }
    return base + 2 ** -(nextOffset++ + 3);
  };
  const task = (t: RawTask): TaskSpec => {
    const id = nextId++;
    return { id, frames: t.frames, ops: t.ops.map(op) };
  };
  const op = (o: RawOp): Op => {
    const r = o as any;
    switch (o.k) {
      case 'spawn':
      case 'shield':
        return { ...r, task: task(r.task) };
      case 'waitFor': {
        const timeout = limit(r.timeout);
        return { ...r, timeout, task: task(r.task) };
      }
      case 'gather':
      case 'taskGroup':
        return { ...r, tasks: r.tasks.map(task) };
      case 'wait': {
        const timeout = r.timeout === null ? null : limit(r.timeout);
        return { ...r, timeout, tasks: r.tasks.map(task) };
      }
      case 'timeout': {
        const delay = limit(r.delay);
        return { ...r, delay, body: r.body.map(op) };
      }
      case 'put':
      case 'get':
      case 'eventWait':
        return { ...r, timeout: r.timeout === null ? null : limit(r.timeout) };
      default:
        return { ...r };
    }
  };
  const main = task(raw);
  const n = nextId;
  return {
    mode,
    main,
    taskCount: n,
    cancelsAt: extra.cancelsAt.map((c) => ({ target: c.target % n, at: c.at })),
    cancelsAfter: extra.cancelsAfter.map((c) => ({ target: c.target % n, callbacks: c.callbacks })),
    queues: extra.queues,
    semValue: extra.semValue,
    eager: extra.eager,
    modelable,
  };
}

/** Programs of the given family; `depth` bounds the nesting of tasks in tasks, `maxWorkers` the tasks the root spawns first. */
export function programArb(mode: Mode, depth = 3, maxWorkers = 8): fc.Arbitrary<Program> {
  const full = mode === 'full';
  const cancelAt: fc.Arbitrary<Program['cancelsAt']> = fc.array(
    fc.record({ target: fc.nat(1000), at: fc.integer({ min: 0, max: 40 }).map((q) => q / 4) }),
    { maxLength: 4 },
  );
  const cancelAfter: fc.Arbitrary<Program['cancelsAfter']> = fc.array(
    fc.record({ target: fc.nat(1000), callbacks: fc.integer({ min: 1, max: 400 }) }),
    { maxLength: 4 },
  );
  const none = fc.constant([] as never[]);
  const queue = fc.record({ kind: fc.constantFrom<QueueSpec['kind']>('fifo', 'lifo', 'priority'), maxsize: fc.integer({ min: 0, max: 3 }) });
  return fc
    .record({
      tree: treeArb(mode, depth, maxWorkers),
      cancelsAt: full ? cancelAt : none,
      cancelsAfter: full ? cancelAfter : none,
      queues: fc.tuple(queue, queue),
      semValue: fc.integer({ min: 1, max: 3 }),
      eager: fc.boolean(),
    })
    .map(({ tree, ...extra }) => finalize(tree, mode, extra));
}
