/**
 * A FIFO with O(1) push and shift: the loop's ready queue, and the
 * library's waiters and queue items (CPython: collections.deque).
 * (`Array.prototype.shift` is O(n), which is why an event loop should not
 * use a plain array as its queue.)
 *
 * Built the way CPython builds its deque (Modules/_collectionsmodule.c):
 * a list of fixed blocks of 64 slots. A push that finds the tail block full
 * adds a block after it; a shift that empties the head block drops it. No
 * item is ever copied, however long the queue gets, and every block is a
 * small object. The one dropped last is kept as a spare for the next block
 * needed, so a queue that stays busy allocates nothing.
 *
 * It used to be a ring buffer that doubled when full. Each doubling copied
 * every item, into arrays big enough for V8's large-object space: W3
 * (300 000 `callSoon`, then one run) spent a fifth of its time in those
 * copies and most of the rest in the collections they set off. With blocks
 * it runs 2.5× faster (bench/NOTES.md).
 */
const BLOCK_SHIFT = 6;
const BLOCK = 1 << BLOCK_SHIFT; // CPython's BLOCKLEN
const SLOT = BLOCK - 1;

type Block<T> = (T | undefined)[];

/** Stands for "no block yet": a deque allocates its first block at its first push. */
const NO_BLOCK: Block<never> = [];

export class Deque<T> {
  /** The blocks, head block first: item i is at blocks[(head + i) >> 6][(head + i) & 63]. */
  private blocks: Block<T>[] = [];
  private headBlock: Block<T> = NO_BLOCK;
  private tailBlock: Block<T> = NO_BLOCK;
  /** The slot of the oldest item, in the head block. */
  private head = 0;
  /** The slot the next push fills, in the tail block (BLOCK: the tail block is full, or there is none). */
  private tail = BLOCK;
  private count = 0;
  private spare: Block<T> | null = null;

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.tail === BLOCK) this.addBlock();
    this.tailBlock[this.tail++] = item;
    this.count++;
  }

  /** Removes and returns the oldest item (undefined when empty). */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const block = this.headBlock;
    const item = block[this.head];
    block[this.head] = undefined; // let the item be collected
    if (--this.count === 0) {
      // Empty: head and tail are in the same block; start it over.
      this.head = 0;
      this.tail = 0;
    } else if (++this.head === BLOCK) {
      this.dropHeadBlock();
    }
    return item;
  }

  /** The i-th oldest item, without removing it. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    const k = this.head + i;
    return this.blocks[k >> BLOCK_SHIFT][k & SLOT];
  }

  /** Swaps the i-th and j-th oldest items (used by seeded shuffling). */
  swap(i: number, j: number): void {
    const a = this.head + i;
    const b = this.head + j;
    const blockA = this.blocks[a >> BLOCK_SHIFT];
    const blockB = this.blocks[b >> BLOCK_SHIFT];
    const t = blockA[a & SLOT];
    blockA[a & SLOT] = blockB[b & SLOT];
    blockB[b & SLOT] = t;
  }

  /**
   * Removes the oldest `item` equal (===) to the one given, keeping the others
   * in order; false if there is none (`collections.deque.remove`, without the
   * ValueError). A waiter that leaves — cancelled — nearly always is at the
   * head, so the items before it move up one place and the head is shifted.
   */
  remove(item: T): boolean {
    for (let i = 0, n = this.count; i < n; i++) {
      if (this.at(i) === item) {
        for (let j = i; j > 0; j--) this.swap(j, j - 1);
        this.shift();
        return true;
      }
    }
    return false;
  }

  clear(): void {
    this.blocks = [];
    this.headBlock = this.tailBlock = NO_BLOCK;
    this.head = 0;
    this.tail = BLOCK;
    this.count = 0;
    this.spare = null;
  }

  *[Symbol.iterator](): Generator<T> {
    for (let i = 0; i < this.count; i++) yield this.at(i) as T;
  }

  private addBlock(): void {
    const block = this.spare ?? new Array<T | undefined>(BLOCK);
    this.spare = null;
    this.blocks.push(block);
    this.tailBlock = block;
    this.tail = 0;
    if (this.count === 0) {
      // The first block (a deque that empties starts its block over instead: see shift).
      this.headBlock = block;
      this.head = 0;
    }
  }

  private dropHeadBlock(): void {
    this.spare = this.blocks.shift() as Block<T>; // all its slots are cleared already
    this.headBlock = this.blocks[0];
    this.head = 0;
  }
}
