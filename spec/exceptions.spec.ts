// lib/exceptions.ts: the error classes in CPython's hierarchy, their names,
// OSError's fields, and ExceptionGroup's split/subgroup. (Node's errors →
// these classes: spec/os-errors.spec.ts.)
import { expect } from 'chai';
import {
  BaseException,
  BaseExceptionGroup,
  BlockingIOError,
  BrokenBarrierError,
  BrokenPipeError,
  CancelledError,
  ChildProcessError,
  ConnectionAbortedError,
  ConnectionError,
  ConnectionRefusedError,
  ConnectionResetError,
  EOFError,
  Exception,
  ExceptionGroup,
  FileExistsError,
  FileNotFoundError,
  IncompleteReadError,
  InterruptedError,
  InvalidStateError,
  IsADirectoryError,
  KeyboardInterrupt,
  GeneratorExit,
  LimitOverrunError,
  LookupError,
  NotADirectoryError,
  OSError,
  PermissionError,
  ProcessLookupError,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  RuntimeError,
  SSLCertVerificationError,
  SSLError,
  NotImplementedError,
  SendfileNotAvailableError,
  StopAsyncIteration,
  TaskGroup,
  TimeoutError,
  ValueError,
  asyncWith,
  createTask,
  gather,
  sleep,
  waitFor,
  type Coroutine,
} from '../lib';
import { inspect } from 'util';
import { catching, vrun } from './support';

type AnyClass = abstract new (...args: never[]) => Error;

/**
 * Each class with an instance, and its `__mro__` in CPython 3.13 less
 * `object` — copied from `print(C.__mro__)` for the asyncio class, the
 * builtin, or ssl's (e.g. ssl.SSLCertVerificationError's includes ValueError).
 */
const CHAINS: [AnyClass, () => Error, string[]][] = [
  [BaseException, () => new BaseException('m'), ['BaseException']],
  [Exception, () => new Exception('m'), ['Exception', 'BaseException']],
  [CancelledError, () => new CancelledError('m'), ['CancelledError', 'BaseException']],
  [KeyboardInterrupt, () => new KeyboardInterrupt(), ['KeyboardInterrupt', 'BaseException']],
  [GeneratorExit, () => new GeneratorExit(), ['GeneratorExit', 'BaseException']],
  [InvalidStateError, () => new InvalidStateError('m'), ['InvalidStateError', 'Exception', 'BaseException']],
  [RuntimeError, () => new RuntimeError('m'), ['RuntimeError', 'Exception', 'BaseException']],
  [BrokenBarrierError, () => new BrokenBarrierError('m'), ['BrokenBarrierError', 'RuntimeError', 'Exception', 'BaseException']],
  [SendfileNotAvailableError, () => new SendfileNotAvailableError('m'), ['SendfileNotAvailableError', 'RuntimeError', 'Exception', 'BaseException']],
  [NotImplementedError, () => new NotImplementedError('m'), ['NotImplementedError', 'RuntimeError', 'Exception', 'BaseException']],
  [ValueError, () => new ValueError('m'), ['ValueError', 'Exception', 'BaseException']],
  [LookupError, () => new LookupError('m'), ['LookupError', 'Exception', 'BaseException']],
  [StopAsyncIteration, () => new StopAsyncIteration(), ['StopAsyncIteration', 'Exception', 'BaseException']],
  [EOFError, () => new EOFError('m'), ['EOFError', 'Exception', 'BaseException']],
  [IncompleteReadError, () => new IncompleteReadError(new Uint8Array(1), 2), ['IncompleteReadError', 'EOFError', 'Exception', 'BaseException']],
  [LimitOverrunError, () => new LimitOverrunError('m', 1), ['LimitOverrunError', 'Exception', 'BaseException']],
  [QueueEmpty, () => new QueueEmpty(), ['QueueEmpty', 'Exception', 'BaseException']],
  [QueueFull, () => new QueueFull(), ['QueueFull', 'Exception', 'BaseException']],
  [QueueShutDown, () => new QueueShutDown(), ['QueueShutDown', 'Exception', 'BaseException']],
  [OSError, () => new OSError('m'), ['OSError', 'Exception', 'BaseException']],
  [ConnectionError, () => new ConnectionError('m'), ['ConnectionError', 'OSError', 'Exception', 'BaseException']],
  [ConnectionRefusedError, () => new ConnectionRefusedError('m'), ['ConnectionRefusedError', 'ConnectionError', 'OSError', 'Exception', 'BaseException']],
  [ConnectionResetError, () => new ConnectionResetError('m'), ['ConnectionResetError', 'ConnectionError', 'OSError', 'Exception', 'BaseException']],
  [ConnectionAbortedError, () => new ConnectionAbortedError('m'), ['ConnectionAbortedError', 'ConnectionError', 'OSError', 'Exception', 'BaseException']],
  [BrokenPipeError, () => new BrokenPipeError('m'), ['BrokenPipeError', 'ConnectionError', 'OSError', 'Exception', 'BaseException']],
  [FileNotFoundError, () => new FileNotFoundError('m'), ['FileNotFoundError', 'OSError', 'Exception', 'BaseException']],
  [FileExistsError, () => new FileExistsError('m'), ['FileExistsError', 'OSError', 'Exception', 'BaseException']],
  [IsADirectoryError, () => new IsADirectoryError('m'), ['IsADirectoryError', 'OSError', 'Exception', 'BaseException']],
  [NotADirectoryError, () => new NotADirectoryError('m'), ['NotADirectoryError', 'OSError', 'Exception', 'BaseException']],
  [PermissionError, () => new PermissionError('m'), ['PermissionError', 'OSError', 'Exception', 'BaseException']],
  [ProcessLookupError, () => new ProcessLookupError('m'), ['ProcessLookupError', 'OSError', 'Exception', 'BaseException']],
  [ChildProcessError, () => new ChildProcessError('m'), ['ChildProcessError', 'OSError', 'Exception', 'BaseException']],
  [InterruptedError, () => new InterruptedError('m'), ['InterruptedError', 'OSError', 'Exception', 'BaseException']],
  [BlockingIOError, () => new BlockingIOError('m'), ['BlockingIOError', 'OSError', 'Exception', 'BaseException']],
  [TimeoutError, () => new TimeoutError(), ['TimeoutError', 'OSError', 'Exception', 'BaseException']],
  [SSLError, () => new SSLError('m'), ['SSLError', 'OSError', 'Exception', 'BaseException']],
  [SSLCertVerificationError, () => new SSLCertVerificationError('m'), ['SSLCertVerificationError', 'SSLError', 'OSError', 'ValueError', 'Exception', 'BaseException']],
  [ExceptionGroup, () => new ExceptionGroup('m', [new ValueError()]), ['ExceptionGroup', 'BaseExceptionGroup', 'Exception', 'BaseException']],
  [BaseExceptionGroup, () => new BaseExceptionGroup('m', [new KeyboardInterrupt()]), ['BaseExceptionGroup', 'BaseException']],
];

describe('exceptions', () => {
  describe("the hierarchy: instanceof matches Python's except", () => {
    for (const [Cls, make, chain] of CHAINS) {
      it(`${Cls.name}: ${chain.join(' → ')}`, () => {
        const e = make();
        expect(e.name).to.equal(Cls.name);
        expect(e).to.be.instanceOf(Error); // every one is a JavaScript error, with a stack
        expect(e.stack).to.be.a('string');
        // Against every class of the table: instanceof holds exactly for the chain's.
        for (const [Other] of CHAINS) {
          expect(e instanceof Other, `${Cls.name} instanceof ${Other.name}`).to.equal(chain.includes(Other.name));
        }
      });
    }

    it('every exported error class of the index is in the table', () => {
      const lib = require('../lib') as Record<string, unknown>;
      const classes = Object.entries(lib)
        .filter(([, v]) => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error)
        .map(([k]) => k)
        .sort();
      expect(classes).to.deep.equal(CHAINS.map(([C]) => C.name).sort());
    });

    it("Exception takes in JavaScript's own errors, as Python's takes TypeError; BaseException takes every Error", () => {
      for (const e of [new Error('x'), new TypeError('x'), new RangeError('x'), new AggregateError([], 'x')]) {
        expect(e).to.be.instanceOf(Exception);
        expect(e).to.be.instanceOf(BaseException);
        expect(e).not.to.be.instanceOf(ValueError);
      }
      for (const v of ['a string', 42, null, undefined, { message: 'x' }]) {
        expect(v instanceof Exception, String(v)).to.equal(false);
        expect(v instanceof BaseException, String(v)).to.equal(false);
      }
    });

    it('a catch-all written as except Exception lets a cancellation through', () => {
      function* guarded(): Coroutine<string> {
        try {
          yield* sleep(10);
          return 'finished';
        } catch (e) {
          if (!(e instanceof Exception)) throw e; // Python's `except Exception:`
          return 'handled';
        }
      }
      const outcome = vrun(function* () {
        const t = createTask(guarded());
        yield* sleep(1);
        t.cancel();
        return yield* catching(t);
      });
      expect(outcome).to.be.instanceOf(CancelledError);
    });

    it("a user's subclass takes its own name and its base's place", () => {
      class MyError extends ValueError {}
      class Shutdown extends BaseException {}
      class Refused extends ConnectionRefusedError {}
      class MyGroup extends ExceptionGroup {}
      expect(new MyError('x').name).to.equal('MyError');
      expect(String(new MyError('x'))).to.equal('MyError: x');
      expect(new MyError('x')).to.be.instanceOf(ValueError).and.instanceOf(Exception);
      expect(new Shutdown().name).to.equal('Shutdown');
      expect(new Shutdown()).to.be.instanceOf(BaseException).and.not.instanceOf(Exception);
      expect(new Refused(111, 'x')).to.be.instanceOf(ConnectionError).and.have.property('name', 'Refused');
      expect(new MyGroup('m', [new ValueError()]).name).to.equal('MyGroup');
      const Anonymous = class extends RuntimeError {};
      expect(new Anonymous().name).to.equal('Anonymous');
    });

    it('String() reads like a Python traceback line; an empty message shows only the name', () => {
      expect(String(new QueueFull('full'))).to.equal('QueueFull: full');
      expect(String(new TimeoutError())).to.equal('TimeoutError');
      expect(new CancelledError().message).to.equal('');
    });

    it('keeps the cause option', () => {
      const cause = new Error('root');
      expect(new RuntimeError('wrapped', { cause }).cause).to.equal(cause);
      expect(new OSError('wrapped', { cause }).cause).to.equal(cause);
    });

    it("waitFor's TimeoutError is an OSError without an errno, as asyncio's", () => {
      const err = vrun(() => catching(waitFor(sleep(5), 1)));
      expect(err).to.be.instanceOf(TimeoutError).and.instanceOf(OSError);
      expect(err).to.include({ errno: null, code: null, strerror: null, message: '' });
    });
  });

  describe("the loop's CancelledError: made without a JavaScript stack", () => {
    it('a cancelled task and gather give a CancelledError with its message, its class and a one-line stack', () => {
      const [read, gathered] = vrun(function* () {
        const t = createTask(sleep(3600));
        yield* sleep(0);
        t.cancel('shutting down');
        const err = yield* catching(t);
        const u = createTask(sleep(3600));
        yield* sleep(0);
        u.cancel();
        const [g] = yield* gather([u], { returnExceptions: true });
        return [err, g];
      });
      for (const [e, message] of [[read, 'shutting down'], [gathered, '']] as const) {
        expect(e).to.be.instanceOf(CancelledError).and.instanceOf(BaseException).and.instanceOf(Error);
        expect(e).not.to.be.instanceOf(Exception);
        const err = e as CancelledError;
        expect(err.name).to.equal('CancelledError');
        expect(err.message).to.equal(message);
        // No frames: they would be the loop's own, and capturing them was most of a cancellation's cost.
        expect(err.stack).to.equal(message ? `CancelledError: ${message}` : 'CancelledError');
        expect(String(err)).to.equal(message ? `CancelledError: ${message}` : 'CancelledError');
        expect(inspect(err)).to.equal(message ? `[CancelledError: ${message}]` : '[CancelledError]');
      }
    });

    it('new CancelledError() in user code captures a stack as any error does', () => {
      expect(new CancelledError('x').stack).to.match(/^CancelledError: x\n\s+at /);
    });
  });

  describe('IncompleteReadError, LimitOverrunError', () => {
    it("IncompleteReadError carries partial and expected, with Python's message", () => {
      const e = new IncompleteReadError(new Uint8Array([1, 2]), 5);
      expect(e.partial).to.deep.equal(new Uint8Array([1, 2]));
      expect(e.expected).to.equal(5);
      expect(e.message).to.equal('2 bytes read on a total of 5 expected bytes');
      expect(new IncompleteReadError(new Uint8Array(0), null).message).to.equal('0 bytes read on a total of null expected bytes');
    });

    it('LimitOverrunError carries consumed', () => {
      const e = new LimitOverrunError('Separator is not found, and chunk exceed the limit', 7);
      expect(e.consumed).to.equal(7);
      expect(e.message).to.equal('Separator is not found, and chunk exceed the limit');
    });
  });

  describe('OSError', () => {
    it('with a message: every field is null unless given', () => {
      const e = new ConnectionResetError('Connection lost');
      expect(e).to.include({ message: 'Connection lost', errno: null, code: null, strerror: null, filename: null, filename2: null });
      const f = new OSError('m', { errno: 5, code: 'EIO', strerror: 'Input/output error', filename: 'a', filename2: 'b' });
      expect(f).to.include({ message: 'm', errno: 5, code: 'EIO', strerror: 'Input/output error', filename: 'a', filename2: 'b' });
    });

    it("Python's (errno, strerror) form makes Python's message", () => {
      const e = new FileNotFoundError(2, 'No such file or directory', { filename: 'prog', code: 'ENOENT' });
      expect(e.message).to.equal("[Errno 2] No such file or directory: 'prog'");
      expect(e).to.include({ errno: 2, strerror: 'No such file or directory', filename: 'prog', code: 'ENOENT' });
      expect(new ConnectionRefusedError(111, 'Connection refused').message).to.equal('[Errno 111] Connection refused');
      // Two files: "a -> b"; a second file alone is not shown (as Python's str()).
      expect(new FileExistsError(17, 'File exists', { filename: 'a', filename2: 'b' }).message).to.equal("[Errno 17] File exists: 'a' -> 'b'");
      expect(new OSError(5, 'x', { filename2: 'b' }).message).to.equal('[Errno 5] x');
      // repr() quoting: double quotes around a name with a single quote in it.
      expect(new FileNotFoundError(2, 'No such file or directory', { filename: "it's" }).message).to.equal('[Errno 2] No such file or directory: "it\'s"');
      expect(new FileNotFoundError(2, 'x', { filename: 'say "it\'s"' }).message).to.equal("[Errno 2] x: 'say \"it\\'s\"'");
    });

    it('SSLError carries library and reason; SSLCertVerificationError verifyCode and verifyMessage', () => {
      const s = new SSLError('[SSL: WRONG_VERSION_NUMBER] wrong version number', { errno: 1, library: 'SSL', reason: 'WRONG_VERSION_NUMBER' });
      expect(s).to.include({ errno: 1, library: 'SSL', reason: 'WRONG_VERSION_NUMBER' }).and.not.have.property('verifyCode');
      expect(new SSLError()).to.include({ library: null, reason: null, message: '' });
      const v = new SSLCertVerificationError('m', { verifyCode: 18, verifyMessage: 'self-signed certificate', reason: 'CERTIFICATE_VERIFY_FAILED' });
      expect(v).to.include({ verifyCode: 18, verifyMessage: 'self-signed certificate', reason: 'CERTIFICATE_VERIFY_FAILED' });
      expect(new SSLCertVerificationError()).to.include({ verifyCode: null, verifyMessage: null });
    });
  });

  describe('ExceptionGroup', () => {
    const a = new ValueError('a');
    const b = new TimeoutError('b');
    const c = new ValueError('c');

    it('is an AggregateError with exceptions = errors, and an Exception', () => {
      const g = new ExceptionGroup('many', [a, b]);
      expect(g).to.be.instanceOf(AggregateError).and.instanceOf(Exception).and.instanceOf(BaseExceptionGroup);
      expect(g.name).to.equal('ExceptionGroup');
      expect(g.message).to.equal('many');
      expect(g.exceptions).to.deep.equal([a, b]);
      expect(g.exceptions).to.equal(g.errors);
      expect(String(g)).to.equal('ExceptionGroup: many (2 sub-exceptions)');
      expect(String(new ExceptionGroup('one', [a]))).to.equal('ExceptionGroup: one (1 sub-exception)');
    });

    it('copies the array it was given', () => {
      const list: ValueError[] = [a];
      const g = new ExceptionGroup('m', list);
      list.push(c);
      expect(g.exceptions).to.have.length(1);
    });

    it("refuses a non-string message, a non-array (TypeError) and an empty list (ValueError), in Python's words", () => {
      expect(() => new ExceptionGroup(1 as unknown as string, [a])).to.throw(TypeError, 'ExceptionGroup: argument 1 (message) must be a string, not number');
      expect(() => new ExceptionGroup('m', null as unknown as unknown[])).to.throw(TypeError, 'ExceptionGroup: second argument (exceptions) must be an array, got null');
      expect(() => new ExceptionGroup('m', [])).to.throw(ValueError, 'ExceptionGroup: second argument (exceptions) must be a non-empty array');
    });

    it('cannot hold a BaseException: a BaseExceptionGroup can, and with only Exceptions it is an ExceptionGroup', () => {
      expect(() => new ExceptionGroup('m', [a, new CancelledError()])).to.throw(TypeError, 'Cannot nest BaseExceptions in an ExceptionGroup');
      expect(() => new ExceptionGroup('m', [new BaseExceptionGroup('inner', [new KeyboardInterrupt()])])).to.throw(TypeError, 'Cannot nest');
      const base = new BaseExceptionGroup('m', [a, new KeyboardInterrupt()]);
      expect(base.constructor).to.equal(BaseExceptionGroup);
      expect(base).not.to.be.instanceOf(Exception);
      const promoted = new BaseExceptionGroup('m', [a, 'a thrown string']);
      expect(promoted.constructor).to.equal(ExceptionGroup);
      expect(promoted.name).to.equal('ExceptionGroup');
      class MyBaseGroup extends BaseExceptionGroup {}
      expect(new MyBaseGroup('m', [a]).constructor).to.equal(MyBaseGroup); // only BaseExceptionGroup itself turns into an ExceptionGroup
    });

    it('split by class keeps the message and order; the parts are new groups', () => {
      const g = new ExceptionGroup('m', [a, b, c]);
      const [match, rest] = g.split(ValueError);
      expect(match).to.be.instanceOf(ExceptionGroup);
      expect(match!.message).to.equal('m');
      expect(match!.exceptions).to.deep.equal([a, c]);
      expect(rest!.exceptions).to.deep.equal([b]);
      const [all] = new ExceptionGroup('m', [a, c]).split(ValueError);
      expect(all!.exceptions).to.deep.equal([a, c]); // every member matches, but not the group: Python builds a new one
    });

    it('split by an array of classes (Python: a tuple)', () => {
      const t = new TypeError('t');
      const [match, rest] = new ExceptionGroup('m', [a, b, t]).split([TimeoutError, TypeError]);
      expect(match!.exceptions).to.deep.equal([b, t]);
      expect(rest!.exceptions).to.deep.equal([a]);
    });

    it('split by predicate: tried on the group, then on each member, nested groups included (as Python)', () => {
      const inner = new ExceptionGroup('inner', [c]);
      const g = new ExceptionGroup('outer', [a, b, inner]);
      const seen: string[] = [];
      g.split((e) => {
        seen.push(e instanceof Error ? `${e.name}:${e.message}` : String(e));
        return false;
      });
      expect(seen).to.deep.equal(['ExceptionGroup:outer', 'ValueError:a', 'TimeoutError:b', 'ExceptionGroup:inner', 'ValueError:c']);
      const [match, rest] = g.split((e) => e === b);
      expect(match!.exceptions).to.deep.equal([b]);
      expect(rest!.exceptions[0]).to.equal(a);
    });

    it('split gives null for an empty side', () => {
      const g = new ExceptionGroup('m', [a, c]);
      const [m, r] = g.split(ValueError);
      expect(r).to.equal(null);
      expect(m!.exceptions).to.deep.equal([a, c]);
      const [m2, r2] = g.split(TimeoutError);
      expect(m2).to.equal(null);
      expect(r2!.exceptions).to.deep.equal([a, c]);
    });

    it('a condition that matches the group itself returns the group whole', () => {
      const g = new ExceptionGroup('m', [a]);
      expect(g.split(ExceptionGroup)).to.deep.equal([g, null]);
      expect(g.split(Error)[0]).to.equal(g);
      expect(g.split(Exception)[0]).to.equal(g);
      expect(g.subgroup(() => true)).to.equal(g);
      // A BaseExceptionGroup is no Exception: split(Exception) sorts its members, as in Python.
      const k = new KeyboardInterrupt();
      const base = new BaseExceptionGroup('m', [a, k]);
      const [exc, others] = base.split(Exception);
      expect(exc!.constructor).to.equal(ExceptionGroup);
      expect(exc!.exceptions).to.deep.equal([a]);
      expect(others!.constructor).to.equal(BaseExceptionGroup);
      expect(others!.exceptions).to.deep.equal([k]);
    });

    it('nested groups are filtered and keep their nesting', () => {
      const inner = new ExceptionGroup('inner', [b, c]);
      const g = new ExceptionGroup('outer', [a, inner]);
      const [match, rest] = g.split(ValueError);
      expect(match!.exceptions[0]).to.equal(a);
      const nested = match!.exceptions[1] as ExceptionGroup;
      expect(nested).to.be.instanceOf(ExceptionGroup).and.not.equal(inner);
      expect(nested.message).to.equal('inner');
      expect(nested.exceptions).to.deep.equal([c]);
      expect(rest!.message).to.equal('outer');
      expect((rest!.exceptions[0] as ExceptionGroup).exceptions).to.deep.equal([b]);
    });

    it("the parts keep the group's stack and cause (Python keeps its traceback and cause)", () => {
      const cause = new Error('root');
      const g = new ExceptionGroup('m', [a, b]);
      Object.defineProperty(g, 'cause', { value: cause, configurable: true, writable: true });
      const [match, rest] = g.split(ValueError);
      expect(match!.stack).to.equal(g.stack);
      expect(match!.cause).to.equal(cause);
      expect(rest!.cause).to.equal(cause);
      expect('cause' in new ExceptionGroup('m', [a, b]).split(ValueError)[0]!).to.equal(false);
    });

    it('derive() makes the parts: a subclass that overrides it gets its own class back', () => {
      class Tagged<E> extends ExceptionGroup<E> {
        constructor(message: string, exceptions: readonly (E | ExceptionGroup<E>)[], readonly tag: string) {
          super(message, exceptions);
        }
        override derive<X>(exceptions: readonly (X | ExceptionGroup<X>)[]): Tagged<X> {
          return new Tagged<X>(this.message, exceptions, this.tag);
        }
      }
      class Plain extends ExceptionGroup {}
      const [match] = new Tagged('m', [a, b], 'x').split(ValueError);
      expect(match).to.be.instanceOf(Tagged).and.have.property('tag', 'x');
      expect(new Plain('m', [a, b]).split(ValueError)[0]!.constructor).to.equal(ExceptionGroup); // as Python's
      expect(new ExceptionGroup('m', [a]).derive([b])).to.be.instanceOf(ExceptionGroup).and.include({ message: 'm' });
    });

    it('subgroup is the matching half', () => {
      const g = new ExceptionGroup('m', [a, b]);
      expect(g.subgroup(TimeoutError)!.exceptions).to.deep.equal([b]);
      expect(g.subgroup(QueueEmpty)).to.equal(null);
      expect(g.subgroup([QueueEmpty, ValueError])!.exceptions).to.deep.equal([a]);
    });

    it('refuses a condition that is not a class, a non-empty array of classes or a function, saying what it got', () => {
      const g = new ExceptionGroup('m', [a]);
      const message = 'the condition must be an error class, a non-empty array of error classes, or a predicate function, got';
      expect(() => g.split('ValueError' as unknown as typeof ValueError)).to.throw(TypeError, `split(): ${message} 'ValueError'`);
      expect(() => g.subgroup([ValueError, 'x'] as unknown as (typeof ValueError)[])).to.throw(TypeError, `subgroup(): ${message} [<function ValueError>, 'x']`);
      expect(() => g.split([])).to.throw(TypeError, `split(): ${message} []`); // Python takes an empty tuple, which matches nothing: surely a mistake
    });

    it("TaskGroup's failures come out as an ExceptionGroup that split() takes apart", () => {
      function* failing(err: Error): Coroutine<void> {
        yield* sleep(1);
        throw err;
      }
      const err = vrun(() =>
        catching(
          asyncWith(new TaskGroup(), function* (tg) {
            tg.createTask(failing(new ValueError('v')));
            tg.createTask(failing(new ConnectionResetError('r')));
          }),
        ),
      );
      expect(err).to.be.instanceOf(ExceptionGroup).and.instanceOf(Exception);
      const [conn, rest] = (err as ExceptionGroup).split(ConnectionError);
      expect(conn!.exceptions.map((e) => (e as Error).message)).to.deep.equal(['r']);
      expect(rest!.exceptions.map((e) => (e as Error).message)).to.deep.equal(['v']);
    });
  });
});
