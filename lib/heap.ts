/**
 * A binary min-heap (CPython: heapq). PriorityQueue keeps its items in one,
 * with its own comparison; `less(a, b)` must be a strict order. (The loop's
 * timers have a heap laid out for their one key: lib/timer-heap.ts.)
 */
export class Heap<T> {
  private items: T[] = [];

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get length(): number {
    return this.items.length;
  }

  /** The smallest item, without removing it. */
  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    // Sift up by swapping, so that if `less` throws (a user's comparison in a
    // PriorityQueue can), every item is still in the heap exactly once.
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(items[i], items[parent])) break;
      const t = items[i];
      items[i] = items[parent];
      items[parent] = t;
      i = parent;
    }
  }

  /** Removes and returns the smallest item. */
  pop(): T | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0];
    const last = items.pop() as T;
    if (items.length > 0) {
      items[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  /** Keeps the items for which `keep` is true and restores heap order in O(n). */
  filter(keep: (item: T) => boolean): void {
    this.items = this.items.filter(keep);
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** The items in heap (not sorted) order. */
  toArray(): T[] {
    return this.items.slice();
  }

  clear(): void {
    this.items = [];
  }

  private siftDown(i: number): void {
    const items = this.items;
    const n = items.length;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.less(items[child + 1], items[child])) child++;
      if (!this.less(items[child], items[i])) break;
      const t = items[i]; // swap, as in push: a throwing `less` loses nothing
      items[i] = items[child];
      items[child] = t;
      i = child;
    }
  }
}
