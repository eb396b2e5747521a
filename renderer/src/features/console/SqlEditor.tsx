import { closeCompletion } from '@codemirror/autocomplete';
import { PostgreSQL, SQLite, sql } from '@codemirror/lang-sql';
import type { Extension } from '@codemirror/state';
import { Annotation, Compartment, EditorState, Prec, StateEffect, StateField } from '@codemirror/state';
import type { DecorationSet } from '@codemirror/view';
import { Decoration, EditorView, keymap } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import type { Ref } from 'react';
import { useEffect, useImperativeHandle, useRef } from 'react';
import type { CompletionSchema } from './completion-schema';

export type SqlDialect = 'postgresql' | 'sqlite';

export interface SqlEditorHandle {
  /** The selected range, or null when nothing is selected. */
  selection(): { from: number; to: number } | null;
  focus(): void;
  /** Close the completion list (a run or explain was started). */
  closeCompletion(): void;
}

export interface SqlEditorProps {
  value: string;
  onChange(value: string): void;
  /** Names to complete (schemas, tables, columns); null while the catalog is not loaded. */
  completion: CompletionSchema | null;
  /** The SQL being written: PostgreSQL's on a live database, SQLite's over a snapshot. */
  dialect?: SqlDialect;
  /** Ctrl/Cmd+Enter. */
  onRun(): void;
  /** Ctrl/Cmd+Shift+Enter. */
  onExplain(): void;
  /** Select and underline this range (an error position). A new object shows it again. */
  mark: { from: number; to: number } | null;
  handleRef?: Ref<SqlEditorHandle>;
  label: string;
}

/** Marks a transaction that syncs the document from props, so it is not echoed back as a change. */
const fromProps = Annotation.define<boolean>();
const setErrorMark = StateEffect.define<{ from: number; to: number } | null>();
const errorMarkDecoration = Decoration.mark({ class: 'cm-sql-error' });

/** The error underline: set by an effect, gone as soon as the text changes. */
const errorMarkField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    for (const effect of tr.effects) {
      if (effect.is(setErrorMark)) {
        const range = effect.value;
        return range && range.to > range.from
          ? Decoration.set([errorMarkDecoration.range(range.from, range.to)])
          : Decoration.none;
      }
    }
    return tr.docChanged ? Decoration.none : marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});

// Styles live in the editor's shadow root: style-mod puts them in a constructed
// (adopted) stylesheet there, which the page's CSP (style-src 'self') allows,
// where a <style> element in the document would be refused.
const theme = EditorView.theme({
  '&': { height: '100%', fontSize: '13px', backgroundColor: '#ffffff', color: '#1c2230' },
  '&.cm-focused': { outline: 'none' },
  '.cm-scroller': { fontFamily: 'var(--font-mono, monospace)', lineHeight: '1.55' },
  '.cm-gutters': { backgroundColor: '#f7f8fa', borderRight: '1px solid #dfe3ea', color: '#8a93a5' },
  '.cm-activeLineGutter': { backgroundColor: '#e8f0fe' },
  '.cm-activeLine': { backgroundColor: '#f5f8ff' },
  '.cm-sql-error': {
    textDecoration: 'underline wavy #cf3a3a',
    textDecorationSkipInk: 'none',
    backgroundColor: 'rgb(207 58 58 / 14%)',
  },
  '.cm-tooltip.cm-tooltip-autocomplete > ul': { fontFamily: 'var(--font-mono, monospace)', fontSize: '12.5px' },
  '.cm-completionDetail': { color: '#8a93a5', fontStyle: 'normal', marginLeft: '1em' },
});

/**
 * Typing over a selection is applied by CodeMirror, not by the browser.
 * Chromium's own editing keeps the colour of the deleted token by wrapping the
 * new text in <span style="color: …">, an inline style the CSP refuses (and
 * reports on the console). Plain typing at a caret and IME composition keep
 * the browser's path.
 */
const replaceSelectionOnInput = EditorView.domEventHandlers({
  beforeinput(event, view) {
    if (event.inputType !== 'insertText' || event.data === null || view.composing) return false;
    if (view.state.selection.ranges.every((range) => range.empty)) return false;
    event.preventDefault();
    const text = event.data;
    const { from, to } = view.state.selection.main;
    const insert = () =>
      view.state.update(view.state.replaceSelection(text), { userEvent: 'input.type', scrollIntoView: true });
    // Input handlers first, so closeBrackets still wraps a selection typed over with "(".
    const handled = view.state.facet(EditorView.inputHandler).some((handler) => handler(view, from, to, text, insert));
    if (!handled) view.dispatch(insert());
    return true;
  },
});

function languageFor(completion: CompletionSchema | null, dialect: SqlDialect): Extension {
  return sql({
    dialect: dialect === 'sqlite' ? SQLite : PostgreSQL,
    upperCaseKeywords: true,
    ...(completion ? { schema: completion.namespace, defaultSchema: completion.defaultSchema } : {}),
  });
}

/**
 * CodeMirror 6 for SQL: PostgreSQL highlighting and completion of schema,
 * table and column names. The EditorView is created once per mount and the
 * document is synced from props.
 */
export function SqlEditor({
  value,
  onChange,
  completion,
  dialect = 'postgresql',
  onRun,
  onExplain,
  mark,
  handleRef,
  label,
}: SqlEditorProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const language = useRef(new Compartment());
  const callbacks = useRef({ onChange, onRun, onExplain });
  const initial = useRef({ value, completion, dialect, label });

  useEffect(() => {
    callbacks.current = { onChange, onRun, onExplain };
  }, [onChange, onRun, onExplain]);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const shadow = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
    const { value: doc, completion: names, dialect: initialDialect, label: ariaLabel } = initial.current;
    const run = (target: EditorView) => {
      closeCompletion(target);
      callbacks.current.onRun();
      return true;
    };
    const explain = (target: EditorView) => {
      closeCompletion(target);
      callbacks.current.onExplain();
      return true;
    };
    const view = new EditorView({
      root: shadow,
      parent: shadow,
      state: EditorState.create({
        doc,
        extensions: [
          Prec.highest(
            keymap.of([
              { key: 'Mod-Enter', run },
              { key: 'Shift-Mod-Enter', run: explain },
            ]),
          ),
          basicSetup,
          language.current.of(languageFor(names, initialDialect)),
          errorMarkField,
          replaceSelectionOnInput,
          theme,
          EditorView.contentAttributes.of({ 'aria-label': ariaLabel }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged && !update.transactions.some((tr) => tr.annotation(fromProps))) {
              callbacks.current.onChange(update.state.doc.toString());
            }
          }),
        ],
      }),
    });
    viewRef.current = view;
    return () => {
      view.destroy();
      viewRef.current = null;
    };
  }, []);

  useEffect(() => {
    const view = viewRef.current;
    if (!view || view.state.doc.toString() === value) return;
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value }, annotations: fromProps.of(true) });
  }, [value]);

  useEffect(() => {
    viewRef.current?.dispatch({ effects: language.current.reconfigure(languageFor(completion, dialect)) });
  }, [completion, dialect]);

  useEffect(() => {
    const view = viewRef.current;
    if (!view) return;
    const length = view.state.doc.length;
    if (!mark || mark.to > length) {
      view.dispatch({ effects: setErrorMark.of(null) });
      return;
    }
    view.dispatch({
      selection: { anchor: mark.from, head: mark.to },
      effects: [setErrorMark.of(mark), EditorView.scrollIntoView(mark.from, { y: 'center' })],
    });
    view.focus();
  }, [mark]);

  useImperativeHandle(
    handleRef,
    () => ({
      selection() {
        const main = viewRef.current?.state.selection.main;
        return main && !main.empty ? { from: main.from, to: main.to } : null;
      },
      focus() {
        viewRef.current?.focus();
      },
      closeCompletion() {
        if (viewRef.current) closeCompletion(viewRef.current);
      },
    }),
    [],
  );

  return <div ref={hostRef} className="console-editor" data-testid="console-editor" />;
}
