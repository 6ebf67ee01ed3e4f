/**
 * Fault injection on child processes and worker threads, on the async driver:
 * a child killed mid-communicate(), children that exit without reading,
 * flood their output or die before we talk to them; worker threads that
 * throw or exit. And bad input to live connections and processes. As in
 * io-faults.spec.ts: a clear error or EOF, exact data, nothing hangs, the
 * loop keeps serving a bystander, the exception handler is never called.
 */
import { expect } from 'chai';
import {
  ConnectionRefusedError,
  OSError,
  PIPE,
  RuntimeError,
  ThreadPoolExecutor,
  ValueError,
  createSubprocessExec,
  createTask,
  getRunningLoop,
  openConnection,
  sleep,
  startServer,
  toThread,
  type Awaitable,
  type Coroutine,
  type StreamReader,
} from '../../lib';
import { bounded, echoLines, freePort, pattern, patternBreak, prng, readAll, runGuarded, withBystander } from './peers';
import { RUNS_SCALE, SEED, countBadInput, countFault } from './tally';

const ITER = Math.max(1, Math.round(3 * RUNS_SCALE));
const decoder = new TextDecoder();

describe('reliability: faults in child processes and worker threads', function () {
  this.timeout(Math.max(120_000, 240_000 * RUNS_SCALE));

  // A child that echoes its input slowly (so that it is mid-communicate when killed), or floods, or exits at once.
  const SLOW_CAT = "process.stdin.on('data', (d) => { process.stdout.write(d); process.stdin.pause(); setTimeout(() => process.stdin.resume(), 10); });";
  const FLOOD = "const b = Buffer.alloc(65536, 97); (function w() { while (process.stdout.write(b)); process.stdout.once('drain', w); })();";

  it('a child killed mid-communicate: communicate() returns what it read, the exit code says SIGKILL', async () => {
    const random = prng(SEED + 16);
    for (let i = 0; i < ITER; i++) {
      const size = (4 + Math.floor(random() * 8)) << 20;
      const result = await runGuarded(() =>
        withBystander(function* () {
          const p = yield* createSubprocessExec(process.execPath, ['-e', SLOW_CAT], { stdin: PIPE, stdout: PIPE, stderr: PIPE });
          const talk = createTask(p.communicate(pattern(size)));
          yield* sleep(0.02 + random() * 0.05);
          p.kill();
          const [out, err] = yield* bounded('communicate() with a killed child', talk);
          return { out: Buffer.from(out as Uint8Array), err: Buffer.from(err as Uint8Array), code: p.returncode };
        }),
      );
      countFault('child killed mid-communicate');
      expect(result.code).to.equal(-9);
      expect(result.out.length).to.be.below(size);
      expect(patternBreak(result.out)).to.equal(-1);
      expect(result.err.length).to.equal(0);
    }
  });

  it('children that exit without reading, flood their output or die first: wait() and communicate() end', async () => {
    const result = await runGuarded(() =>
      withBystander(function* () {
        // Exits at once while we send it 8 MiB: not an error (asyncio ignores the broken pipe).
        const quitter = yield* createSubprocessExec(process.execPath, ['-e', 'process.exit(3)'], { stdin: PIPE, stdout: PIPE });
        const [qout] = yield* bounded('communicate() with a child that exits at once', quitter.communicate(pattern(8 << 20)));
        // Floods stdout until killed: read 1 MiB, kill, wait, read to EOF.
        const flood = yield* createSubprocessExec(process.execPath, ['-e', FLOOD], { stdout: PIPE });
        const first = yield* bounded('reading a flooding child', (flood.stdout as StreamReader).readexactly(1 << 20));
        flood.kill();
        const floodCode = yield* bounded('wait() on a killed flooding child', flood.wait());
        const rest = yield* bounded('reading a killed child to EOF', readAll(flood.stdout as StreamReader));
        // Killed before communicate() starts.
        const early = yield* createSubprocessExec(process.execPath, ['-e', SLOW_CAT], { stdin: PIPE, stdout: PIPE });
        early.kill();
        const [eout] = yield* bounded('communicate() with a child killed first', early.communicate('never read'));
        return { quitCode: quitter.returncode, qout: (qout as Uint8Array).length, first: first.length, floodCode, rest, earlyCode: early.returncode, eout: (eout as Uint8Array).length };
      }),
    );
    countFault('child exits without reading / floods / dies first', 3);
    expect(result.quitCode).to.equal(3);
    expect(result.qout).to.equal(0);
    expect(result.first).to.equal(1 << 20);
    expect(result.floodCode).to.equal(-9);
    expect(result.rest.error).to.equal(null);
    expect(result.earlyCode).to.equal(-9);
    expect(result.eout).to.equal(0);
  });

  it('worker threads that throw or exit: the awaiting coroutine gets the error, the pool goes on', async () => {
    const outcomes = await runGuarded(function* () {
      const out: string[] = [];
      const attempt = function* (what: string, job: () => Awaitable<unknown>): Coroutine<void> {
        try {
          const v = yield* bounded(what, job(), 30);
          out.push(`${what}: returned ${String(v)}`);
        } catch (e) {
          out.push(`${what}: ${e instanceof Error ? `${e.name}: ${e.message}` : `threw ${String(e)}`}`);
        }
        // The pool still serves after each fault.
        const v = yield* bounded(`a job after "${what}"`, toThread((x: number) => x * 2, 21), 30);
        if (v !== 42) out.push(`after ${what}: the next job returned ${v}`);
      };
      yield* attempt('throw TypeError', () => toThread(() => { throw new TypeError('boom'); }));
      yield* attempt('throw 42', () => toThread(() => { throw 42; }));
      yield* attempt('process.exit(3)', () => toThread(() => process.exit(3)));
      yield* attempt('an async function that rejects', () => toThread(async () => { throw new RangeError('later'); }));
      // A pool of one whose only worker exits: the next job gets a new worker.
      const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
      try {
        yield* attempt('exit in a pool of one', () => getRunningLoop().runInExecutor(pool, () => process.exit(7)));
        out.push(`pool of one after an exit: ${yield* bounded('a pool of one after an exit', getRunningLoop().runInExecutor(pool, () => 'alive'), 30)}`);
      } finally {
        pool.shutdown();
      }
      // A thread that runs out of memory, and one that ends itself after its job returned.
      const small = new ThreadPoolExecutor({ maxWorkers: 1, resourceLimits: { maxOldGenerationSizeMb: 128 } });
      try {
        const loop = getRunningLoop();
        yield* attempt('out of memory', () => loop.runInExecutor(small, function hog() {
          const a: number[][] = [];
          for (;;) a.push(new Array(1e5).fill(1.5));
        }));
        yield* attempt('exit after returning', () => loop.runInExecutor(small, () => {
          setTimeout(() => process.exit(0));
          return 'bye';
        }));
        yield* sleep(0.3); // its thread ends meanwhile
        out.push(`the pool after both: ${yield* bounded('the pool after a dead thread', loop.runInExecutor(small, () => 'alive'), 30)}`);
      } finally {
        small.shutdown();
      }
      return out;
    });
    countFault('worker throws or exits', 5);
    countFault('worker runs out of memory');
    countFault('worker ends after its job returned');
    expect(outcomes).to.deep.equal([
      'throw TypeError: TypeError: boom',
      'throw 42: threw 42',
      'process.exit(3): RuntimeError: the worker thread running <anonymous> exited (code 3) before the job finished',
      'an async function that rejects: RangeError: later',
      'exit in a pool of one: RuntimeError: the worker thread running <anonymous> exited (code 7) before the job finished',
      'pool of one after an exit: alive',
      'out of memory: RuntimeError: the worker thread running hog ran out of memory before the job finished; the next job runs on a new thread',
      'exit after returning: returned bye',
      'the pool after both: alive',
    ]);
  });

  it('bad input on live connections and processes gets a clear error and leaves them usable', async () => {
    const problems = await runGuarded(function* () {
      const problems: string[] = [];
      const server = yield* startServer(echoLines, '127.0.0.1', 0);
      const port = server.address().port;
      const [reader, writer] = yield* openConnection('127.0.0.1', port);
      const expectError = function* (what: string, cls: Function, message: RegExp, call: () => unknown): Coroutine<void> {
        countBadInput('misuse', what.replace(/\(.*$/, '()'));
        try {
          const r = call();
          if (r !== null && typeof r === 'object' && typeof (r as Generator).next === 'function') yield* bounded(what, r as Coroutine<unknown>);
          problems.push(`${what}: no error`);
        } catch (e) {
          if (!(e instanceof cls)) problems.push(`${what}: expected ${cls.name}, got ${String(e)}`);
          else if (!message.test((e as Error).message)) problems.push(`${what}: unclear message: ${(e as Error).message}`);
        }
        // Still usable.
        writer.write('ok?\n');
        if (decoder.decode(yield* bounded(`echo after ${what}`, reader.readline())) !== 'ok?\n') problems.push(`after ${what}: the connection is broken`);
      };
      yield* expectError('writer.write(123)', TypeError, /write\(\)/, () => writer.write(123 as never));
      yield* expectError('writer.writelines(5)', TypeError, /writelines\(\)/, () => writer.writelines(5 as never));
      yield* expectError('reader.read(1.5)', TypeError, /read\(\)/, () => reader.read(1.5));
      yield* expectError('reader.readexactly(-1)', ValueError, /less than zero/, () => reader.readexactly(-1));
      yield* expectError("reader.readuntil('')", ValueError, /at least one-byte/, () => reader.readuntil(''));
      yield* expectError('reader.readuntil([])', ValueError, /at least one element/, () => reader.readuntil([]));
      yield* expectError('setWriteBufferLimits(1, 2)', ValueError, /must be >=/, () => writer.transport.setWriteBufferLimits(1, 2));
      yield* expectError('setWriteBufferLimits(NaN)', TypeError, /setWriteBufferLimits\(\)/, () => writer.transport.setWriteBufferLimits(NaN));
      yield* expectError('two readers at once', RuntimeError, /already waiting/, () => {
        const first = createTask(reader.read(10));
        return (function* () {
          try {
            yield* sleep(0); // the first reader is waiting now
            yield* reader.read(10);
          } finally {
            first.cancel();
            yield* sleep(0);
          }
        })();
      });
      const nobody = yield* freePort();
      yield* expectError('openConnection to a closed port', ConnectionRefusedError, /Connect call failed/, () => openConnection('127.0.0.1', nobody));
      yield* expectError('startServer on a port in use', OSError, /address already in use/, () => startServer(echoLines, '127.0.0.1', port));
      const p = yield* createSubprocessExec(process.execPath, ['-e', 'setTimeout(() => {}, 100)'], { stdin: PIPE, stdout: PIPE });
      yield* expectError('process.communicate(123)', TypeError, /communicate\(\) input/, () => p.communicate(123 as never));
      yield* expectError('process.sendSignal({})', TypeError, /sendSignal\(\)/, () => p.sendSignal({} as never));
      yield* bounded('the process after bad input', p.communicate());
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* bounded('closing the server', server.waitClosed());
      return problems;
    });
    expect(problems).to.deep.equal([]);
  });
});
