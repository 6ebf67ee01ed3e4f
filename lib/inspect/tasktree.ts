/**
 * formatTaskTree / printTaskTree: who awaits whom, drawn as a tree, the way
 * Python 3.14's `python -m asyncio pstree` draws a process's tasks.
 *
 * A task waits on one future at a time (`task._futWaiter`, Python's
 * `_fut_waiter`). That future may be another Task — then that task is drawn
 * under it — or a future made by a combinator or a primitive, which says
 * what it stands for in `_waitInfo`: gather, wait, shield and TaskGroup list
 * the futures they wait for (drawn under a node of that kind), locks and
 * queues name themselves (and a lock names the task holding it). Named
 * `coroutine()` frames, and the async generators a task awaits inside
 * (`anext() of async generator 'ticker'`), sit between a task and what it
 * awaits, innermost last.
 */
import { _getRunningLoop, getEventLoop } from '../events';
import { Task } from '../tasks';
import { LoopView, taskLabel } from './describe';
import { _liveAsyncgens } from '../asyncgen-hooks';
import type { Future } from '../futures';
import type { AsyncGenerator } from '../asyncgen';
import type { EventLoop } from '../loop';

/** One line of the tree, with what goes under it. */
interface Node {
  text: string;
  children: Node[];
}

/** The futures drawn under `fut`: the task it is, or the children its `_waitInfo` lists. */
function structuralChildren(fut: Future<unknown>): readonly Future<unknown>[] {
  if (fut instanceof Task) return [fut];
  return fut._waitInfo?.children ?? [];
}

/** What `task` awaits right now: its pending future, else null (it is running, ready or done). */
function awaited(task: Task<unknown>): Future<unknown> | null {
  const fut = task._futWaiter;
  return fut !== null && !fut.done() && !task.done() ? fut : null;
}

/** The tasks drawn under `task` (directly, or through gather/wait/… nodes). */
function childTasks(task: Task<unknown>): Task<unknown>[] {
  const found: Task<unknown>[] = [];
  const seen = new Set<Future<unknown>>(); // a future's children might list it again
  const walk = (fut: Future<unknown>) => {
    seen.add(fut);
    for (const child of structuralChildren(fut)) {
      if (child instanceof Task) found.push(child);
      else if (!seen.has(child)) walk(child);
    }
  };
  const fut = awaited(task);
  if (fut !== null) walk(fut);
  return found;
}

class TreeBuilder {
  private readonly shown = new Set<Task<unknown>>();
  /** The loop's async generators with an await in progress. */
  private readonly generators: AsyncGenerator<unknown, unknown>[];

  constructor(private readonly view: LoopView) {
    this.generators = _liveAsyncgens(view.loop).filter((g) => g._task !== null);
  }

  /** The roots: tasks no other task awaits; then any left over (they await each other in a cycle). */
  build(): Node[] {
    const tasks = this.view.tasks;
    const awaitedByOthers = new Set<Task<unknown>>();
    for (const t of tasks) for (const c of childTasks(t)) if (c !== t) awaitedByOthers.add(c);
    const roots: Node[] = [];
    for (const t of tasks) if (!awaitedByOthers.has(t)) roots.push(this.taskNode(t));
    for (const t of tasks) if (!this.shown.has(t)) roots.push(this.taskNode(t));
    return roots;
  }

  private taskNode(task: Task<unknown>): Node {
    const state = this.view.stateOf(task);
    const fut = awaited(task);
    const text = `(T) ${taskLabel(task)} — ${state}${fut !== null ? `: ${this.view.describeFuture(fut)}` : ''}`;
    if (this.shown.has(task)) return { text: `${text} (shown above)`, children: [] };
    this.shown.add(task);
    const below = fut === null ? [] : structuralChildren(fut).map((c) => this.futureNode(c, new Set([fut])));
    // Named coroutine() frames, outermost first, each one under the one that called it.
    const frames = task.getStack().filter((f) => f.name !== '<generator>').map((f) => `${f.name}()${f.calledAt ? ` at ${f.calledAt}` : ''}`);
    // An async generator the task awaits sits after the frames the task had when that await began.
    const generators = this.generators.filter((g) => g._task === task).sort((a, b) => b._since - a._since);
    for (const g of generators) frames.splice(Math.min(g._depth, frames.length), 0, `${g._op}() of async generator '${g._name}'`);
    let children = below;
    for (let i = frames.length - 1; i >= 0; i--) children = [{ text: frames[i], children }];
    return { text, children };
  }

  /** A future under a task: a Task, or a combinator's own node with its children. */
  private futureNode(fut: Future<unknown>, above: ReadonlySet<Future<unknown>> = new Set()): Node {
    if (fut instanceof Task) return this.taskNode(fut);
    const text = fut.done() ? String(fut) : this.view.describeFuture(fut);
    if (above.has(fut)) return { text: `${text} (shown above)`, children: [] }; // a future listing itself
    const path = new Set(above).add(fut);
    return { text, children: structuralChildren(fut).map((c) => this.futureNode(c, path)) };
  }
}

function draw(nodes: Node[], prefix: string, lines: string[]): void {
  nodes.forEach((node, i) => {
    const last = i === nodes.length - 1;
    lines.push(`${prefix}${last ? '└── ' : '├── '}${node.text}`);
    draw(node.children, prefix + (last ? '    ' : '│   '), lines);
  });
}

/** @internal The task tree of a LoopView (the deadlock report reuses it). */
export function formatTree(view: LoopView): string {
  const roots = new TreeBuilder(view).build();
  if (roots.length === 0) return '(no tasks)';
  const lines: string[] = [];
  draw(roots, '', lines);
  return lines.join('\n');
}

/**
 * The loop's unfinished tasks as a tree of who awaits whom (Python 3.14's
 * `asyncio pstree` / `format_call_graph`, tulip's own for a loop in this
 * process). Each task is drawn under the task awaiting it; gather, wait,
 * shield and TaskGroup draw their children under a node of their kind; a
 * task waiting on a lock or a queue says so, and which task holds the lock.
 * Each line says the task's state: running, ready, waiting or sleeping.
 * `loop` defaults to the running loop, else the current one.
 * @example
 * // while Task 'main' awaits gather([alpha, beta]):
 * console.log(formatTaskTree(loop));
 * // └── (T) Task 'main' — waiting: gather of 2
 * //     ├── (T) Task 'alpha' — sleeping: sleep until t=1.000
 * //     └── (T) Task 'beta' — sleeping: sleep until t=2.000
 */
export function formatTaskTree(loop?: EventLoop): string {
  const l = loop ?? _getRunningLoop() ?? getEventLoop();
  return formatTree(new LoopView(l));
}

/**
 * Prints `formatTaskTree(loop)` to the console (Python 3.14's
 * `asyncio.print_call_graph`, for every task of the loop).
 * @example
 * printTaskTree(loop);
 */
export function printTaskTree(loop?: EventLoop): void {
  console.log(formatTaskTree(loop));
}
