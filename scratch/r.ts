import { run, sleep, type Coroutine } from '../lib';
function* main(label: string): Coroutine<string> {
  console.log(label, 'start');
  yield* sleep(0);
  console.log(label, 'after sleep(0)');
  yield* sleep(0.05);
  console.log(label, 'end');
  return 'r';
}
const p = run(main('real'));
console.log('after run(real)');
p.then(() => {
  const q = run(main('virtual'), { clock: 'virtual' });
  console.log('after run(virtual)');
  return q;
}).then((v) => console.log('resolved', v));
