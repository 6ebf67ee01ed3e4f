/**
 * Options objects are checked strictly: a key the function does not take is
 * a TypeError naming it (Python: "got an unexpected keyword argument"), so
 * a misspelt option never silently does nothing — a misspelt `ssl` must
 * never give a plaintext connection.
 *
 * Every public function that takes options checks them with one line:
 * `const opts = checkOptions<XOptions>('x', options, ['a', 'b'])`.
 * Leaving the options out (undefined) is the same as `{}`; anything that is
 * not an object — null included, as for every argument of tulip that must
 * be an object — is a TypeError.
 */
import { repr } from './repr';

/**
 * @internal Checks that `options` is an object whose own keys are all in
 * `allowed`; returns it typed (`{}` when it is undefined).
 */
export function checkOptions<T extends object>(api: string, options: unknown, allowed: readonly (keyof T & string)[]): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${api}() options must be an object, got ${repr(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!(allowed as readonly string[]).includes(key)) {
      const takes = allowed.length === 0 ? 'no options' : allowed.map((k) => repr(k)).join(', ');
      throw new TypeError(`${api}() got an unexpected option ${repr(key)} (it takes ${takes})`);
    }
  }
  return options as T;
}

/**
 * @internal Whether `x` is a plain object (`{ … }`, or one without a
 * prototype): what a constructor that takes Python's first argument alone
 * or its keywords as an object reads as the options. Anything else — a
 * number, a Date, an array, a Lock — is the positional argument, checked as
 * such.
 */
export function isOptionsObject(x: unknown): x is object {
  if (x === null || typeof x !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}
