/** Plays in the composer (decision 0115): typing `/` at the start of the message lists the
 * plays the reader sees, filtered by what follows; arrows move, Enter or a click picks, Escape
 * closes. The message box stays the focus (a textbox with a listbox popup:
 * `aria-activedescendant` names the highlighted play). Picking one asks for its variables in a
 * dialog, then fills the message box and applies the play's default scope; the reader sends
 * as usual (with the play's intent as the turn's route), and the use is counted once the
 * answer has started. */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { announce } from "../../components/Announcer";
import { ConfirmDialog, Dialog } from "../../components/Dialog";
import { EditDeleteButtons } from "../../components/EditDeleteButtons";
import { Notice } from "../../components/Notice";
import { PlayEditor, type PlayDraft } from "../../components/PlayEditor";
import { usePlayChanges } from "../../components/usePlayChanges";
import {
  countUse,
  createPlay,
  fillTemplate,
  loadPlays,
  plays,
  type Intent,
  type Play,
} from "../../lib/plays";
import { useStore } from "../../lib/store";
import type { Collection } from "../../lib/types";

const LIST_ID = "play-list";
const MAX_VALUE_CHARS = 500;

/** What a filled play gives the composer: the message and the play's default scope. */
export interface FilledPlay {
  text: string;
  collectionIds: string[] | null;
}

/** The `/query` a draft asks the picker for, or null when it is not one. */
function queryOf(draft: string): string | null {
  if (!draft.startsWith("/") || draft.includes("\n")) return null;
  return draft.slice(1).trim().toLocaleLowerCase();
}

function VariablesDialog({
  play,
  onFill,
  onClose,
}: {
  play: Play;
  onFill: (values: Record<string, string>) => void;
  onClose: () => void;
}) {
  const [values, setValues] = useState<Record<string, string>>({});
  const submit = (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    onFill(Object.fromEntries(play.variables.map((v) => [v, (values[v] ?? "").trim()])));
  };
  return (
    <Dialog title={play.name} onClose={onClose}>
      <form class="play-variables" onSubmit={submit}>
        <p class="hint play-template">{play.template}</p>
        {play.variables.map((variable, i) => (
          <div class="field" key={variable}>
            <label for={`play-variable-${i}`}>{variable}</label>
            <input
              id={`play-variable-${i}`}
              value={values[variable] ?? ""}
              required
              maxLength={MAX_VALUE_CHARS}
              autofocus={i === 0}
              onInput={(e) => setValues({ ...values, [variable]: e.currentTarget.value })}
            />
          </div>
        ))}
        <div class="dialog-actions">
          <button type="button" class="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary">
            Use play
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** The picker for the composer's message box: spread `inputProps` on it, give `onKeyDown`
 * the first say over its keys (true: the picker used the key), render `popup` above the
 * composer, and call `sent()` when an answer to the message starts. */
export function usePlayPicker(draft: string, onFilled: (filled: FilledPlay) => void) {
  const all = useStore(plays);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const [picked, setPicked] = useState<Play | null>(null);
  // The play that filled the message box, until a question is sent; then the question it
  // went with: a repeat of that question (a dropped stream sent again under its
  // Idempotency-Key) carries the same intent, and its use is counted once.
  const filledBy = useRef<Play | null>(null);
  const asked = useRef<{ message: string; play: Play; counted: boolean } | null>(null);

  // Until the list arrives, Enter on "/call" waits for it rather than sending "/call" as a
  // question; a list that fails to load lets the text be sent as it is.
  const [listed, setListed] = useState(false);
  useEffect(() => {
    // Without the list the picker offers nothing; asking still works.
    loadPlays()
      .catch(() => undefined)
      .finally(() => setListed(true));
  }, []);

  const query = queryOf(draft);
  const open = query !== null && dismissed !== draft && !picked;
  const matches = open ? all.filter((p) => p.name.toLocaleLowerCase().includes(query ?? "")) : [];
  const current = Math.min(active, Math.max(matches.length - 1, 0));

  useEffect(() => setActive(0), [query]);
  // A message box emptied by hand drops the play it was filled from.
  useEffect(() => {
    if (!draft.trim()) filledBy.current = null;
  }, [draft]);
  // Escape closes the list for this text only: typing on, or typing `/` again, opens it.
  useEffect(() => {
    if (dismissed !== null && dismissed !== draft) setDismissed(null);
  }, [draft, dismissed]);

  const fill = (play: Play, values: Record<string, string>) => {
    setPicked(null);
    filledBy.current = play;
    onFilled({
      text: fillTemplate(play.template, values),
      collectionIds: play.scope?.collectionIds.length ? play.scope.collectionIds : null,
    });
    announce(`Play ${play.name} filled in. Review the message and send it.`);
  };

  const pick = (play: Play) => {
    if (play.variables.length === 0) fill(play, {});
    else setPicked(play);
  };

  const onKeyDown = (event: JSX.TargetedKeyboardEvent<HTMLTextAreaElement>): boolean => {
    if (open && !listed && matches.length === 0) {
      if (event.key === "Escape") setDismissed(draft);
      else if (event.key !== "Enter" || event.shiftKey) return false;
      event.preventDefault();
      return true;
    }
    if (!open || matches.length === 0) {
      if (open && event.key === "Escape") {
        setDismissed(draft);
        return true;
      }
      return false;
    }
    switch (event.key) {
      case "ArrowDown":
        setActive((current + 1) % matches.length);
        break;
      case "ArrowUp":
        setActive((current - 1 + matches.length) % matches.length);
        break;
      case "Enter":
      case "Tab": {
        const play = matches[current];
        if (event.shiftKey || !play) return false;
        pick(play);
        break;
      }
      case "Escape":
        setDismissed(draft);
        break;
      default:
        return false;
    }
    event.preventDefault();
    return true;
  };

  const inputProps = {
    "aria-autocomplete": "list" as const,
    // Only while the list is there: an id that names nothing is an accessibility error.
    "aria-controls": open ? LIST_ID : undefined,
    "aria-activedescendant": open && matches.length ? `play-option-${current}` : undefined,
  };

  const popup = (
    <>
      {open && (
        <div class="play-popup">
          {matches.length ? (
            <ul role="listbox" id={LIST_ID} aria-label="Plays" class="play-list">
              {matches.map((play, i) => (
                <li
                  key={play.id}
                  id={`play-option-${i}`}
                  role="option"
                  aria-selected={i === current}
                  class={`play-option${i === current ? " active" : ""}`}
                  // Keeps the focus in the message box.
                  onMouseDown={(e) => e.preventDefault()}
                  onClick={() => pick(play)}
                >
                  <span class="play-name">{play.name}</span>
                  {play.shared && <span class="play-badge">Team</span>}
                  <span class="hint play-template">{play.template}</span>
                </li>
              ))}
            </ul>
          ) : (
            <p class="hint" role="status" id={LIST_ID}>
              {!listed
                ? "Loading plays…"
                : all.length
                  ? "No play matches."
                  : "No plays yet. Add your own with My plays."}
            </p>
          )}
        </div>
      )}
      {picked && (
        <VariablesDialog
          play={picked}
          onFill={(values) => fill(picked, values)}
          onClose={() => setPicked(null)}
        />
      )}
    </>
  );

  /** What the turn asking `message` adds to its request: the intent of the play that
   * filled it in (which from now on goes with that question). */
  const turnFields = (message: string): { intent?: Intent } => {
    if (filledBy.current) {
      asked.current = { message, play: filledBy.current, counted: false };
      filledBy.current = null;
    }
    const intent = asked.current?.message === message ? asked.current.play.intent : null;
    return intent ? { intent } : {};
  };

  /** The answer to `message` started: count the play that filled it in, once. */
  const sent = (message: string) => {
    const question = asked.current;
    if (!question || question.message !== message || question.counted) return;
    question.counted = true;
    countUse(question.play.id);
  };

  return { inputProps, onKeyDown, popup, turnFields, sent };
}

/** Under the composer: how to use a play, and the reader's own plays. */
export function PlaysBar({ collections }: { collections: Collection[] }) {
  return (
    <div class="plays-bar">
      <span class="hint">Type / at the start of a message to use a play.</span>
      <MyPlays collections={collections} />
    </div>
  );
}

/** "My plays": the reader's own plays in a dialog, to write, change and delete. */
function MyPlays({ collections }: { collections: Collection[] }) {
  const own = useStore(plays).filter((p) => !p.shared);
  const [open, setOpen] = useState(false);
  const { editing, setEditing, removing, setRemoving, problem, setProblem, save, remove } =
    usePlayChanges();

  const create = async (draft: PlayDraft) => {
    const made = await createPlay({ ...draft, shared: false });
    announce(`Play ${made.name} saved.`);
  };

  return (
    <>
      <button
        type="button"
        class="secondary small"
        aria-haspopup="dialog"
        onClick={() => setOpen(true)}
      >
        My plays
      </button>
      {open && !editing && !removing && (
        <Dialog title="My plays" onClose={() => setOpen(false)}>
          <p class="hint">
            Your own prompt templates; only you see them. Type / in the message box to use one.
          </p>
          {problem && <Notice onDismiss={() => setProblem(null)}>{problem}</Notice>}
          {own.length > 0 && (
            <ul class="my-plays">
              {own.map((p) => (
                <li key={p.id} class="my-play">
                  <span class="play-name">{p.name}</span>
                  <span class="my-play-actions">
                    <EditDeleteButtons
                      name={p.name}
                      onEdit={() => setEditing(p)}
                      onDelete={() => setRemoving(p)}
                    />
                  </span>
                </li>
              ))}
            </ul>
          )}
          <h3>New play</h3>
          <PlayEditor
            prefix="my-new-play"
            initial={null}
            collections={collections}
            submitLabel="Save play"
            onSubmit={create}
            onCancel={() => setOpen(false)}
          />
        </Dialog>
      )}
      {editing && (
        <Dialog title={`Edit ${editing.name}`} onClose={() => setEditing(null)}>
          <PlayEditor
            prefix="my-edit-play"
            initial={editing}
            collections={collections}
            submitLabel="Save"
            onSubmit={save}
            onCancel={() => setEditing(null)}
          />
        </Dialog>
      )}
      {removing && (
        <ConfirmDialog
          title="Delete play?"
          message={`“${removing.name}” will be deleted.`}
          confirmLabel="Delete"
          onConfirm={() => void remove()}
          onCancel={() => setRemoving(null)}
        />
      )}
    </>
  );
}
