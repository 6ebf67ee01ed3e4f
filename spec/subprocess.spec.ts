// lib/subprocess.ts: real child processes (`node -e <script>`), on the async
// driver with the virtual clock. Every child ends by itself or is killed;
// nothing asserts time.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DEVNULL,
  PIPE,
  Process,
  ProcessLookupError,
  RuntimeError,
  STDOUT,
  StreamReader,
  StreamWriter,
  ValueError,
  createSubprocessExec,
  createSubprocessShell,
  createTask,
  getRunningLoop,
  runSync,
  type Coroutine,
} from '../lib';
import { Worker } from 'node:worker_threads';
import { arun, hostPause } from './support';

const NODE = process.execPath;
const dec = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

/** A Node child running `script`. */
function node(script: string, options: Parameters<typeof createSubprocessExec>[2] = {}): Coroutine<Process> {
  return createSubprocessExec(NODE, ['-e', script], options);
}

/** Lets Node run for `ms` real milliseconds (a host wait; nothing is asserted about time). */
const FOREVER = 'setInterval(() => {}, 1000)';

describe('subprocess: child processes', function () {
  this.timeout(30000);

  it('communicate() collects stdout and stderr and the exit code', async () => {
    const [out, err, code, p] = await arun(
      (function* (): Coroutine<[string | null, string | null, number | null, Process]> {
        const p = yield* node('process.stdout.write("to out"); process.stderr.write("to err"); process.exitCode = 3', { stdout: PIPE, stderr: PIPE });
        expect(p.pid).to.be.a('number');
        expect(String(p)).to.equal(`<Process ${p.pid}>`);
        const [out, err] = yield* p.communicate();
        return [dec(out), dec(err), p.returncode, p];
      })(),
    );
    expect([out, err, code]).to.deep.equal(['to out', 'to err', 3]);
    expect(p.stdin).to.equal(null);
    expect(p.stdout).to.be.instanceOf(StreamReader);
  });

  it('communicate() with several MB of output on both pipes, and as much input', async () => {
    const size = 6 * 1024 * 1024;
    const [outLen, errLen, echoed, sample] = await arun(
      (function* (): Coroutine<[number, number, number, string]> {
        const big = node(
          `const b = Buffer.alloc(${size}, 'o'); process.stdout.write(b); process.stderr.write(Buffer.alloc(${size}, 'e'));`,
          { stdout: PIPE, stderr: PIPE },
        );
        const p = yield* big;
        const [out, err] = yield* p.communicate();
        // Echo: the child writes while we still write to it — reading and writing at once avoids deadlock.
        const cat = yield* node('process.stdin.pipe(process.stdout)', { stdin: PIPE, stdout: PIPE });
        const input = new Uint8Array(size).fill(120);
        const [echo] = yield* cat.communicate(input);
        return [(out as Uint8Array).length, (err as Uint8Array).length, (echo as Uint8Array).length, dec((out as Uint8Array).subarray(0, 3)) as string];
      })(),
    );
    expect([outLen, errLen, echoed, sample]).to.deep.equal([size, size, size, 'ooo']);
  });

  it('stdin piping: input may be a string; stdin is a StreamWriter you can drive by hand', async () => {
    const [first, second] = await arun(
      (function* (): Coroutine<[string | null, string | null]> {
        const upper = 'let s = ""; process.stdin.on("data", d => s += d); process.stdin.on("end", () => process.stdout.write(s.toUpperCase()))';
        const p1 = yield* node(upper, { stdin: PIPE, stdout: PIPE });
        const [out1] = yield* p1.communicate('héllo');
        const p2 = yield* node(upper, { stdin: PIPE, stdout: PIPE });
        const stdin = p2.stdin as StreamWriter;
        expect(stdin).to.be.instanceOf(StreamWriter);
        stdin.write('line one\n');
        stdin.writelines(['line ', 'two\n']);
        yield* stdin.drain();
        expect(stdin.canWriteEof()).to.equal(true);
        stdin.close();
        yield* stdin.waitClosed();
        const out2 = yield* (p2.stdout as StreamReader).read();
        expect(yield* p2.wait()).to.equal(0);
        return [dec(out1), dec(out2)];
      })(),
    );
    expect(first).to.equal('HÉLLO');
    expect(second).to.equal('LINE ONE\nLINE TWO\n');
  });

  it('reads a running child line by line', async () => {
    const lines = await arun(
      (function* (): Coroutine<string[]> {
        const p = yield* node('let i = 0; const t = setInterval(() => { console.log("tick " + i); if (++i === 3) clearInterval(t); }, 5)', { stdout: PIPE });
        const lines: string[] = [];
        for (;;) {
          const line = dec(yield* (p.stdout as StreamReader).readline()) as string;
          if (line === '') break;
          lines.push(line);
        }
        expect(yield* p.wait()).to.equal(0);
        return lines;
      })(),
    );
    expect(lines).to.deep.equal(['tick 0\n', 'tick 1\n', 'tick 2\n']);
  });

  it('wait() does not deadlock on a child that fills a pipe nobody reads; the output stays readable', async () => {
    const size = 4 * 1024 * 1024;
    const [code, length] = await arun(
      (function* (): Coroutine<[number, number]> {
        const p = yield* node(`process.stdout.write(Buffer.alloc(${size}, 'w'))`, { stdout: PIPE, limit: 1024 });
        const stdout = p.stdout as StreamReader;
        // Let the reader fill up and pause the pipe: the child is now blocked writing.
        for (let i = 0; i < 500 && !stdout._paused; i++) yield* hostPause(2);
        expect(stdout._paused).to.equal(true);
        const code = yield* p.wait();
        const all = yield* stdout.read();
        return [code, all.length];
      })(),
    );
    expect([code, length]).to.deep.equal([0, size]);
  });

  it('returncode is null while running; kill() gives -9, terminate() -15, sendSignal -N (Python\'s convention)', async () => {
    const codes = await arun(
      (function* (): Coroutine<number[]> {
        const codes: number[] = [];
        for (const stop of [(p: Process) => p.kill(), (p: Process) => p.terminate(), (p: Process) => p.sendSignal('SIGINT'), (p: Process) => p.sendSignal(1)]) {
          const p = yield* node(FOREVER);
          expect(p.returncode).to.equal(null);
          stop(p);
          codes.push(yield* p.wait());
          expect(p.returncode).to.equal(codes[codes.length - 1]);
          expect(yield* p.wait()).to.equal(p.returncode); // again: at once
        }
        return codes;
      })(),
    );
    expect(codes).to.deep.equal([-9, -15, -2, -1]);
  });

  it('a signal to a process already waited for is ProcessLookupError (as asyncio)', async () => {
    const err = await arun(
      (function* (): Coroutine<unknown> {
        const p = yield* node('');
        yield* p.wait();
        try {
          p.kill();
        } catch (e) {
          return e;
        }
        return null;
      })(),
    );
    expect(err).to.be.instanceOf(ProcessLookupError);
    expect(err).to.have.property('code', 'ESRCH');
  });

  it('a signal after the child exited but before its pipes closed does nothing', async () => {
    await arun(
      (function* (): Coroutine<void> {
        // The child exits at once but leaves a grandchild holding its stdout open for a moment.
        const p = yield* node(
          `require("child_process").spawn(process.execPath, ["-e", "setTimeout(() => {}, 300)"], { stdio: ["ignore", "inherit", "ignore"], detached: true }).unref()`,
          { stdout: PIPE },
        );
        while (p.returncode === null) yield* hostPause(5);
        p.kill(); // exited, not finished: nothing to do, no error
        expect(yield* p.wait()).to.equal(0);
      })(),
    );
  });

  it('createSubprocessShell runs a command line with the system shell', async () => {
    const [out, err, code] = await arun(
      (function* (): Coroutine<[string | null, string | null, number]> {
        const p = yield* createSubprocessShell('echo hello | tr a-z A-Z; echo oops 1>&2; exit 4', { stdout: PIPE, stderr: PIPE });
        const [out, err] = yield* p.communicate();
        return [dec(out), dec(err), p.returncode as number];
      })(),
    );
    expect([out, err, code]).to.deep.equal(['HELLO\n', 'oops\n', 4]);
  });

  it('DEVNULL discards; not piped streams are null in communicate()', async () => {
    const result = await arun(
      (function* (): Coroutine<[string | null, string | null, number | null]> {
        const p = yield* node('process.stdout.write("gone"); process.stderr.write("gone too")', { stdin: DEVNULL, stdout: DEVNULL, stderr: DEVNULL });
        expect([p.stdin, p.stdout, p.stderr]).to.deep.equal([null, null, null]);
        const [out, err] = yield* p.communicate('ignored: stdin is not PIPE');
        return [dec(out), dec(err), p.returncode];
      })(),
    );
    expect(result).to.deep.equal([null, null, 0]);
  });

  it('stderr=STDOUT merges stderr into the stdout pipe, in the order the child wrote', async () => {
    const [out, stderr] = await arun(
      (function* (): Coroutine<[string | null, StreamReader | null]> {
        const p = yield* node(
          'for (let i = 0; i < 5; i++) { process.stdout.write("out" + i + "\\n"); process.stderr.write("err" + i + "\\n"); }',
          { stdout: PIPE, stderr: STDOUT },
        );
        const [out, err] = yield* p.communicate();
        expect(err).to.equal(null);
        return [dec(out), p.stderr];
      })(),
    );
    expect(out).to.equal('out0\nerr0\nout1\nerr1\nout2\nerr2\nout3\nerr3\nout4\nerr4\n');
    expect(stderr).to.equal(null);
  });

  it('stderr=STDOUT pairs the pipes privately: another local process cannot take the output', async function () {
    if (process.platform === 'win32') this.skip();
    // The attacker, a worker thread (so it runs while this thread is held),
    // connects to every Unix socket that appears in the temp folder or in a
    // folder inside it, and counts the bytes it gets from them.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tulip-spec-'));
    const cells = new Int32Array(new SharedArrayBuffer(8)); // [connected, bytes stolen]
    const attacker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const fs = require('node:fs'); const net = require('node:net'); const path = require('node:path');
       const cells = new Int32Array(workerData.cells);
       const tried = new Set();
       const socketsIn = (dir, depth) => {
         let found = [];
         for (const name of fs.readdirSync(dir)) {
           const p = path.join(dir, name);
           try {
             const st = fs.statSync(p);
             if (st.isSocket()) found.push(p);
             else if (st.isDirectory() && depth > 0) found = found.concat(socketsIn(p, depth - 1));
           } catch {}
         }
         return found;
       };
       const scan = () => {
         for (const p of socketsIn(workerData.dir, 1)) {
           if (tried.has(p)) continue;
           tried.add(p);
           const s = net.connect(p, () => { Atomics.store(cells, 0, 1); Atomics.notify(cells, 0); });
           s.on('data', (d) => Atomics.add(cells, 1, d.length));
           s.on('error', () => {});
           s.on('close', () => parentPort.postMessage('closed'));
         }
         if (Atomics.load(cells, 0) === 0) setImmediate(scan);
       };
       scan();`,
      { eval: true, workerData: { dir: tmp, cells: cells.buffer } },
    );
    const closed = new Promise((resolve) => attacker.once('message', resolve));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const out = await arun(
        (function* (): Coroutine<string | null> {
          const loop = getRunningLoop();
          const creating = createTask(node('console.log("out"); console.error("err")', { stdout: PIPE, stderr: STDOUT }));
          // Runs right after the task's first step has made the rendezvous socket: hold
          // this thread until the attacker is connected, so that it comes first.
          loop.callSoon(() => Atomics.wait(cells, 0, 0, 10000));
          const p = yield* creating;
          return dec((yield* p.communicate())[0]);
        })(),
      );
      expect(Atomics.load(cells, 0), 'the attacker did connect').to.equal(1);
      await closed; // its connection was closed on it
      expect(out).to.equal('out\nerr\n');
      expect(Atomics.load(cells, 1), 'bytes the attacker got').to.equal(0);
      expect(fs.readdirSync(tmp), 'the rendezvous left nothing behind').to.deep.equal([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      await attacker.terminate();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('stderr=STDOUT follows stdout when it is not piped (DEVNULL, or a file descriptor)', async () => {
    const file = path.join(os.tmpdir(), `tulip-subprocess-${process.pid}.txt`);
    const fd = fs.openSync(file, 'w');
    try {
      await arun(
        (function* (): Coroutine<void> {
          const quiet = yield* node('process.stderr.write("nowhere")', { stdout: DEVNULL, stderr: STDOUT });
          expect(yield* quiet.communicate()).to.deep.equal([null, null]);
          const toFile = yield* node('process.stdout.write("a"); process.stderr.write("b")', { stdout: fd, stderr: STDOUT });
          expect(yield* toFile.wait()).to.equal(0);
        })(),
      );
    } finally {
      fs.closeSync(fd);
    }
    expect(fs.readFileSync(file, 'utf8')).to.equal('ab');
    fs.unlinkSync(file);
  });

  it('communicate() ignores a child that exits without reading its input', async () => {
    const [out, code] = await arun(
      (function* (): Coroutine<[string | null, number | null]> {
        const p = yield* node('process.stdout.write("not reading")', { stdin: PIPE, stdout: PIPE });
        const [out] = yield* p.communicate(new Uint8Array(8 * 1024 * 1024));
        return [dec(out), p.returncode];
      })(),
    );
    expect([out, code]).to.deep.equal(['not reading', 0]);
  });

  it('a child that dies mid-communicate: communicate() returns what it wrote, the exit code says SIGKILL, the loop goes on', async () => {
    const [out, err, code, next] = await arun(
      (function* (): Coroutine<[string | null, string | null, number | null, string | null]> {
        // It says something on both pipes, takes 1 MiB of its input, and kills itself with the rest unread.
        const p = yield* node(
          `process.stdout.write('started\\n', () => process.stderr.write('err\\n', () => {
             let n = 0;
             process.stdin.on('data', (c) => { n += c.length; if (n >= 1 << 20) process.kill(process.pid, 'SIGKILL'); });
           }));`,
          { stdin: PIPE, stdout: PIPE, stderr: PIPE },
        );
        const [out, err] = yield* p.communicate(new Uint8Array(16 * 1024 * 1024));
        const after = yield* node('process.stdout.write("next")', { stdout: PIPE });
        return [dec(out), dec(err), p.returncode, dec((yield* after.communicate())[0])];
      })(),
    );
    expect([out, err, code, next]).to.deep.equal(['started\n', 'err\n', -9, 'next']);
  });

  it('a child killed while communicate() waits on its stdin: communicate() returns, with the exit code', async () => {
    const [line, out, err, code] = await arun(
      (function* (): Coroutine<[string | null, string | null, string | null, number]> {
        // It never reads its stdin: communicate() is stuck feeding it until the kill.
        const p = yield* node(`process.stdout.write('ready\\n'); ${FOREVER}`, { stdin: PIPE, stdout: PIPE, stderr: PIPE });
        const line = dec(yield* (p.stdout as StreamReader).readline());
        const c = createTask(p.communicate(new Uint8Array(16 * 1024 * 1024)));
        yield* hostPause(20);
        expect(c.done()).to.equal(false);
        p.kill();
        const [out, err] = yield* c;
        return [line, dec(out), dec(err), p.returncode as number];
      })(),
    );
    expect([line, out, err, code]).to.deep.equal(['ready\n', '', '', -9]);
  });

  it('cwd and env reach the child', async () => {
    const out = await arun(
      (function* (): Coroutine<string | null> {
        const p = yield* node('process.stdout.write(process.cwd() + "|" + process.env.TULIP_TEST)', {
          stdout: PIPE,
          cwd: os.tmpdir(),
          env: { ...process.env, TULIP_TEST: 'yes' },
        });
        return dec((yield* p.communicate())[0]);
      })(),
    );
    expect(out).to.equal(`${fs.realpathSync(os.tmpdir())}|yes`);
  });

  it('a missing program raises the OS error (ENOENT) from createSubprocessExec', async () => {
    const err = await arun(
      (function* (): Coroutine<unknown> {
        try {
          yield* createSubprocessExec('/nonexistent/tulip-no-such-program', [], { stdout: PIPE });
        } catch (e) {
          return e;
        }
        return null;
      })(),
    );
    expect(err).to.have.property('code', 'ENOENT');
  });

  it('a missing or wrong cwd is an error that names the directory, not the program (as Python)', async () => {
    const file = path.join(os.tmpdir(), `tulip-not-a-dir-${process.pid}.txt`);
    fs.writeFileSync(file, '');
    try {
      const errors = await arun(
        (function* (): Coroutine<unknown[]> {
          const out: unknown[] = [];
          for (const make of [
            () => createSubprocessExec(NODE, ['-e', '1'], { cwd: '/nonexistent/tulip-dir' }),
            () => createSubprocessShell('echo hi', { cwd: '/nonexistent/tulip-dir', stdout: PIPE, stderr: STDOUT }),
            () => createSubprocessExec('/nonexistent/tulip-no-such-program', [], { cwd: os.tmpdir() }),
            () => createSubprocessExec(NODE, ['-e', '1'], { cwd: file }),
          ]) {
            try {
              yield* make();
              out.push('ran');
            } catch (e) {
              const err = e as Error & { filename?: unknown; code?: unknown };
              out.push([err.name, err.message, err.filename, err.code]);
            }
          }
          return out;
        })(),
      );
      const missing = ['FileNotFoundError', "[Errno 2] No such file or directory: '/nonexistent/tulip-dir'", '/nonexistent/tulip-dir', 'ENOENT'];
      expect(errors).to.deep.equal([
        missing,
        missing,
        // A good cwd: the program's own error.
        ['FileNotFoundError', "[Errno 2] No such file or directory: '/nonexistent/tulip-no-such-program'", '/nonexistent/tulip-no-such-program', 'ENOENT'],
        ['NotADirectoryError', `[Errno 20] Not a directory: '${file}'`, file, 'ENOTDIR'], // Node threw "spawn ENOTDIR" at once
      ]);
    } finally {
      fs.unlinkSync(file);
    }
  });

  it('communicate() cancelled: its helper tasks are cancelled too, and the child can still be killed', async () => {
    const code = await arun(
      (function* (): Coroutine<number> {
        const p = yield* node(FOREVER, { stdin: PIPE, stdout: PIPE, stderr: PIPE });
        const c = createTask(p.communicate());
        yield;
        yield;
        c.cancel();
        try {
          yield* c;
        } catch {
          /* cancelled */
        }
        p.kill();
        return yield* p.wait();
      })(),
    );
    expect(code).to.equal(-9);
  });

  it('refuses on the synchronous driver with an error naming the async one', () => {
    expect(() => runSync(node('1'))).to.throw(RuntimeError, /async driver/);
  });

  it('checks its arguments at the call', () => {
    expect(() => createSubprocessExec('' as never)).to.throw(TypeError, 'program');
    expect(() => createSubprocessExec(NODE, 'x' as never)).to.throw(TypeError, 'array of strings');
    expect(() => createSubprocessExec(NODE, [1] as never)).to.throw(TypeError, 'array of strings');
    expect(() => createSubprocessExec(NODE, [], null as never)).to.throw(TypeError, 'options must be an object');
    expect(() => createSubprocessExec(NODE, [], { stdin: STDOUT })).to.throw(ValueError, 'STDOUT can only be used for stderr');
    expect(() => createSubprocessExec(NODE, [], { stdout: -7 })).to.throw(TypeError, 'stdout must be PIPE, DEVNULL');
    expect(() => createSubprocessExec(NODE, [], { cwd: 5 as never })).to.throw(TypeError, 'cwd');
    expect(() => createSubprocessExec(NODE, [], { env: 'x' as never })).to.throw(TypeError, 'env');
    expect(() => createSubprocessExec(NODE, [], { limit: 0 })).to.throw(ValueError, 'limit');
    expect(() => createSubprocessShell(42 as never)).to.throw(TypeError, 'command line');
    expect(() => createSubprocessShell('true', { stderr: 'x' as never })).to.throw(TypeError, 'stderr');
    expect(() => createSubprocessExec(NODE).next()).to.throw(RuntimeError, 'no running event loop');
  });

  it('checks communicate() input and sendSignal() signals', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const p = yield* node('');
        expect(() => p.communicate(42 as never)).to.throw(TypeError, 'input');
        expect(() => p.sendSignal({} as never)).to.throw(TypeError, 'signal');
        yield* p.wait();
      })(),
    );
  });
});
