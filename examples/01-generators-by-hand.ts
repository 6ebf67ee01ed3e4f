/**
 * 01 — Generators by hand.
 *
 * Everything in tulip is built on one JavaScript feature: a `function*`
 * generator is a function that can pause. Here we drive generators with our
 * own hands — `next(value)`, `throw(err)`, `return()` — and watch values go
 * in and out. A tulip coroutine is exactly such a generator; the Task (see
 * 03) is just a very disciplined driver.
 *
 * Run: npx ts-node examples/01-generators-by-hand.ts
 */
import { flags, heading, intro } from './_shared';

intro(
  '01 — generators by hand',
  'A generator is a paused function. The driver (you, here; a Task, later)',
  'resumes it with next(value), throws into it with throw(err), and stops it with return().',
);

/** One line of a two-column transcript: who talks to whom. */
function driver(text: string): void {
  console.log(`  driver → generator   ${text}`);
}
function generator(text: string): void {
  console.log(`  generator → driver   ${text}`);
}
function inside(text: string): void {
  console.log(`      (inside)         ${text}`);
}
function show(r: IteratorResult<unknown, unknown>): string {
  return `{ value: ${JSON.stringify(r.value)}, done: ${r.done} }`;
}

// ---------------------------------------------------------------------------
heading('1. Calling a generator function runs nothing');

function* greeter(): Generator<string, string, string> {
  inside('greeter body starts');
  const name = yield 'What is your name?'; // pauses here; next(x) makes `name` = x
  inside(`greeter received ${JSON.stringify(name)}`);
  const colour = yield `Hello ${name}! Favourite colour?`;
  inside(`greeter received ${JSON.stringify(colour)}`);
  return `${name} likes ${colour}`; // the return value ends the generator
}

const g = greeter();
console.log('  greeter() returned a paused generator object; its body has not run yet.');
driver('next()            — the first next() starts the body; its argument would be ignored');
generator(show(g.next()));
driver("next('Ada')       — resumes the paused `yield`, which evaluates to 'Ada'");
generator(show(g.next('Ada')));
driver("next('green')");
generator(show(g.next('green')));
driver('next()            — a finished generator stays finished');
generator(show(g.next()));

// ---------------------------------------------------------------------------
heading('2. throw(err) raises an error at the paused yield');

function* careful(): Generator<string, string, unknown> {
  try {
    yield 'working';
    return 'finished normally';
  } catch (e) {
    inside(`caught ${(e as Error).message} at the paused yield`);
    yield 'recovered';
    return 'finished after an error';
  } finally {
    inside('finally runs, as it always does');
  }
}

const c = careful();
driver('next()');
generator(show(c.next()));
driver("throw(new Error('network down'))");
generator(show(c.throw(new Error('network down'))));
driver('next()');
generator(show(c.next()));

// ---------------------------------------------------------------------------
heading('3. return() stops a generator; its finally blocks still run');

const c2 = careful();
driver('next()');
generator(show(c2.next()));
driver("return('stopped')  — Python's coro.close() does the same");
generator(show(c2.return('stopped')));

// ---------------------------------------------------------------------------
heading('4. yield* delegates: values travel through the whole chain, both ways');
// After Brett Cannon's bottom/middle/top: the driver only ever talks to `top`,
// yet every value it sends lands in `bottom`, and `bottom`'s return value
// comes back up as the value of each `yield*`.

function* bottom(): Generator<string, number, number> {
  const n = yield 'bottom: give me a number';
  inside(`bottom got ${n}, returns ${n * 2}`);
  return n * 2;
}
function* middle(): Generator<string, number, number> {
  const doubled = yield* bottom(); // no code here runs while bottom is paused
  inside(`middle: yield* bottom() evaluated to ${doubled}`);
  return doubled + 1;
}
function* top(): Generator<string, string, number> {
  const result = yield* middle();
  inside(`top: yield* middle() evaluated to ${result}`);
  return `top returns ${result}`;
}

const t = top();
driver('next()');
generator(`${show(t.next())}   — yielded by bottom, two frames down`);
driver('next(20)          — sent to top, delivered to bottom');
generator(show(t.next(20)));

// ---------------------------------------------------------------------------
heading('5. A tulip coroutine is such a generator');
console.log(
  [
    '  In tulip a coroutine is the generator a `function*` returns. When it must wait,',
    '  it does `yield* future`: the Future yields *itself* up the chain to the driver,',
    '  a Task. The Task parks the coroutine until the future is done, then calls next()',
    '  and the `yield*` evaluates to the result. Example 02 plays that driver by hand.',
  ].join('\n'),
);

if (flags.trace || flags.timeline) console.log('\n(--trace/--timeline: this example runs no event loop, so there is nothing to trace)');
