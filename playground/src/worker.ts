/**
 * The playground's Web Worker: it owns the loop. The page posts one Command
 * at a time; the worker runs it and posts back a View. Running the learner's
 * code here, not in the page, is what keeps the tab alive when a coroutine
 * never yields: the page stops waiting after a while and terminates this
 * worker (see main.ts), which no code inside the worker could prevent.
 */
import * as asyncio from '../../lib/browser';
import { Session } from './session';
import type { Command, Reply } from './protocol';

interface WorkerScope {
  onmessage: ((event: MessageEvent<Command>) => void) | null;
  postMessage(reply: Reply): void;
}

const scope = self as unknown as WorkerScope;
let session: Session | null = null;

scope.onmessage = (event) => {
  const cmd = event.data;
  // Console lines go out as they are printed: the page shows them even if the step never ends.
  if (cmd.type === 'load') session = new Session(cmd.source, (line) => scope.postMessage({ type: 'print', line }));
  else session?.command(cmd);
  if (session !== null) scope.postMessage({ type: 'view', view: session.view() });
};
// The page starts its watchdog only once the worker is up: loading this script is not the program's time.
// The names the library exports tell the page which preloaded programs this build can run (programs.ts).
scope.postMessage({ type: 'ready', exports: Object.keys(asyncio) });
