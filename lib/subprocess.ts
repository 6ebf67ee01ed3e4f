/**
 * Child processes (CPython: subprocess.py over base_subprocess.py), with
 * Node's `child_process.spawn`.
 *
 * The layers are asyncio's:
 * - `SubprocessTransport` (BaseSubprocessTransport) owns the child and one
 *   pipe transport per piped stdio stream — Node's pipes are sockets, so
 *   they are the same SocketTransport as TCP (lib/transports.ts);
 * - `PipeProtocol` (Read/WriteSubprocessPipeProto) forwards each pipe's
 *   events to the subprocess transport, tagged with the fd;
 * - `SubprocessStreamProtocol` turns them into a StreamWriter for stdin and
 *   StreamReaders for stdout and stderr;
 * - `Process` is what you use: `wait()`, `communicate()`, `kill()`…
 *
 * The exit code is known when the child exits; `wait()` returns once it has
 * exited *and* its pipes are closed, so every byte it wrote can be read
 * (Python 3.12+). A running child is a host wait: the synchronous driver
 * refuses to wait while one runs.
 *
 * One deliberate difference: asyncio documents that `wait()` deadlocks when
 * the child fills a pipe nobody reads. Here, while anyone waits for the
 * exit, the output pipes are read without limit, so `wait()` always returns.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EventLoop, ExceptionContext } from './loop';
import { ownResource, releaseResource, type LoopResource } from './loop-resources';
import { BrokenPipeError, ConnectionResetError, ProcessLookupError, ValueError } from './exceptions';
import { fromNodeError } from './os-errors';
import { getRunningLoop } from './events';
import type { Coroutine, Future } from './futures';
import type { Task } from './tasks';
import { SocketTransport, type Protocol, type Transport } from './transports';
import { DEFAULT_LIMIT, FlowControlMixin, StreamReader, StreamWriter } from './streams';
import { checkOptions } from './options';
import { repr } from './repr';

/** Connect the stream to a new pipe (subprocess.PIPE). */
export const PIPE = -1;
/** For `stderr` only: send it where stdout goes, in the same pipe (subprocess.STDOUT). */
export const STDOUT = -2;
/** Connect the stream to the null device (subprocess.DEVNULL). */
export const DEVNULL = -3;

/**
 * Where a child's stdin, stdout or stderr goes: `PIPE`, `DEVNULL`, a file
 * descriptor of this process, or null/undefined to inherit ours.
 */
export type StdioSpec = number | null | undefined;

/** Options of `createSubprocessExec()` and `createSubprocessShell()`. */
export interface SubprocessOptions {
  stdin?: StdioSpec;
  stdout?: StdioSpec;
  /** Also `STDOUT`, to merge stderr into stdout. */
  stderr?: StdioSpec;
  /** The child's working directory. */
  cwd?: string;
  /** The child's whole environment (default: ours). */
  env?: NodeJS.ProcessEnv;
  /** The limit of the stdout/stderr StreamReaders (default 64 KiB). */
  limit?: number;
}

// Moved to lib/exceptions.ts with the other OS errors; still importable from here.
export { ProcessLookupError };

/**
 * asyncio.SubprocessProtocol's stream implementation (SubprocessStreamProtocol).
 * @internal
 */
class SubprocessStreamProtocol extends FlowControlMixin {
  stdin: StreamWriter | null = null;
  stdout: StreamReader | null = null;
  stderr: StreamReader | null = null;
  _transport: SubprocessTransport | null = null;
  _processExited = false;
  _pipeFds: number[] = [];
  _stdinClosed: Future<void>;

  constructor(readonly _limit: number, loop: EventLoop) {
    super(loop);
    this._stdinClosed = loop.createFuture<void>();
  }

  connectionMade(transport: SubprocessTransport): void {
    this._transport = transport;
    for (const fd of [1, 2]) {
      const pipe = transport.getPipeTransport(fd);
      if (pipe === null) continue;
      const reader = new StreamReader({ limit: this._limit, loop: this._loop });
      reader.setTransport(pipe);
      if (fd === 1) this.stdout = reader;
      else this.stderr = reader;
      this._pipeFds.push(fd);
    }
    const stdinPipe = transport.getPipeTransport(0);
    if (stdinPipe !== null) this.stdin = new StreamWriter(stdinPipe, this, null, this._loop);
  }

  pipeDataReceived(fd: number, data: Uint8Array): void {
    const reader = fd === 1 ? this.stdout : this.stderr;
    if (reader !== null) reader.feedData(data);
  }

  pipeConnectionLost(fd: number, exc: Error | null): void {
    if (fd === 0) {
      this.stdin?.close();
      this.connectionLost(exc);
      if (exc === null) this._stdinClosed.setResult(undefined);
      else {
        this._stdinClosed.setException(exc);
        this._stdinClosed.exception(); // waitClosed() is optional: not "never retrieved"
      }
      return;
    }
    const reader = fd === 1 ? this.stdout : this.stderr;
    if (reader !== null) {
      if (exc === null) reader.feedEof();
      else reader.setException(exc);
    }
    const i = this._pipeFds.indexOf(fd);
    if (i >= 0) this._pipeFds.splice(i, 1);
    this._maybeCloseTransport();
  }

  processExited(): void {
    this._processExited = true;
    this._maybeCloseTransport();
  }

  private _maybeCloseTransport(): void {
    if (this._pipeFds.length === 0 && this._processExited && this._transport !== null) {
      this._transport.close();
      this._transport = null;
    }
  }

  _getCloseWaiter(): Future<void> {
    return this._stdinClosed; // only stdin has a StreamWriter
  }
}

/**
 * A pipe's protocol (Read/WriteSubprocessPipeProto): tells the subprocess
 * transport what happens on fd 0, 1 or 2.
 * @internal
 */
class PipeProtocol implements Protocol {
  pipe: Transport | null = null;
  disconnected = false;
  constructor(readonly proc: SubprocessTransport, readonly fd: number) {}
  connectionMade(transport: Transport): void {
    this.pipe = transport;
  }
  dataReceived(data: Uint8Array): void {
    this.proc._pipeDataReceived(this.fd, data);
  }
  connectionLost(exc: Error | null): void {
    this.disconnected = true;
    this.proc._pipeConnectionLost(this.fd, exc);
  }
  pauseWriting(): void {
    this.proc._protocol.pauseWriting();
  }
  resumeWriting(): void {
    this.proc._protocol.resumeWriting();
  }
}

/**
 * The child process and its pipes (asyncio's BaseSubprocessTransport).
 * @internal
 */
class SubprocessTransport implements LoopResource {
  _loop: EventLoop;
  _protocol: SubprocessStreamProtocol;
  _proc: ChildProcess;
  _returncode: number | null = null;
  /** wait() futures; null once woken. */
  _exitWaiters: Future<number>[] | null = [];
  _pipes = new Map<number, PipeProtocol>();
  /** The pipes' transports, from the start (a PipeProtocol learns its own only at connectionMade). */
  _pipeTransports: SocketTransport[] = [];
  /** Calls for the protocol made before it is connected (asyncio's `_pending_calls`). */
  _pendingCalls: [(...args: any[]) => void, unknown[]][] | null = [];
  _finished = false;
  _closed = false;
  /** Settled by Node's 'spawn' or 'error'. */
  _spawned: Future<void>;
  /** Ends the host wait "a child is running". */
  _release: () => void;

  constructor(loop: EventLoop, protocol: SubprocessStreamProtocol, proc: ChildProcess, mergedOut: net.Socket | null) {
    this._loop = loop;
    this._protocol = protocol;
    this._proc = proc;
    this._spawned = loop.createFuture<void>();
    this._release = loop._holdHostWait();
    // Owned before its pipes are: closed with the loop, it closes them itself.
    ownResource(loop, this);
    proc.once('spawn', () => {
      if (!loop.isClosed() && !this._spawned.done()) this._spawned.setResult(undefined);
    });
    proc.on('error', (err: Error) => {
      // Before 'spawn' it is the spawn failing (ENOENT…): no child runs. Later ones (a failed kill) change nothing.
      if (this._spawned.done()) return;
      this._release();
      if (!loop.isClosed()) this._spawned.setException(err);
    });
    proc.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      this._release();
      // Python's convention: killed by signal N is -N.
      const returncode = code ?? -(os.constants.signals[signal as NodeJS.Signals] ?? 0);
      if (!loop.isClosed()) loop.callSoon(() => this._processExited(returncode));
    });
    // The pipes are connected at once, in the same step as spawn, so no event can be missed.
    const pipes: [number, net.Socket | null][] = [[0, proc.stdin as net.Socket | null], [1, mergedOut ?? (proc.stdout as net.Socket | null)], [2, proc.stderr as net.Socket | null]];
    for (const [fd, sock] of pipes) {
      if (sock === null) continue;
      const pipeProtocol = new PipeProtocol(this, fd);
      this._pipes.set(fd, pipeProtocol);
      this._pipeTransports.push(new SocketTransport(loop, sock, pipeProtocol, null, { pipe: sock }));
    }
  }

  /** Called once the spawn succeeded: the protocol meets the transport, and what waited is delivered. */
  _connect(): void {
    this._protocol.connectionMade(this);
    const pending = this._pendingCalls as [(...args: any[]) => void, unknown[]][];
    this._pendingCalls = null;
    for (const [fn, args] of pending) this._loop.callSoon(fn, ...args);
  }

  private _call(fn: (...args: any[]) => void, ...args: unknown[]): void {
    if (this._pendingCalls !== null) this._pendingCalls.push([fn, args]);
    else this._loop.callSoon(fn, ...args);
  }

  getPid(): number {
    return this._proc.pid as number;
  }

  getReturncode(): number | null {
    return this._returncode;
  }

  getPipeTransport(fd: number): Transport | null {
    return this._pipes.get(fd)?.pipe ?? null;
  }

  sendSignal(signal: NodeJS.Signals | number): void {
    if (this._finished) throw new ProcessLookupError('the process has exited and was waited for', { errno: os.constants.errno.ESRCH, code: 'ESRCH' });
    if (this._returncode !== null) return; // exited, not yet reaped: like Popen.send_signal, do nothing
    this._proc.kill(signal);
  }

  /** Closes the pipes and kills the child if it still runs (asyncio's close()). */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    releaseResource(this._loop, this);
    for (const proto of this._pipes.values()) proto.pipe?.close();
    this._killIfRunning();
  }

  /** The child still runs: SIGKILL, as asyncio's close() does (debug mode says so, with CPython's words). */
  private _killIfRunning(): void {
    if (this._returncode !== null || this._proc.exitCode !== null || this._proc.signalCode !== null) return;
    if (this._loop._debug) console.warn(`Close running child process: kill ${this}`);
    this._proc.kill('SIGKILL'); // one that is gone already makes Node emit 'error', which changes nothing
  }

  /** @internal Debug mode, at loop close: the program neither waited for the child nor closed it. */
  _unclosedReport(): ExceptionContext | null {
    return this._closed ? null : { message: `unclosed transport ${this}`, transport: this };
  }

  /**
   * @internal Its loop closed: the pipes close at once and a child still
   * running is killed, as CPython's `__del__` closes the transport — so it
   * cannot keep the process alive after `run()` returns.
   */
  _closeWithLoop(): void {
    this._closed = true;
    for (const pipe of this._pipeTransports) {
      releaseResource(this._loop, pipe);
      pipe._closeWithLoop();
    }
    this._killIfRunning();
  }

  toString(): string {
    const state = this._returncode !== null ? `returncode=${this._returncode}` : 'running';
    return `<SubprocessTransport${this._closed ? ' closed' : ''} pid=${this._proc.pid} ${state}>`;
  }

  *_wait(): Coroutine<number> {
    if (this._returncode !== null) return this._returncode;
    // A child blocked writing to a full pipe never exits: read its pipes without limit while we wait.
    this._protocol.stdout?._neverPause();
    this._protocol.stderr?._neverPause();
    const waiter = this._loop.createFuture<number>();
    (this._exitWaiters as Future<number>[]).push(waiter);
    const release = this._loop._holdHostWait();
    try {
      return yield* waiter;
    } finally {
      release();
    }
  }

  _pipeDataReceived(fd: number, data: Uint8Array): void {
    this._call((f: number, d: Uint8Array) => this._protocol.pipeDataReceived(f, d), fd, data);
  }

  _pipeConnectionLost(fd: number, exc: Error | null): void {
    this._call((f: number, e: Error | null) => this._protocol.pipeConnectionLost(f, e), fd, exc);
    this._tryFinish();
  }

  _processExited(returncode: number): void {
    this._returncode = returncode;
    this._call(() => this._protocol.processExited());
    this._tryFinish();
  }

  /** Done when the child has exited and every pipe is closed: wake the waiters. */
  private _tryFinish(): void {
    if (this._finished || this._returncode === null) return;
    for (const proto of this._pipes.values()) if (!proto.disconnected) return;
    this._finished = true;
    this._call(() => this._callConnectionLost());
  }

  private _callConnectionLost(): void {
    try {
      this._protocol.connectionLost(null);
    } finally {
      const waiters = this._exitWaiters as Future<number>[];
      this._exitWaiters = null;
      for (const waiter of waiters) if (!waiter.cancelled()) waiter.setResult(this._returncode as number);
    }
  }
}

function isBrokenPipe(exc: unknown): boolean {
  return exc instanceof BrokenPipeError || exc instanceof ConnectionResetError;
}

/**
 * `R` where the options say `PIPE` for `key`, else `R | null`: what a
 * Process has for a stream that was piped, typed from the call's options.
 */
export type PipedIf<O, K extends keyof SubprocessOptions, R> = O extends { readonly [P in K]: typeof PIPE } ? R : R | null;

/**
 * asyncio.subprocess.Process: a running child. `stdin` is a StreamWriter
 * and `stdout`/`stderr` StreamReaders where PIPE was asked for, else null.
 * The types follow the call: after `createSubprocessExec(p, args, { stdout:
 * PIPE })`, `proc.stdout` is a `StreamReader` (no `!` needed) and
 * `proc.stderr` a `StreamReader | null`.
 * @example
 * const p = yield* createSubprocessExec('ls', ['-l'], { stdout: PIPE });
 * const [out] = yield* p.communicate();
 * console.log(p.returncode, new TextDecoder().decode(out));
 */
export class Process<O extends SubprocessOptions = SubprocessOptions> {
  /** @internal */ _transport: SubprocessTransport;
  /** @internal */ _loop: EventLoop;
  readonly stdin: PipedIf<O, 'stdin', StreamWriter>;
  readonly stdout: PipedIf<O, 'stdout', StreamReader>;
  readonly stderr: PipedIf<O, 'stderr', StreamReader>;
  /** The child's process id. */
  readonly pid: number;

  /** @internal Made by createSubprocessExec / createSubprocessShell. */
  constructor(transport: SubprocessTransport, protocol: SubprocessStreamProtocol, loop: EventLoop) {
    this._transport = transport;
    this._loop = loop;
    // What was piped is there: the options that typed these made the protocol's streams.
    this.stdin = protocol.stdin as PipedIf<O, 'stdin', StreamWriter>;
    this.stdout = protocol.stdout as PipedIf<O, 'stdout', StreamReader>;
    this.stderr = protocol.stderr as PipedIf<O, 'stderr', StreamReader>;
    this.pid = transport.getPid();
  }

  /** The exit code once the child has exited (negative signal number if a signal killed it), else null. */
  get returncode(): number | null {
    return this._transport.getReturncode();
  }

  /** Waits for the child to exit (and its pipes to close); returns the exit code. Never deadlocks on a full pipe. */
  *wait(): Coroutine<number> {
    return yield* this._transport._wait();
  }

  /** Sends a signal (a name like 'SIGINT', or a number). */
  sendSignal(signal: NodeJS.Signals | number): void {
    if (typeof signal !== 'string' && typeof signal !== 'number') throw new TypeError(`sendSignal() needs a signal name or number, got ${repr(signal)}`);
    this._transport.sendSignal(signal);
  }

  /** SIGTERM. */
  terminate(): void {
    this._transport.sendSignal('SIGTERM');
  }

  /** SIGKILL. */
  kill(): void {
    this._transport.sendSignal('SIGKILL');
  }

  /**
   * Sends `input` (a string as UTF-8) to stdin and closes it, reads stdout
   * and stderr to the end, waits for the exit, and returns
   * `[stdout, stderr]` — each a Uint8Array, or null where it was not piped.
   * As in asyncio, `input` is ignored when stdin is not PIPE, and a child
   * that exits without reading its input is not an error.
   */
  communicate(input?: Uint8Array | string | null): Coroutine<[PipedIf<O, 'stdout', Uint8Array>, PipedIf<O, 'stderr', Uint8Array>]> {
    if (input != null && typeof input !== 'string' && !(input instanceof Uint8Array)) {
      throw new TypeError(`communicate() input must be a Uint8Array or a string, got ${repr(input)}`);
    }
    return this._communicate(input ?? null) as Coroutine<[PipedIf<O, 'stdout', Uint8Array>, PipedIf<O, 'stderr', Uint8Array>]>;
  }

  private *_communicate(input: Uint8Array | string | null): Coroutine<[Uint8Array | null, Uint8Array | null]> {
    const loop = this._loop;
    // The three run at once, as asyncio's gather() runs them: reading while writing avoids deadlock.
    const stdin = this.stdin !== null ? loop.createTask(this._feedStdin(this.stdin, input)) : null;
    const stdout = this.stdout !== null ? loop.createTask(this._readStream(this.stdout, 1)) : null;
    const stderr = this.stderr !== null ? loop.createTask(this._readStream(this.stderr, 2)) : null;
    try {
      if (stdin !== null) yield* stdin;
      const out = stdout !== null ? yield* stdout : null;
      const err = stderr !== null ? yield* stderr : null;
      yield* this.wait();
      return [out, err];
    } finally {
      for (const t of [stdin, stdout, stderr] as (Task<unknown> | null)[]) if (t !== null && !t.done()) t.cancel();
    }
  }

  private *_feedStdin(stdin: StreamWriter, input: Uint8Array | string | null): Coroutine<void> {
    try {
      if (input !== null) stdin.write(input);
      yield* stdin.drain();
    } catch (exc) {
      // communicate() ignores a child that stopped reading (BrokenPipeError, ConnectionResetError).
      if (!isBrokenPipe(exc)) throw exc;
    }
    stdin.close();
  }

  private *_readStream(stream: StreamReader, fd: number): Coroutine<Uint8Array> {
    const output = yield* stream.read();
    this._transport.getPipeTransport(fd)?.close();
    return output;
  }

  toString(): string {
    return `<Process ${this.pid}>`;
  }
}

// ---- creating processes ----

function stdioFor(spec: unknown, name: string): 'pipe' | 'ignore' | 'inherit' | number {
  if (spec === undefined || spec === null) return 'inherit';
  if (spec === PIPE) return 'pipe';
  if (spec === DEVNULL) return 'ignore';
  if (spec === STDOUT) throw new ValueError(`STDOUT can only be used for stderr, not for ${name}`);
  if (typeof spec === 'number' && Number.isInteger(spec) && spec >= 0) return spec;
  throw new TypeError(`${name} must be PIPE, DEVNULL, a file descriptor or null, got ${repr(spec)}`);
}

/** Checks the options at the call; returns Node's stdio, and whether stderr shares a piped stdout. */
function checkSubprocessOptions(options: SubprocessOptions, api: string): { stdio: ('pipe' | 'ignore' | 'inherit' | number)[]; merge: boolean; limit: number } {
  checkOptions<SubprocessOptions>(api, options, ['stdin', 'stdout', 'stderr', 'cwd', 'env', 'limit']);
  const stdin = stdioFor(options.stdin, 'stdin');
  const stdout = stdioFor(options.stdout, 'stdout');
  let stderr: 'pipe' | 'ignore' | 'inherit' | number;
  let merge = false;
  if (options.stderr === STDOUT) {
    merge = stdout === 'pipe';
    // Not piped: stderr simply goes wherever stdout goes (inherit means our own stdout, fd 1).
    stderr = stdout === 'inherit' ? 1 : stdout;
  } else {
    stderr = stdioFor(options.stderr, 'stderr');
  }
  if (options.cwd !== undefined && typeof options.cwd !== 'string') throw new TypeError(`cwd must be a string, got ${repr(options.cwd)}`);
  if (options.env !== undefined && (options.env === null || typeof options.env !== 'object')) throw new TypeError(`env must be an object of strings, got ${repr(options.env)}`);
  const limit = options.limit ?? DEFAULT_LIMIT;
  if (typeof limit !== 'number' || !(limit > 0)) throw new ValueError(`limit must be a positive number of bytes, got ${repr(limit)}`);
  return { stdio: [stdin, stdout, stderr], merge, limit };
}

/**
 * asyncio.create_subprocess_exec: runs `program` with `args` (no shell) and
 * returns its Process once it has started. A missing program raises
 * FileNotFoundError, one without the execute bit PermissionError, as in
 * Python. Async driver only.
 * @example
 * const p = yield* createSubprocessExec(process.execPath, ['-e', 'console.log(6 * 7)'], { stdout: PIPE });
 * const line = yield* p.stdout.readline(); // typed StreamReader: stdout was piped
 * yield* p.wait();
 */
export function createSubprocessExec<const O extends SubprocessOptions = {}>(program: string, args: readonly string[] = [], options: O = {} as O): Coroutine<Process<O>> {
  if (typeof program !== 'string' || program === '') throw new TypeError(`createSubprocessExec() needs a program (a string), got ${repr(program)}`);
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
    throw new TypeError(`createSubprocessExec() needs its arguments as an array of strings, got ${repr(args)}`);
  }
  const checked = checkSubprocessOptions(options, 'createSubprocessExec');
  return spawnProcess(program, args, false, options, checked);
}

/**
 * asyncio.create_subprocess_shell: runs `cmd` with the system shell
 * (`/bin/sh -c` on POSIX). Quote what you interpolate into it.
 * @example
 * const p = yield* createSubprocessShell('echo hello | tr a-z A-Z', { stdout: PIPE });
 * const [out] = yield* p.communicate(); // 'HELLO\n'
 */
export function createSubprocessShell<const O extends SubprocessOptions = {}>(cmd: string, options: O = {} as O): Coroutine<Process<O>> {
  if (typeof cmd !== 'string' || cmd === '') throw new TypeError(`createSubprocessShell() needs a command line (a string), got ${repr(cmd)}`);
  const checked = checkSubprocessOptions(options, 'createSubprocessShell');
  return spawnProcess(cmd, [], true, options, checked);
}

function* spawnProcess<O extends SubprocessOptions>(
  file: string,
  args: readonly string[],
  shell: boolean,
  options: O,
  checked: ReturnType<typeof checkSubprocessOptions>,
): Coroutine<Process<O>> {
  const loop = getRunningLoop();
  const stdio: ('pipe' | 'ignore' | 'inherit' | number | net.Socket)[] = checked.stdio.slice();
  let mergedOut: net.Socket | null = null;
  if (checked.merge) {
    // stderr=STDOUT with a piped stdout: both must be the *same* pipe, so that
    // the order of the child's writes is kept. Node cannot share one of its
    // pipes between two fds, so we make a connected pair of local sockets,
    // privately, and give the child one end as both fd 1 and fd 2.
    const [childEnd, ourEnd] = yield* socketPair(loop);
    stdio[1] = stdio[2] = childEnd;
    mergedOut = ourEnd;
  }
  let proc: ChildProcess;
  try {
    proc = spawn(file, args, { stdio, shell, cwd: options.cwd, env: options.env, windowsHide: true });
  } catch (e) {
    mergedOut?.destroy();
    throw spawnError(e, options.cwd);
  } finally {
    if (mergedOut !== null) (stdio[1] as net.Socket).destroy(); // the child has its own copy now
  }
  const protocol = new SubprocessStreamProtocol(checked.limit, loop);
  const transport = new SubprocessTransport(loop, protocol, proc, mergedOut);
  try {
    yield* transport._spawned;
  } catch (e) {
    transport.close(); // the spawn failed (or we were cancelled): nothing runs, close the pipes
    throw spawnError(e, options.cwd);
  }
  transport._connect();
  return new Process<O>(transport, protocol, loop);
}

/**
 * Python's error for a failed spawn: FileNotFoundError or PermissionError
 * naming the program — or the working directory when that is what failed
 * (Node names the program either way: `spawn /usr/bin/node ENOENT` for a
 * missing `cwd`, `spawn ENOTDIR` for a file). As Python: FileNotFoundError
 * or NotADirectoryError with the directory as its filename.
 */
function spawnError(err: unknown, cwd: string | undefined): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  // The child's chdir failed with the errno Node reports; the folder is to blame if it is missing, a file, or closed to us.
  const blameCwd = cwd !== undefined && (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES') && cwdFault(cwd) !== null;
  return fromNodeError(err, blameCwd ? { filename: cwd } : {});
}

/** What is wrong with `cwd` as a working directory ('ENOENT', 'ENOTDIR', 'EACCES'), or null if nothing is. */
function cwdFault(cwd: string): string | null {
  try {
    if (!fs.statSync(cwd).isDirectory()) return 'ENOTDIR';
    fs.accessSync(cwd, fs.constants.X_OK);
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' ? code : null;
  }
}

/**
 * A connected pair of local stream sockets `[theirs, ours]` (Node has no
 * socketpair()), made privately: the rendezvous is a listening socket in a
 * fresh directory only we can enter (`mkdtemp` makes it 0700), and a
 * connection counts only once it has sent a secret only we know; any other
 * is closed. The socket and its directory go as soon as the pair is made.
 */
function* socketPair(loop: EventLoop): Coroutine<[net.Socket, net.Socket]> {
  const secret = randomBytes(SECRET_LENGTH);
  const dir = process.platform === 'win32' ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'tulip-'));
  const where = dir !== null ? path.join(dir, 'pair.sock') : `\\\\.\\pipe\\tulip-${process.pid}-${randomBytes(8).toString('hex')}`;
  const server = net.createServer({ pauseOnConnect: true });
  const accepted = loop.createFuture<net.Socket>();
  const release = loop._holdHostWait();
  const strangers = new Set<net.Socket>();
  let ours: net.Socket | null = null;
  const fail = (err: Error) => {
    if (!loop.isClosed() && !accepted.done()) accepted.setException(fromNodeError(err));
  };
  server.once('error', fail);
  server.on('connection', (theirs: net.Socket) => {
    strangers.add(theirs);
    theirs.on('error', noop); // a stranger's trouble is not ours
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length < SECRET_LENGTH) return;
      theirs.removeListener('data', onData);
      theirs.pause(); // from now on the child reads it, not us
      if (got.length === SECRET_LENGTH && timingSafeEqual(got, secret) && !loop.isClosed() && !accepted.done()) {
        strangers.delete(theirs);
        theirs.removeListener('error', noop);
        accepted.setResult(theirs);
      }
    };
    theirs.on('data', onData);
    theirs.resume();
  });
  server.listen(where, () => {
    ours = net.connect(where);
    ours.on('error', fail); // stays: an error before its transport listens must not go unhandled
    ours.write(secret);
  });
  try {
    const theirs = yield* accepted;
    return [theirs, ours as unknown as net.Socket];
  } catch (e) {
    (ours as net.Socket | null)?.destroy();
    throw e;
  } finally {
    release();
    for (const stranger of strangers) stranger.destroy();
    server.close(); // the pair is connected; the listening socket (and its file) goes
    if (dir !== null) fs.rmSync(dir, { recursive: true, force: true });
  }
}

const SECRET_LENGTH = 32;

function noop(): void {}
