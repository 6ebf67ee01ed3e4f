/**
 * A bounded queue and a FIFO lock for native async/await, as small as they
 * can be and with asyncio's behaviour (FIFO waiters; a release hands the lock
 * straight to the next waiter). `wake` is how a blocked waiter resumes:
 * `setImmediate` for the "macro" variant (a loop turn, like asyncio's
 * call_soon of a waiter's wake-up), a direct call for "micro" (resolving the
 * promise: a microtask).
 */
export type Wake = (resume: () => void) => void;

export const wakeMacro: Wake = (resume) => {
  setImmediate(resume);
};

export const wakeMicro: Wake = (resume) => {
  resume();
};

/** asyncio.Queue(maxsize), the part W5 uses: put and get. */
export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private head = 0;
  private readonly getters: (() => void)[] = [];
  private readonly putters: (() => void)[] = [];

  constructor(
    private readonly maxsize: number,
    private readonly wake: Wake,
  ) {}

  private get size(): number {
    return this.items.length - this.head;
  }

  async put(item: T): Promise<void> {
    while (this.size >= this.maxsize) await new Promise<void>((r) => this.putters.push(r));
    this.items.push(item);
    const getter = this.getters.shift();
    if (getter !== undefined) this.wake(getter);
  }

  async get(): Promise<T> {
    while (this.size === 0) await new Promise<void>((r) => this.getters.push(r));
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head); // drop the consumed prefix now and then
      this.head = 0;
    }
    const putter = this.putters.shift();
    if (putter !== undefined) this.wake(putter);
    return item;
  }
}

/** asyncio.Lock: FIFO, a release hands the lock to the first waiter. */
export class AsyncLock {
  private locked = false;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly wake: Wake) {}

  async acquire(): Promise<void> {
    if (!this.locked && this.waiters.length === 0) {
      this.locked = true;
      return;
    }
    await new Promise<void>((r) => this.waiters.push(r)); // woken holding the lock
  }

  release(): void {
    const next = this.waiters.shift();
    if (next !== undefined) this.wake(next);
    else this.locked = false;
  }
}
