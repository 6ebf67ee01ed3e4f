/**
 * The reference model for pure programs (programs.ts): a plain recursive
 * evaluation, with no event loop, of what every task ends with (result,
 * error or cancelled), its value and the virtual time it ends at.
 *
 * It knows asyncio's rules, not tulip's code:
 *   - sleep(d) and a timer-resolved future take exactly d seconds;
 *   - a task awaiting a task ends when that one ends; gather when all have
 *     (or at the first failure, without returnExceptions); wait() at the
 *     earlier of "all done" and its timeout, cancelling nothing;
 *   - a timeout or waitFor that expires cancels its task, which cancels the
 *     task or gather it is awaiting (not a shielded one, not wait()'s) at
 *     that instant; the timeout turns that into TimeoutError at its own level;
 *   - an error ends the task, and its awaiter swallows it; children not
 *     awaited run on.
 *
 * Ties. Two events at the same virtual instant are ordered by the loop's
 * iterations, which the model does not simulate. So finalize() gives every
 * time limit a distinct power-of-two offset (2^-3, 2^-4, …): a deadline is
 * then never equal to any instant reached without passing that deadline, and
 * no tie can decide an outcome. The model still checks, and declines the
 * program (returns null) should one ever occur.
 */
import type { Op, Program, TaskSpec } from './programs';
import type { Outcome } from './interpreter';

export interface ModelTask {
  outcome: Outcome;
  value: number;
  end: number;
}

export interface ModelResult {
  tasks: Map<number, ModelTask>;
  rootValue: number;
  endTime: number;
}

/** Two events fell on one instant where their order matters: no prediction. */
class Ambiguous extends Error {}

interface Deadline {
  at: number;
}

/** How a task body unwinds: its own error, a cancellation from outside, or an expired deadline of its own. */
class Unwind {
  constructor(readonly kind: 'error' | 'cancel' | 'deadline', readonly deadline: Deadline | null = null) {}
}

interface Sim {
  end: number;
  outcome: Outcome;
  value: number;
  /** The tasks this run of the task created. */
  created: TaskModel[];
  /** Every instant at which the task resumed (or started). */
  instants: number[];
}

/** A task of the model; `cancelAt` is the instant a cancellation reaches it (Infinity: never). */
class TaskModel {
  cancelAt = Infinity;
  private cached: Sim | null = null;

  constructor(readonly spec: TaskSpec, readonly start: number) {}

  get sim(): Sim {
    return (this.cached ??= simulate(this.spec, this.start, this.cancelAt));
  }

  /** Whoever awaits this task is cancelled at `at`, and cancels it in turn. */
  cancel(at: number): void {
    const s = this.sim;
    if (s.end < at) return; // finished already: cancel() is a no-op
    if (s.end === at || s.instants.includes(at)) throw new Ambiguous();
    this.cancelAt = at;
    this.cached = null;
  }
}

interface TaskCtx {
  t: number;
  cancelAt: number;
  deadlines: Deadline[];
  created: TaskModel[];
  instants: number[];
}

/** The state of one body: its running total and its children (for `await`). */
interface BodyFrame {
  total: number;
  children: TaskModel[];
}

function simulate(spec: TaskSpec, start: number, cancelAt: number): Sim {
  const ctx: TaskCtx = { t: start, cancelAt, deadlines: [], created: [], instants: [start] };
  const frame: BodyFrame = { total: 0, children: [] };
  const sim = (outcome: Outcome, value: number): Sim => ({ end: ctx.t, outcome, value, created: ctx.created, instants: ctx.instants });
  try {
    runOps(ctx, spec.ops, frame);
    return sim('ok', frame.total);
  } catch (u) {
    if (!(u instanceof Unwind)) throw u;
    if (u.kind === 'deadline') throw new Error('model bug: a deadline escaped its timeout');
    return sim(u.kind === 'error' ? 'error' : 'cancelled', 0);
  }
}

function interruptAt(ctx: TaskCtx): number {
  let at = ctx.cancelAt;
  for (const d of ctx.deadlines) if (d.at < at) at = d.at;
  return at;
}

/**
 * The task suspends until `end`. If a cancellation or a deadline comes
 * first, `onInterrupt(at)` passes it on to what the task awaits, and the
 * task unwinds from that instant.
 */
function waitUntil(ctx: TaskCtx, end: number, onInterrupt?: (at: number) => void): void {
  const at = interruptAt(ctx);
  if (at === end || at === ctx.t) throw new Ambiguous();
  if (at < end) {
    onInterrupt?.(at);
    ctx.t = at;
    if (at === ctx.cancelAt) {
      if (ctx.deadlines.some((d) => d.at === at)) throw new Ambiguous();
      throw new Unwind('cancel');
    }
    const hits = ctx.deadlines.filter((d) => d.at === at);
    if (hits.length !== 1) throw new Ambiguous();
    throw new Unwind('deadline', hits[0]);
  }
  ctx.t = end;
  ctx.instants.push(end);
}

/** The value an awaiter gets from a finished task: its result, or 0 for a failure it swallows. */
function valueOf(c: TaskModel): number {
  return c.sim.outcome === 'ok' ? c.sim.value : 0;
}

function spawn(ctx: TaskCtx, spec: TaskSpec): TaskModel {
  const c = new TaskModel(spec, ctx.t);
  ctx.created.push(c);
  return c;
}

/** Runs `body` under a deadline `delay` from now; true when the deadline expired (TimeoutError, caught). */
function underDeadline(ctx: TaskCtx, delay: number, body: () => void): boolean {
  const d: Deadline = { at: ctx.t + delay };
  ctx.deadlines.push(d);
  try {
    body();
    return false;
  } catch (u) {
    if (u instanceof Unwind && u.kind === 'deadline' && u.deadline === d) return true;
    throw u;
  } finally {
    ctx.deadlines.splice(ctx.deadlines.indexOf(d), 1);
  }
}

function runOps(ctx: TaskCtx, ops: Op[], frame: BodyFrame): void {
  for (const op of ops) runOp(ctx, op, frame);
}

function runOp(ctx: TaskCtx, op: Op, frame: BodyFrame): void {
  switch (op.k) {
    case 'sleep':
      return waitUntil(ctx, ctx.t + op.d);
    case 'yield':
      return waitUntil(ctx, ctx.t);
    case 'value':
      frame.total += op.v;
      return;
    case 'throw':
      throw new Unwind('error');
    case 'spawn':
      frame.children.push(spawn(ctx, op.task));
      return;
    case 'await': {
      if (frame.children.length === 0) return;
      const c = frame.children[op.i % frame.children.length];
      waitUntil(ctx, Math.max(ctx.t, c.sim.end), (at) => c.cancel(at));
      frame.total += valueOf(c);
      return;
    }
    case 'gather': {
      const cs = op.tasks.map((s) => spawn(ctx, s));
      if (cs.length === 0) return; // gather([]) is done at once: no suspension
      const allEnd = Math.max(...cs.map((c) => c.sim.end));
      const failures = cs.filter((c) => c.sim.outcome !== 'ok').map((c) => c.sim.end);
      const firstFailure = failures.length ? Math.min(...failures) : Infinity;
      const doneAt = op.returnExceptions ? allEnd : Math.min(allEnd, firstFailure);
      waitUntil(ctx, Math.max(ctx.t, doneAt), (at) => cs.forEach((c) => c.cancel(at)));
      // Without returnExceptions the first failure fails the gather, which the awaiter swallows.
      if (op.returnExceptions || firstFailure === Infinity) for (const c of cs) frame.total += valueOf(c);
      return;
    }
    case 'wait': {
      const cs = op.tasks.map((s) => spawn(ctx, s));
      const allEnd = Math.max(ctx.t, ...cs.map((c) => c.sim.end));
      const limit = op.timeout === null ? Infinity : ctx.t + op.timeout;
      if (limit === allEnd) throw new Ambiguous();
      const returnAt = Math.min(allEnd, limit);
      waitUntil(ctx, returnAt); // an interrupted wait() cancels nothing
      for (const c of cs) {
        if (c.sim.end === returnAt && returnAt === limit) throw new Ambiguous();
        if (c.sim.end <= returnAt) frame.total += valueOf(c);
        else if (op.cancelPending) c.cancel(returnAt);
      }
      return;
    }
    case 'waitFor': {
      let value = 0;
      underDeadline(ctx, op.timeout, () => {
        if (op.inline) {
          // The body runs in this task; an error it throws comes out of waitFor and is swallowed.
          const inner: BodyFrame = { total: 0, children: [] };
          try {
            runOps(ctx, op.task.ops, inner);
            value = inner.total;
          } catch (u) {
            if (!(u instanceof Unwind && u.kind === 'error')) throw u;
          }
        } else {
          const c = spawn(ctx, op.task);
          waitUntil(ctx, Math.max(ctx.t, c.sim.end), (at) => c.cancel(at));
          value = valueOf(c);
        }
      });
      frame.total += value; // 0 when it timed out
      return;
    }
    case 'timeout':
      underDeadline(ctx, op.delay, () => runOps(ctx, op.body, frame));
      return;
    case 'shield': {
      const c = spawn(ctx, op.task);
      waitUntil(ctx, Math.max(ctx.t, c.sim.end)); // cancelling the awaiter does not reach c
      frame.total += valueOf(c);
      return;
    }
    case 'future':
      waitUntil(ctx, ctx.t + op.d);
      frame.total += 1;
      return;
    default:
      throw new Error(`the model has no rule for '${op.k}' (not a pure operation)`);
  }
}

/** What a pure program must do, or null when the model declines it (a tie, or too many time limits). */
export function model(p: Program): ModelResult | null {
  if (p.mode !== 'pure' || !p.modelable) return null;
  const root = new TaskModel(p.main, 0);
  const tasks = new Map<number, ModelTask>();
  try {
    const visit = (m: TaskModel): void => {
      const s = m.sim;
      tasks.set(m.spec.id, { outcome: s.outcome, value: s.value, end: s.end });
      s.created.forEach(visit);
    };
    visit(root);
  } catch (e) {
    if (e instanceof Ambiguous) return null;
    throw e;
  }
  let endTime = 0;
  for (const t of tasks.values()) endTime = Math.max(endTime, t.end);
  return { tasks, rootValue: root.sim.outcome === 'ok' ? root.sim.value : 0, endTime };
}
