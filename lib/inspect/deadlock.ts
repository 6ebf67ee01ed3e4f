/**
 * The deadlock report (tulip's own; CPython would block forever).
 *
 * The synchronous driver calls it when it has nothing ready, no timer and
 * no host wait, yet the run is not over: nothing can ever make progress.
 * The async driver calls it when Node itself runs out of work (`beforeExit`)
 * while a run is pending. The report says what the run waits for, any wait
 * cycle (Task 'A' waits for a lock Task 'B' holds while B waits for one A
 * holds), the futures nothing is left to complete, and the task tree.
 */
import { Task } from '../tasks';
import { LoopView, describeResource, holderOf, taskLabel } from './describe';
import { formatTree } from './tasktree';
import type { Future } from '../futures';
import type { EventLoop } from '../loop';

/** "Task `from` waits for task `to`", and how to say it. */
interface WaitEdge {
  to: Task<unknown>;
  text: string;
}

/** The tasks that must move before `task` can: the one it awaits, a lock's holder, a gather's children. */
function waitEdges(task: Task<unknown>): WaitEdge[] {
  const fut = task._futWaiter;
  if (fut === null) return [];
  const edges: WaitEdge[] = [];
  const seen = new Set<Future<unknown>>(); // a future's children might list it again
  const walk = (f: Future<unknown>, through: string) => {
    if (f.done() || seen.has(f)) return;
    seen.add(f);
    if (f instanceof Task) {
      edges.push({ to: f, text: `${taskLabel(f)} awaited by ${taskLabel(task)}${through}` });
      return;
    }
    const info = f._waitInfo;
    if (info === null) return;
    const holder = holderOf(info.resource);
    if (holder !== null) {
      const resource = info.resource as object;
      edges.push({ to: holder, text: `${resource.constructor.name} ${describeResource(resource)} held by ${taskLabel(holder)}, awaited by ${taskLabel(task)}` });
    }
    for (const child of info.children ?? []) walk(child, ` (through ${info.kind})`);
  };
  walk(fut, '');
  return edges;
}

/** Every distinct cycle of the wait graph, each as its edges in order. */
function findCycles(tasks: readonly Task<unknown>[]): WaitEdge[][] {
  const cycles: WaitEdge[][] = [];
  const seen = new Set<string>();
  const state = new Map<Task<unknown>, 'open' | 'closed'>();
  const path: Task<unknown>[] = [];
  const pathEdges: WaitEdge[] = [];
  const visit = (t: Task<unknown>) => {
    state.set(t, 'open');
    path.push(t);
    for (const edge of waitEdges(t)) {
      const s = state.get(edge.to);
      if (s === 'open') {
        // Back to a task on the current path: the edges from there to here, plus this one, are a cycle.
        const start = path.indexOf(edge.to);
        const cycle = [...pathEdges.slice(start), edge];
        const key = path.slice(start).map((x) => x.getName()).sort().join('\u0000');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (s === undefined) {
        pathEdges.push(edge);
        visit(edge.to);
        pathEdges.pop();
      }
    }
    path.pop();
    state.set(t, 'closed');
  };
  for (const t of tasks) if (!state.has(t)) visit(t);
  return cycles;
}

/** Tasks stuck on a future that no task holds and no combinator tracks: nothing left can complete it. */
function stuckLines(view: LoopView): string[] {
  const lines: string[] = [];
  for (const task of view.tasks) {
    const fut = task._futWaiter;
    if (fut === null || fut.done() || fut instanceof Task) continue;
    const info = fut._waitInfo;
    if (info !== null && (info.children !== undefined || holderOf(info.resource) !== null)) continue;
    lines.push(`  ${taskLabel(task)} awaits ${view.describeFuture(fut)}, and nothing left can complete it`);
  }
  return lines;
}

/**
 * @internal The message of the RuntimeError a deadlocked run fails with
 * (`EventLoop._describeDeadlock` calls it): starts with `deadlock:`, then the
 * wait cycles, the stuck waits, the task tree, and the shuffle seed if any.
 */
export function formatDeadlock(loop: EventLoop): string {
  const view = new LoopView(loop);
  const awaiting = loop._awaiting;
  const driver = loop._hostIdle ? 'Async' : ''; // only the async driver waits in Node
  const what = awaiting !== null ? `runUntilComplete${driver}() waits for ${awaiting}` : `runForever${driver}() waits for stop()`;
  // The async driver asks only once Node has no work left: then even host waits cannot end.
  const why = !loop._hostIdle
    ? 'no callbacks are ready, no timers are scheduled and no host I/O is outstanding'
    : loop._hostWaits > 0
      ? `no callbacks are ready, and Node has no work left that could end the ${loop._hostWaits} outstanding host wait(s)`
      : 'no callbacks are ready, no timers are scheduled, and Node has no work left that could call back into the loop';
  const lines = [`deadlock: ${what}, but nothing can make progress: ${why}.`];
  for (const cycle of findCycles(view.tasks)) lines.push(`Wait cycle: ${cycle.map((e) => e.text).join('; ')}.`);
  const stuck = stuckLines(view);
  if (awaiting !== null && !(awaiting instanceof Task) && !awaiting.done() && awaiting._waitInfo === null) {
    stuck.unshift(`  the run itself awaits ${awaiting}, and nothing left can complete it`);
  }
  if (stuck.length > 0) lines.push('Stuck:', ...stuck);
  lines.push('Task tree:', formatTree(view));
  if (loop._shuffleSeed !== null) lines.push(`Seeded schedule: shuffle=${loop._shuffleSeed} (replay it with the same seed).`);
  return lines.join('\n');
}
