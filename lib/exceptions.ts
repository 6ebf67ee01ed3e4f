/**
 * The error classes of asyncio (exceptions.py), and the Python builtins that
 * asyncio raises, in CPython's own hierarchy — so that `instanceof` matches
 * what Python's `except` matches:
 *
 *     BaseException                      (every JavaScript Error)
 *      ├── CancelledError, KeyboardInterrupt
 *      ├── BaseExceptionGroup
 *      └── Exception                     (every Error but the four above)
 *           ├── InvalidStateError, LimitOverrunError, QueueEmpty, QueueFull,
 *           │   QueueShutDown, StopAsyncIteration, LookupError
 *           ├── RuntimeError ── BrokenBarrierError, SendfileNotAvailableError
 *           ├── ValueError              (also SSLCertVerificationError)
 *           ├── EOFError ── IncompleteReadError
 *           ├── ExceptionGroup          (also a BaseExceptionGroup)
 *           └── OSError (errno, code, strerror, filename, filename2)
 *                ├── ConnectionError ── ConnectionRefusedError, ConnectionResetError,
 *                │                      ConnectionAbortedError, BrokenPipeError
 *                ├── FileNotFoundError, FileExistsError, IsADirectoryError,
 *                │   NotADirectoryError, PermissionError, ProcessLookupError,
 *                │   ChildProcessError, InterruptedError, BlockingIOError
 *                ├── TimeoutError      (asyncio.TimeoutError is this one since 3.11)
 *                └── SSLError ── SSLCertVerificationError
 *
 * Every class is a JavaScript `Error` (it has a stack, and `instanceof Error`
 * holds), and sets `name` to its own class name — a user's subclass too — so
 * `String(err)` and stack traces read the way a Python traceback does.
 * JavaScript's own TypeError stands in for Python's TypeError.
 *
 * Python's `except Exception:` is `if (e instanceof Exception)`: it lets
 * CancelledError and KeyboardInterrupt through, and catches JavaScript's own
 * errors (TypeError, RangeError, a plain Error), which Python counts as
 * Exceptions too. `instanceof BaseException` holds for every Error.
 *
 * This module is pure: it runs in a browser. Turning Node's errors
 * (`code: 'ECONNREFUSED'`…) into these classes is lib/os-errors.ts's job.
 */

import { repr } from './repr';

const ordinaryHasInstance = Function.prototype[Symbol.hasInstance];
const isPrototypeOf = Object.prototype.isPrototypeOf;

/**
 * Python's BaseException: the root. `x instanceof BaseException` holds for
 * every JavaScript Error (in Python, everything you can raise is one). Only
 * CancelledError, KeyboardInterrupt, BaseExceptionGroup — and your own
 * subclasses — derive from it directly; the rest derive from Exception.
 * @example
 * class Shutdown extends BaseException {} // like Python's `class Shutdown(BaseException)`: `instanceof Exception` is false
 */
export class BaseException extends Error {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }

  /**
   * `instanceof` as Python's `isinstance`: BaseException and Exception take
   * in JavaScript's own errors; ValueError also takes
   * SSLCertVerificationError (a class with two bases in Python); any other
   * class is the ordinary prototype check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === BaseException) return value instanceof Error;
    if (this === Exception) return value instanceof Error && !isBaseOnly(value);
    if (this === ValueError && value instanceof SSLCertVerificationError) return true;
    return ordinaryHasInstance.call(this, value);
  }
}

/**
 * Python's Exception: `instanceof Exception` is `except Exception:` — every
 * Error except CancelledError, KeyboardInterrupt, a BaseExceptionGroup that
 * holds one of them, and other direct BaseException subclasses. A catch-all
 * that must not swallow a cancellation re-throws what is not an Exception.
 * @example
 * try { yield* work(); } catch (e) { if (!(e instanceof Exception)) throw e; console.log('failed:', e); }
 */
export class Exception extends BaseException {}

/** An Error that Python's `except Exception` lets through. */
function isBaseOnly(error: Error): boolean {
  return (
    (isPrototypeOf.call(BaseException.prototype, error) && !isPrototypeOf.call(Exception.prototype, error)) ||
    (isPrototypeOf.call(BaseExceptionGroup.prototype, error) && !isPrototypeOf.call(ExceptionGroup.prototype, error))
  );
}

// ---- BaseException: what `except Exception` does not catch ----

/**
 * asyncio.CancelledError (a BaseException since 3.8): a cancelled Future or
 * Task was awaited or read. `message` carries the cancel message (an empty
 * string when none was given).
 * @example
 * try { yield* task; } catch (e) { if (e instanceof CancelledError) console.log('cancelled:', e.message); }
 */
export class CancelledError extends BaseException {}

/**
 * Python's KeyboardInterrupt (a BaseException): the program was interrupted
 * by Ctrl-C (SIGINT). Like CancelledError, `except Exception` lets it through.
 * @example
 * try { await run(main()); } catch (e) { if (e instanceof KeyboardInterrupt) console.log('interrupted'); }
 */
export class KeyboardInterrupt extends BaseException {}

/**
 * Python's GeneratorExit (a BaseException): how the closing of an async
 * generator (`aclose()`) travels as an error once it has passed an
 * `asyncWith` — whose `exit()` receives it, as `__aexit__` does in Python.
 * `aclose()` counts it as a clean close. Re-throw it if you catch it.
 * @example
 * try { yield* asyncWith(lock, function* () { yield* emit(1); }); } catch (e) { if (e instanceof GeneratorExit) throw e; }
 */
export class GeneratorExit extends BaseException {}

// ---- Exception and its plain subclasses ----

/**
 * asyncio.InvalidStateError: e.g. `result()` of a pending future, `setResult` on a done one.
 * @example
 * try { fut.result(); } catch (e) { if (e instanceof InvalidStateError) console.log(e.message); } // 'Result is not set.'
 */
export class InvalidStateError extends Exception {}

/**
 * Python's RuntimeError: misuse of loops and tasks.
 * @example
 * try { getRunningLoop(); } catch (e) { if (e instanceof RuntimeError) console.log(e.message); } // 'no running event loop'
 */
export class RuntimeError extends Exception {}

/**
 * Python's NotImplementedError (a RuntimeError): what a transport cannot do,
 * e.g. `writeEof()` on a TLS connection, which cannot be half-closed.
 * @example
 * if (writer.canWriteEof()) writer.writeEof(); else writer.close(); // writeEof() over TLS: NotImplementedError
 */
export class NotImplementedError extends RuntimeError {}

/**
 * asyncio.BrokenBarrierError (a RuntimeError): a Barrier was aborted or reset while tasks waited.
 * @example
 * try { yield* barrier.wait(); } catch (e) { if (e instanceof BrokenBarrierError) console.log('barrier broken'); }
 */
export class BrokenBarrierError extends RuntimeError {}

/**
 * asyncio.SendfileNotAvailableError (a RuntimeError): the platform cannot
 * send a file by the fast path; callers fall back to reading and writing.
 * @example
 * try { yield* fastSend(); } catch (e) { if (e instanceof SendfileNotAvailableError) yield* slowSend(); else throw e; }
 */
export class SendfileNotAvailableError extends RuntimeError {}

/**
 * Python's ValueError: an argument of the right type but a bad value.
 * (SSLCertVerificationError counts as one too, as in Python.)
 * @example
 * try { new Semaphore(-1); } catch (e) { if (e instanceof ValueError) console.log(e.message); }
 */
export class ValueError extends Exception {}

/**
 * Python's LookupError: a key or index that is not there (e.g.
 * `ContextVar.get()` with no value and no default).
 * @example
 * try { v.get(); } catch (e) { if (e instanceof LookupError) console.log('no value'); }
 */
export class LookupError extends Exception {}

/**
 * Python's StopAsyncIteration: an async iterator has no more items (`anext()` at the end).
 * @example
 * try { yield* anext(gen); } catch (e) { if (e instanceof StopAsyncIteration) console.log('done'); }
 */
export class StopAsyncIteration extends Exception {}

/**
 * Python's EOFError: input ended where more was needed.
 * @example
 * try { yield* reader.readexactly(4); } catch (e) { if (e instanceof EOFError) console.log('the stream ended'); }
 */
export class EOFError extends Exception {}

/**
 * asyncio.QueueEmpty: `getNowait()` on an empty queue.
 * @example
 * try { q.getNowait(); } catch (e) { if (e instanceof QueueEmpty) console.log('nothing yet'); }
 */
export class QueueEmpty extends Exception {}

/**
 * asyncio.QueueFull: `putNowait()` on a full queue.
 * @example
 * try { q.putNowait(item); } catch (e) { if (e instanceof QueueFull) console.log('dropped'); }
 */
export class QueueFull extends Exception {}

/**
 * asyncio.QueueShutDown (3.13): the queue was shut down.
 * @example
 * try { yield* q.get(); } catch (e) { if (e instanceof QueueShutDown) return; }
 */
export class QueueShutDown extends Exception {}

/**
 * asyncio.IncompleteReadError (an EOFError): the stream ended before the
 * expected bytes came. `partial` holds what was read; `expected` the count
 * asked for (null: unbounded).
 * @example
 * try { yield* reader.readexactly(4); } catch (e) { if (e instanceof IncompleteReadError) console.log(e.partial); }
 */
export class IncompleteReadError extends EOFError {
  constructor(public readonly partial: Uint8Array, public readonly expected: number | null) {
    super(`${partial.length} bytes read on a total of ${expected === null ? 'null' : expected} expected bytes`);
  }
}

/**
 * asyncio.LimitOverrunError: a separator was not found within the stream's limit.
 * `consumed` is how many bytes to read (and drop) to get past them.
 * @example
 * try { yield* reader.readuntil('\n'); } catch (e) { if (e instanceof LimitOverrunError) yield* reader.readexactly(e.consumed); }
 */
export class LimitOverrunError extends Exception {
  constructor(message: string, public readonly consumed: number) {
    super(message);
  }
}

// ---- OSError and its subclasses ----

/** What an OSError carries besides its message (all optional; each is null when not given). */
export interface OSErrorOptions extends ErrorOptions {
  /** The C errno number, as this platform defines it (111 for ECONNREFUSED on Linux). */
  errno?: number | null;
  /** Node's name for the errno: `'ECONNREFUSED'`, `'EPIPE'`… */
  code?: string | null;
  /** The text that goes with the errno (Python's `strerror`). */
  strerror?: string | null;
  /** The file the error is about (a program that could not run, a path that is missing). */
  filename?: string | null;
  /** The second file, for errors about two (a rename). */
  filename2?: string | null;
}

/** Python's repr() of a string: single quotes, unless it holds one and no double quote. */
function pyRepr(s: string): string {
  if (s.includes("'") && !s.includes('"')) return `"${s.replace(/\\/g, '\\\\')}"`;
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Python's OSError: the operating system refused something. `errno` (the C
 * number), `code` (Node's name for it, e.g. `'ECONNREFUSED'`), `strerror`,
 * `filename` and `filename2` are null when unknown; `cause` is Node's own
 * error when the library made this one from it. Raised by every I/O path as
 * the subclass Python would raise (`ConnectionRefusedError`, …) — or as
 * OSError itself when Python has none (e.g. an address in use).
 *
 * Two ways to make one, as in Python: `new OSError(message, options?)`, or
 * `new OSError(errno, strerror, options?)`, whose message is Python's
 * `[Errno 2] No such file or directory: 'name'`.
 * @example
 * try { yield* openConnection('127.0.0.1', port); }
 * catch (e) { if (e instanceof OSError) console.log(e.errno, e.code, e.message); } // 111 ECONNREFUSED [Errno 111] Connect call failed ('127.0.0.1', 1)
 */
export class OSError extends Exception {
  /** The C errno number (platform-specific), or null. */
  errno: number | null;
  /** Node's name for the errno (`'ECONNRESET'`…), or null. */
  code: string | null;
  /** The errno's text, or null. */
  strerror: string | null;
  /** The file the error is about, or null. */
  filename: string | null;
  /** The second file, or null. */
  filename2: string | null;

  constructor(message?: string, options?: OSErrorOptions);
  constructor(errno: number, strerror: string, options?: OSErrorOptions);
  constructor(first?: string | number, second?: string | OSErrorOptions, third?: OSErrorOptions) {
    const pythonForm = typeof first === 'number';
    const options = ((pythonForm ? third : second) as OSErrorOptions | undefined) ?? {};
    const filename = options.filename ?? null;
    const filename2 = options.filename2 ?? null;
    let message = first as string | undefined;
    if (pythonForm) {
      message = `[Errno ${first}] ${second}`;
      if (filename !== null) message += `: ${pyRepr(filename)}${filename2 !== null ? ` -> ${pyRepr(filename2)}` : ''}`;
    }
    super(message, options);
    this.errno = pythonForm ? (first as number) : (options.errno ?? null);
    this.strerror = pythonForm ? (second as string) : (options.strerror ?? null);
    this.code = options.code ?? null;
    this.filename = filename;
    this.filename2 = filename2;
  }
}

/**
 * Python's ConnectionError: the base of the four errors of a connection
 * that failed or broke. Catch this one to handle them all.
 * @example
 * try { yield* writer.drain(); } catch (e) { if (e instanceof ConnectionError) reconnect(); else throw e; }
 */
export class ConnectionError extends OSError {}

/**
 * Python's ConnectionRefusedError (ECONNREFUSED): nothing listens at that address.
 * @example
 * try { yield* openConnection('127.0.0.1', 1); } catch (e) { if (e instanceof ConnectionRefusedError) console.log(String(e)); }
 */
export class ConnectionRefusedError extends ConnectionError {}

/**
 * Python's ConnectionResetError (ECONNRESET): the peer reset the connection;
 * also `drain()` on a connection that is gone ("Connection lost", no errno, as in asyncio).
 * @example
 * try { yield* reader.read(); } catch (e) { if (e instanceof ConnectionResetError) console.log('peer reset'); }
 */
export class ConnectionResetError extends ConnectionError {}

/**
 * Python's ConnectionAbortedError (ECONNABORTED): this side's system dropped the connection.
 * @example
 * try { yield* reader.read(); } catch (e) { if (e instanceof ConnectionAbortedError) console.log('aborted'); }
 */
export class ConnectionAbortedError extends ConnectionError {}

/**
 * Python's BrokenPipeError (EPIPE, ESHUTDOWN): writing to a pipe or socket whose reader is gone.
 * @example
 * try { yield* child.stdin!.drain(); } catch (e) { if (e instanceof BrokenPipeError) console.log('the child stopped reading'); }
 */
export class BrokenPipeError extends ConnectionError {}

/**
 * Python's FileNotFoundError (ENOENT): e.g. a program that does not exist; `filename` names it.
 * @example
 * try { yield* createSubprocessExec('no-such-program'); } catch (e) { if (e instanceof FileNotFoundError) console.log(e.filename); }
 */
export class FileNotFoundError extends OSError {}

/**
 * Python's FileExistsError (EEXIST).
 * @example
 * if (e instanceof FileExistsError) console.log(`${e.filename} is already there`);
 */
export class FileExistsError extends OSError {}

/**
 * Python's IsADirectoryError (EISDIR).
 * @example
 * if (e instanceof IsADirectoryError) console.log(`${e.filename} is a directory`);
 */
export class IsADirectoryError extends OSError {}

/**
 * Python's NotADirectoryError (ENOTDIR).
 * @example
 * if (e instanceof NotADirectoryError) console.log(`${e.filename} is not a directory`);
 */
export class NotADirectoryError extends OSError {}

/**
 * Python's PermissionError (EACCES, EPERM): e.g. a program without the execute bit, a port below 1024.
 * @example
 * try { yield* createSubprocessExec('./script.sh'); } catch (e) { if (e instanceof PermissionError) console.log('chmod +x it'); }
 */
export class PermissionError extends OSError {}

/**
 * Python's ProcessLookupError (ESRCH): a signal to a process that is gone
 * (`kill()` after `wait()` returned).
 * @example
 * try { proc.kill(); } catch (e) { if (e instanceof ProcessLookupError) console.log('already gone'); }
 */
export class ProcessLookupError extends OSError {}

/**
 * Python's ChildProcessError (ECHILD).
 * @example
 * if (e instanceof ChildProcessError) console.log('no such child');
 */
export class ChildProcessError extends OSError {}

/**
 * Python's InterruptedError (EINTR).
 * @example
 * if (e instanceof InterruptedError) console.log('interrupted by a signal');
 */
export class InterruptedError extends OSError {}

/**
 * Python's BlockingIOError (EAGAIN, EWOULDBLOCK, EALREADY, EINPROGRESS).
 * @example
 * if (e instanceof BlockingIOError) console.log('would block: try again');
 */
export class BlockingIOError extends OSError {}

/**
 * Python's TimeoutError (an OSError since 3.3; asyncio.TimeoutError is this
 * class since 3.11): `waitFor`, `timeout`, `asCompleted` ran out of time —
 * those carry no errno — or the system timed out (ETIMEDOUT).
 * @example
 * try { yield* waitFor(work(), 5); } catch (e) { if (e instanceof TimeoutError) console.log('gave up'); }
 */
export class TimeoutError extends OSError {}

/** What an SSLError carries besides an OSError's fields. */
export interface SSLErrorOptions extends OSErrorOptions {
  /** Where in OpenSSL it failed (Python's `library`, e.g. `'SSL'`). */
  library?: string | null;
  /** OpenSSL's reason, upper case (Python's `reason`, e.g. `'WRONG_VERSION_NUMBER'`). */
  reason?: string | null;
}

/**
 * Python's ssl.SSLError (an OSError): the TLS layer failed, e.g.
 * `[SSL: WRONG_VERSION_NUMBER] wrong version number` when the peer does not
 * speak TLS. `library` and `reason` are OpenSSL's, as in Python.
 * @example
 * try { yield* openConnection(host, port, { ssl: true }); } catch (e) { if (e instanceof SSLError) console.log(e.reason); }
 */
export class SSLError extends OSError {
  /** Where in OpenSSL it failed, or null. */
  library: string | null;
  /** OpenSSL's reason code name, or null. */
  reason: string | null;

  constructor(message?: string, options: SSLErrorOptions = {}) {
    super(message, options);
    this.library = options.library ?? null;
    this.reason = options.reason ?? null;
  }
}

/** What an SSLCertVerificationError carries besides an SSLError's fields. */
export interface SSLCertVerificationErrorOptions extends SSLErrorOptions {
  /** OpenSSL's X509 verification code (18: self-signed certificate, 62: hostname mismatch…). */
  verifyCode?: number | null;
  /** OpenSSL's text for it. */
  verifyMessage?: string | null;
}

/**
 * Python's ssl.SSLCertVerificationError (an SSLError, and a ValueError, as
 * in Python): the peer's certificate was refused. `verifyCode` and
 * `verifyMessage` are Python's `verify_code` and `verify_message`.
 * @example
 * catch (e) { if (e instanceof SSLCertVerificationError) console.log(e.verifyCode, e.verifyMessage); } // 18 'self-signed certificate'
 */
export class SSLCertVerificationError extends SSLError {
  /** OpenSSL's verification code, or null. */
  verifyCode: number | null;
  /** OpenSSL's text for the code, or null. */
  verifyMessage: string | null;

  constructor(message?: string, options: SSLCertVerificationErrorOptions = {}) {
    super(message, options);
    this.verifyCode = options.verifyCode ?? null;
    this.verifyMessage = options.verifyMessage ?? null;
  }
}

// ---- exception groups ----

/** A class of errors, as `split()` and `subgroup()` take it. */
export type ErrorClass<T extends Error = Error> = abstract new (...args: never[]) => T;

/** `split()`'s and `subgroup()`'s condition as a test of one error. */
function matcher(cond: unknown, method: string): (e: unknown) => boolean {
  const isClass = (c: unknown): c is ErrorClass =>
    typeof c === 'function' && c.prototype !== undefined && (c === Error || c.prototype instanceof Error);
  if (isClass(cond)) return (e) => e instanceof cond;
  if (Array.isArray(cond) && cond.length > 0 && cond.every(isClass)) return (e) => cond.some((c) => e instanceof c);
  if (typeof cond === 'function') return cond as (e: unknown) => boolean;
  throw new TypeError(`${method}(): the condition must be an error class, a non-empty array of error classes, or a predicate function, got ${repr(cond)}`);
}

/**
 * Python's BaseExceptionGroup: a group that may hold a BaseException
 * (CancelledError, KeyboardInterrupt). Made with only Exceptions in it, it
 * is an ExceptionGroup, as in Python: `new BaseExceptionGroup('m', [new
 * ValueError()])` returns an ExceptionGroup.
 * @example
 * const g = new BaseExceptionGroup('stopped', [new KeyboardInterrupt()]);
 * g instanceof Exception; // false: `except Exception` does not catch it
 */
export class BaseExceptionGroup<E = unknown> extends AggregateError {
  constructor(message: string, exceptions: readonly (E | BaseExceptionGroup<E>)[]) {
    const name = new.target.name;
    if (typeof message !== 'string') throw new TypeError(`${name}: argument 1 (message) must be a string, not ${typeof message}`);
    if (!Array.isArray(exceptions)) throw new TypeError(`${name}: second argument (exceptions) must be an array, got ${repr(exceptions)}`);
    if (exceptions.length === 0) throw new ValueError(`${name}: second argument (exceptions) must be a non-empty array`);
    super([...exceptions], message);
    this.name = name;
    // Python's rule: a group's class says whether `except Exception` may catch it.
    const allExceptions = exceptions.every((e) => !(e instanceof Error) || e instanceof Exception);
    if (isPrototypeOf.call(ExceptionGroup.prototype, this)) {
      if (!allExceptions) throw new TypeError('Cannot nest BaseExceptions in an ExceptionGroup');
    } else if (new.target === BaseExceptionGroup && allExceptions) {
      return new ExceptionGroup<E>(message, exceptions as readonly (E | ExceptionGroup<E>)[]);
    }
  }

  /** Python's str(): the message and how many errors it holds, e.g. `… (2 sub-exceptions)`. */
  override toString(): string {
    const n = this.errors.length;
    return `${this.name}: ${this.message} (${n} sub-exception${n === 1 ? '' : 's'})`;
  }

  /** The errors of the group (Python's `exceptions`; the same array as AggregateError's `errors`). A member may be a group itself. */
  get exceptions(): readonly (E | BaseExceptionGroup<E>)[] {
    return this.errors;
  }

  /**
   * A group with the same message holding `exceptions` (Python's `derive`):
   * what `split()` and `subgroup()` build their parts with. Override it in a
   * subclass to make them return your subclass.
   */
  derive<X>(exceptions: readonly (X | BaseExceptionGroup<X>)[]): BaseExceptionGroup<X> {
    return new BaseExceptionGroup<X>(this.message, exceptions);
  }

  /**
   * The part of the group that matches `cond` (an error class, an array of
   * them, or a predicate), as a group with the same message and nesting, or
   * null when nothing matches. A class narrows the type; a predicate does not.
   */
  subgroup(cond: (exc: E | BaseExceptionGroup<E>) => boolean): BaseExceptionGroup<E> | null;
  subgroup<C extends ErrorClass>(cond: C | readonly C[]): BaseExceptionGroup<InstanceType<C>> | null;
  subgroup(cond: unknown): BaseExceptionGroup<unknown> | null {
    return splitGroup(this, matcher(cond, 'subgroup'))[0];
  }

  /**
   * `[matching, rest]`, each a group with the same message or null — what
   * `except*` does, by hand. As in Python, the condition is tried on the
   * group itself first (a match returns `[group, null]`), then on each
   * member; nested groups are split too and keep their place.
   */
  split(cond: (exc: E | BaseExceptionGroup<E>) => boolean): [BaseExceptionGroup<E> | null, BaseExceptionGroup<E> | null];
  split<C extends ErrorClass>(cond: C | readonly C[]): [BaseExceptionGroup<InstanceType<C>> | null, BaseExceptionGroup<E> | null];
  split(cond: unknown): [BaseExceptionGroup<unknown> | null, BaseExceptionGroup<unknown> | null] {
    return splitGroup(this, matcher(cond, 'split'));
  }
}

function splitGroup(group: BaseExceptionGroup<unknown>, match: (e: unknown) => boolean): [BaseExceptionGroup<unknown> | null, BaseExceptionGroup<unknown> | null] {
  if (match(group)) return [group, null];
  const yes: unknown[] = [];
  const no: unknown[] = [];
  for (const e of group.errors) {
    if (e instanceof BaseExceptionGroup) {
      const [a, b] = splitGroup(e, match);
      if (a !== null) yes.push(a);
      if (b !== null) no.push(b);
    } else if (match(e)) {
      yes.push(e);
    } else {
      no.push(e);
    }
  }
  return [part(group, yes), part(group, no)];
}

/** One side of a split: derived from the group, keeping its stack and cause (Python keeps traceback, cause and notes). */
function part(group: BaseExceptionGroup<unknown>, members: unknown[]): BaseExceptionGroup<unknown> | null {
  if (members.length === 0) return null;
  const derived = group.derive(members);
  derived.stack = group.stack;
  if ('cause' in group) Object.defineProperty(derived, 'cause', { value: group.cause, writable: true, configurable: true });
  return derived;
}

/**
 * Python's ExceptionGroup: several errors raised together (TaskGroup's
 * failures); an Exception and a BaseExceptionGroup, and a JavaScript
 * AggregateError (`exceptions` is `errors`). It cannot hold a
 * CancelledError or KeyboardInterrupt (TypeError, as in Python).
 * `split(cond)` and `subgroup(cond)` do by hand what `except*` does;
 * with a class, their types narrow.
 * @example
 * const [timeouts, rest] = group.split(TimeoutError); // ExceptionGroup<TimeoutError> | null, ExceptionGroup<…> | null
 * if (rest !== null) throw rest;
 */
export class ExceptionGroup<E = unknown> extends BaseExceptionGroup<E> {
  constructor(message: string, exceptions: readonly (E | ExceptionGroup<E>)[]) {
    super(message, exceptions);
  }

  /** The errors of the group (Python's `exceptions`). A member may be a group itself. */
  override get exceptions(): readonly (E | ExceptionGroup<E>)[] {
    return this.errors;
  }

  /** A group with the same message holding `exceptions` (Python's `derive`). */
  override derive<X>(exceptions: readonly (X | ExceptionGroup<X>)[]): ExceptionGroup<X> {
    return new ExceptionGroup<X>(this.message, exceptions);
  }

  /** The part of the group that matches `cond`, or null (see BaseExceptionGroup's). */
  override subgroup(cond: (exc: E | ExceptionGroup<E>) => boolean): ExceptionGroup<E> | null;
  override subgroup<C extends ErrorClass>(cond: C | readonly C[]): ExceptionGroup<InstanceType<C>> | null;
  override subgroup(cond: unknown): BaseExceptionGroup<unknown> | null {
    return super.subgroup(cond as ErrorClass);
  }

  /** `[matching, rest]`, each a group or null (see BaseExceptionGroup's). */
  override split(cond: (exc: E | ExceptionGroup<E>) => boolean): [ExceptionGroup<E> | null, ExceptionGroup<E> | null];
  override split<C extends ErrorClass>(cond: C | readonly C[]): [ExceptionGroup<InstanceType<C>> | null, ExceptionGroup<E> | null];
  override split(cond: unknown): [BaseExceptionGroup<unknown> | null, BaseExceptionGroup<unknown> | null] {
    return super.split(cond as ErrorClass);
  }
}
