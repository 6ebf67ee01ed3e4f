/**
 * A simulated selector: the operating system's side of step 8, given ready-made.
 *
 * A real event loop waits in `select()` (Python's `selectors` module; epoll,
 * kqueue…): "block until one of these file descriptors is readable, or until
 * `timeout` seconds have passed". Here the file descriptors are plain numbers,
 * data "arrives" on them at virtual times you choose with `feed()`, and
 * waiting advances a virtual clock instead of the wall clock. Nothing here
 * knows about futures, tasks or loops.
 *
 * CPython: Lib/selectors.py (BaseSelector.register, unregister, select).
 */

/** A clock the selector may move forward: the loop reads the time from it. */
export interface Clock {
  now: number;
}

/** What `select()` returns for a ready file descriptor (CPython's SelectorKey). */
export interface SelectorKey {
  fd: number;
  /** What was registered with the fd: the loop's reader callback. */
  callback: () => void;
}

interface Arrival {
  fd: number;
  at: number;
  data: string;
}

export class Selector {
  private readonly _keys = new Map<number, SelectorKey>();
  /** Data still on its way, earliest first. */
  private readonly _arrivals: Arrival[] = [];
  /** Data that has arrived and not been read yet, per fd. */
  private readonly _buffers = new Map<number, string[]>();

  constructor(readonly clock: Clock) {}

  /** Watch `fd` for reading; `select()` reports it with `callback` while it has unread data. */
  register(fd: number, callback: () => void): void {
    if (this._keys.has(fd)) throw new Error(`fd ${fd} is already registered`);
    this._keys.set(fd, { fd, callback });
  }

  /** Stop watching `fd`; false if it was not watched. */
  unregister(fd: number): boolean {
    return this._keys.delete(fd);
  }

  /** The fds being watched. */
  registered(): number[] {
    return [...this._keys.keys()];
  }

  /** The outside world: `data` arrives on `fd` at virtual time `at`. */
  feed(fd: number, at: number, data: string): void {
    let i = this._arrivals.length;
    while (i > 0 && this._arrivals[i - 1].at > at) i--;
    this._arrivals.splice(i, 0, { fd, at, data });
    this._deliver();
  }

  /** Takes what has arrived on `fd` so far ('' if nothing): a non-blocking recv(). */
  read(fd: number): string {
    const chunks = this._buffers.get(fd) ?? [];
    this._buffers.delete(fd);
    return chunks.join('');
  }

  /**
   * Waits until a watched fd has unread data, or until `timeout` seconds have
   * passed (`null`: no limit; 0: just look), and returns the keys of the
   * readable fds. Waiting moves the clock forward — never further than the
   * timeout, and never past the moment the first data arrives.
   */
  select(timeout: number | null): SelectorKey[] {
    let wake = this._readable().length > 0 ? this.clock.now : Infinity;
    for (const a of this._arrivals) {
      if (this._keys.has(a.fd)) {
        wake = Math.min(wake, a.at);
        break; // arrivals are sorted: the first watched one is the earliest
      }
    }
    const deadline = timeout === null ? Infinity : this.clock.now + timeout;
    if (wake === Infinity && deadline === Infinity) {
      throw new Error('select(null) would wait forever: no watched file descriptor will ever become readable');
    }
    this.clock.now = Math.max(this.clock.now, Math.min(wake, deadline));
    this._deliver();
    return this._readable();
  }

  /** Moves the data whose time has come into the buffers. */
  private _deliver(): void {
    while (this._arrivals.length > 0 && this._arrivals[0].at <= this.clock.now) {
      const a = this._arrivals.shift() as Arrival;
      const chunks = this._buffers.get(a.fd) ?? [];
      chunks.push(a.data);
      this._buffers.set(a.fd, chunks);
    }
  }

  private _readable(): SelectorKey[] {
    return [...this._keys.values()].filter((key) => this._buffers.has(key.fd));
  }
}
