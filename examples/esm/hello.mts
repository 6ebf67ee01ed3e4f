// tulip from an ES module: the entry point with top-level `await`.
//
// In an ES module (a `.mts` file, or a `.ts` file in a package whose
// package.json says "type": "module") `await` works at the top level, so the
// program waits for `run()` right there, as Python's `asyncio.run(main())`
// does. In a CommonJS file — this repository's own setting, and ts-node's
// default — the same line does not compile (TS1378): use
// `run(main()).then(…)` there (see docs/mistakes.md).
//
// Run it from the project root:
//   npm run example -- esm
// which builds dist/ (`npm run build`) and then runs
//   TS_NODE_PROJECT=examples/esm/tsconfig.json node --loader ts-node/esm examples/esm/hello.mts
// `import … from 'tulip'` here is the package's own name: Node resolves it
// to dist/index.mjs through package.json's "exports", exactly as it does in
// a project that installed tulip.
import { run, sleep, gather, createTask, type Coroutine, type Task } from 'tulip';

function* greet(name: string, delay: number): Coroutine<string> {
  yield* sleep(delay);
  return `hello from ${name}`;
}

function* main(): Coroutine<string[]> {
  const first: Task<string> = createTask(greet('a task', 0.02));
  return yield* gather([first, greet('a coroutine', 0.01)]);
}

const greetings = await run(main()); // the program has finished and the loop is closed when this line is done
for (const g of greetings) console.log(g);
console.log('after await run(main()): the loop is closed');
