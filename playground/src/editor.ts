/**
 * The program editor: CodeMirror 6 (bundled into main.js, nothing fetched),
 * with JavaScript highlighting, bracket matching, and the line a program
 * failed on marked — a red line, a ● in the gutter with the message, and
 * its line number in red. The mark belongs to the text that failed: the
 * first edit takes it away.
 */
import { basicSetup, EditorView } from 'codemirror';
import { javascript } from '@codemirror/lang-javascript';
import { EditorState, RangeSet, StateEffect, StateField, type Extension } from '@codemirror/state';
import { Decoration, GutterMarker, gutter, gutterLineClass, keymap } from '@codemirror/view';

/** The line a program failed on: where it starts in the text, its number, and why. */
interface ErrorMark {
  pos: number;
  line: number;
  message: string;
}

const setErrorMark = StateEffect.define<ErrorMark | null>();

const errorMark = StateField.define<ErrorMark | null>({
  create: () => null,
  update(mark, tr) {
    if (tr.docChanged) mark = null;
    for (const e of tr.effects) if (e.is(setErrorMark)) mark = e.value;
    return mark;
  },
});

/** The ● beside the line, its title the error's message. */
class ErrorMarker extends GutterMarker {
  constructor(readonly message: string) {
    super();
  }
  override eq(other: GutterMarker): boolean {
    return other instanceof ErrorMarker && other.message === this.message;
  }
  override toDOM(): Node {
    const dot = document.createElement('span');
    dot.textContent = '●';
    // The gutter's spacer (no message) only sets its width: it is not a mark.
    if (this.message !== '') {
      dot.className = 'cm-error-marker';
      dot.title = this.message;
    }
    return dot;
  }
}

/** Colours the line's number (elementClass only: it must draw nothing itself). */
class ErrorLineClass extends GutterMarker {
  override elementClass = 'cm-error-gutter-line';
}
const errorLineClass = new ErrorLineClass();

function errorMarking(): Extension {
  return [
    errorMark,
    EditorView.decorations.from(errorMark, (mark) =>
      mark === null ? Decoration.none : Decoration.set([Decoration.line({ class: 'cm-error-line', attributes: { 'data-error-line': String(mark.line) } }).range(mark.pos)]),
    ),
    gutter({
      class: 'cm-error-gutter',
      markers: (view) => {
        const mark = view.state.field(errorMark);
        return mark === null ? RangeSet.empty : RangeSet.of([new ErrorMarker(mark.message).range(mark.pos)]);
      },
      initialSpacer: () => new ErrorMarker(''),
    }),
    gutterLineClass.compute([errorMark], (state) => {
      const mark = state.field(errorMark);
      return mark === null ? RangeSet.empty : RangeSet.of([errorLineClass.range(mark.pos)]);
    }),
  ];
}

const theme = EditorView.theme({
  '&': { height: '100%', fontSize: '12px' },
  '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', lineHeight: '17px' },
  '.cm-error-line': { backgroundColor: '#fff5f5', boxShadow: 'inset 3px 0 #c53030' },
  '.cm-error-gutter .cm-gutterElement': { padding: '0 2px 0 4px' },
  '.cm-error-marker': { color: '#c53030', cursor: 'help' },
  '.cm-gutterElement.cm-error-gutter-line': { color: '#fff', backgroundColor: '#c53030' },
});

/** Tab indents by two spaces, as the examples are written (Escape, then Tab, leaves the editor: CodeMirror's rule). */
const tabIndents = keymap.of([
  {
    key: 'Tab',
    run: (view) => {
      view.dispatch(view.state.replaceSelection('  '), { scrollIntoView: true, userEvent: 'input' });
      return true;
    },
  },
]);

/** The editor as the page uses it. */
export interface Editor {
  readonly view: EditorView;
  /** The program's text. */
  text(): string;
  /** Replaces the text (a program from the menu or a link): a fresh document, with its own undo history. */
  setText(text: string): void;
  /** Marks `line` (from 1) as the one the program failed on, with `message`; null: no mark. */
  markError(line: number | null, message?: string): void;
}

/** A CodeMirror editor in `parent`; `onEdit` hears every change the learner makes. */
export function createEditor(parent: HTMLElement, onEdit: () => void): Editor {
  const extensions: Extension[] = [
    errorMarking(),
    basicSetup,
    javascript(),
    tabIndents,
    theme,
    EditorView.contentAttributes.of({ 'aria-label': 'Program', spellcheck: 'false', autocapitalize: 'off' }),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) onEdit();
    }),
  ];
  const view = new EditorView({ parent, state: EditorState.create({ doc: '', extensions }) });
  return {
    view,
    text: () => view.state.doc.toString(),
    setText(text) {
      view.setState(EditorState.create({ doc: text, extensions }));
    },
    markError(line, message = '') {
      const current = view.state.field(errorMark);
      if (line === null) {
        if (current !== null) view.dispatch({ effects: setErrorMark.of(null) });
        return;
      }
      const n = Math.min(Math.max(1, line), view.state.doc.lines);
      if (current !== null && current.line === n && current.message === message) return;
      const pos = view.state.doc.line(n).from;
      view.dispatch({ effects: [setErrorMark.of({ pos, line: n, message }), EditorView.scrollIntoView(pos, { y: 'nearest' })] });
    },
  };
}
