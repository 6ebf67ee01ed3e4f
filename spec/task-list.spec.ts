// lib/task-list.ts: the loop's unfinished tasks as a list through the tasks themselves.
import { expect } from 'chai';
import { EventLoop, allTasks, sleep, type Task } from '../lib';
import { TaskList } from '../lib/task-list';
import { useVirtualLoop } from './support';

describe('TaskList', () => {
  let loop: EventLoop;
  useVirtualLoop((l) => (loop = l));

  function parked(n: number): Task<unknown>[] {
    return Array.from({ length: n }, () => loop.createTask(sleep(10)));
  }

  it('adds, deletes from the head, middle and tail, and iterates oldest first, as a Set does', () => {
    const [a, b, c, d] = parked(4);
    const list: TaskList = loop._tasks; // a task's links are its loop's list's
    expect(list).to.be.instanceOf(TaskList);
    list.add(b); // already there: no change
    expect(list.size).to.equal(4);
    expect([...list]).to.deep.equal([a, b, c, d]);
    expect(list.delete(d)).to.equal(true); // the newest: the head
    expect(list.delete(b)).to.equal(true); // the middle
    expect(list.delete(a)).to.equal(true); // the oldest: the tail
    expect(list.delete(a)).to.equal(false);
    expect(list.has(a)).to.equal(false);
    expect(list.has(c)).to.equal(true);
    expect([...list]).to.deep.equal([c]);
    expect(list.size).to.equal(1);
    expect(a._prevTask === null && a._nextTask === null).to.equal(true); // a deleted task points at no other
  });

  it('iterates a snapshot: tasks may be deleted while it walks', () => {
    const ts = parked(5);
    const list = loop._tasks;
    const seen: Task<unknown>[] = [];
    for (const t of list) {
      seen.push(t);
      for (const u of ts) list.delete(u);
    }
    expect(seen).to.deep.equal(ts);
    expect(list.size).to.equal(0);
  });

  it("is the loop's: a task is listed until it finishes, and allTasks() reads it", () => {
    const ts = parked(3);
    expect(loop._tasks.size).to.equal(3);
    loop.runUntilComplete(sleep(5));
    expect(allTasks(loop)).to.deep.equal(new Set(ts));
    ts[1].cancel();
    loop.runUntilComplete(sleep(1));
    expect([...loop._tasks]).to.deep.equal([ts[0], ts[2]]);
    loop.runUntilComplete(sleep(10));
    expect(loop._tasks.size).to.equal(0);
  });
});
