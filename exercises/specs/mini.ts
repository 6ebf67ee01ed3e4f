// The miniature the specs check, chosen in one place. `npm run exercise`
// sets TULIP_EXERCISES=learner: your files, exercises/*.ts. Otherwise (`npm
// test`, through spec/exercises.spec.ts) the reference solutions in
// exercises/solutions/ — so the specs and the solutions keep each other honest.
//
// The specs are typed against your files; the last line below makes the
// compiler check that the solutions have the same shape.
import type * as Futures from '../futures';
import type * as Loop from '../loop';
import type * as Tasks from '../tasks';
import type * as Combinators from '../combinators';
import type * as Locks from '../locks';

export type Mini = typeof Futures & typeof Loop & typeof Tasks & typeof Combinators & typeof Locks;

/** 'learner' (exercises/) or 'solutions' (exercises/solutions/). */
export const target = process.env.TULIP_EXERCISES === 'learner' ? 'learner' : 'solutions';

const dir = target === 'learner' ? '..' : '../solutions';
export const mini: Mini = Object.assign(
  {},
  require(`${dir}/futures`),
  require(`${dir}/loop`),
  require(`${dir}/tasks`),
  require(`${dir}/combinators`),
  require(`${dir}/locks`),
);

type Solutions = typeof import('../solutions/futures') &
  typeof import('../solutions/loop') &
  typeof import('../solutions/tasks') &
  typeof import('../solutions/combinators') &
  typeof import('../solutions/locks');
export const solutionsFitTheSkeletons = (s: Solutions): Mini => s;
