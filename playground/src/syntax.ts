/**
 * Where a syntax error is. A SyntaxError from `new Function` carries no line,
 * but a worker whose script does not parse reports one: so the program,
 * wrapped in a function expression that is never called, becomes the script
 * of a throwaway worker, and its `error` event says where the parse failed.
 * The worker runs in a thread of its own and is terminated at once (or after
 * two seconds, should the text escape the wrapper and loop forever).
 */
export interface SyntaxLocation {
  line: number;
  column: number;
  message: string;
}

export function locateSyntaxError(source: string): Promise<SyntaxLocation | null> {
  // Line 1 of the script is the wrapper's head: the program starts on line 2.
  const script = `(function (asyncio, console) { "use strict";\n${source}\n});\npostMessage("parsed");\n`;
  const url = URL.createObjectURL(new Blob([script], { type: 'text/javascript' }));
  const worker = new Worker(url);
  const lines = source.split('\n').length;
  return new Promise((resolve) => {
    const done = (where: SyntaxLocation | null) => {
      clearTimeout(timer);
      worker.terminate();
      URL.revokeObjectURL(url);
      resolve(where);
    };
    const timer = setTimeout(() => done(null), 2000);
    worker.onmessage = () => done(null);
    worker.onerror = (event) => {
      event.preventDefault();
      // An error past the program's last line (a missing brace) is shown on its last line.
      const line = Math.min(Math.max(1, event.lineno - 1), lines);
      done({ line, column: event.lineno - 1 > lines ? 1 : event.colno, message: event.message.replace(/^Uncaught /, '') });
    };
  });
}
