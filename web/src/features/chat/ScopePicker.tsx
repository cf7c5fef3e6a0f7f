/** Beside the composer: what the conversation's answers draw on. Everything the reader may
 * see, or some collections and files ("these files" come from the Files page). Shown as a
 * line above the message box, changed in a dialog, cleared with one button; the change is
 * sent with the next question (POST /api/chat `scope`). */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { Dialog } from "../../components/Dialog";
import type { Collection } from "../../lib/types";

/** A scope as the page shows it: collection ids, and files with their names. */
export interface ChatScope {
  collectionIds: string[];
  files: { id: string; name: string }[];
}

export const NO_SCOPE: ChatScope = { collectionIds: [], files: [] };

export function isScoped(scope: ChatScope): boolean {
  return scope.collectionIds.length > 0 || scope.files.length > 0;
}

function ScopeDialog({
  scope,
  collections,
  onApply,
  onClose,
}: {
  scope: ChatScope;
  collections: Collection[];
  onApply: (scope: ChatScope) => void;
  onClose: () => void;
}) {
  const [collectionIds, setCollectionIds] = useState(new Set(scope.collectionIds));
  const [fileIds, setFileIds] = useState(new Set(scope.files.map((f) => f.id)));

  const toggle = (set: Set<string>, id: string, on: boolean) => {
    const next = new Set(set);
    if (on) next.add(id);
    else next.delete(id);
    return next;
  };

  const submit = (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    onApply({
      collectionIds: collections.filter((c) => collectionIds.has(c.id)).map((c) => c.id),
      files: scope.files.filter((f) => fileIds.has(f.id)),
    });
  };

  return (
    <Dialog title="Answer from" onClose={onClose}>
      <form onSubmit={submit} class="scope-form">
        <p class="hint">
          Choose what answers in this conversation may use. With nothing chosen, they use every
          document you can see.
        </p>
        <fieldset>
          <legend>Collections</legend>
          {collections.length === 0 && <p class="hint">Your organisation has no collections.</p>}
          {collections.map((c) => (
            <label key={c.id} class="check">
              <input
                type="checkbox"
                checked={collectionIds.has(c.id)}
                onChange={(e) =>
                  setCollectionIds(toggle(collectionIds, c.id, e.currentTarget.checked))
                }
              />
              <span>{c.name}</span>
            </label>
          ))}
        </fieldset>
        {scope.files.length > 0 && (
          <fieldset>
            <legend>Files</legend>
            {scope.files.map((f) => (
              <label key={f.id} class="check">
                <input
                  type="checkbox"
                  checked={fileIds.has(f.id)}
                  onChange={(e) => setFileIds(toggle(fileIds, f.id, e.currentTarget.checked))}
                />
                <span>{f.name}</span>
              </label>
            ))}
          </fieldset>
        )}
        <p class="hint">To ask about particular files, choose them on the Files page.</p>
        <div class="dialog-actions">
          <button type="button" class="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary">
            Apply
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function ScopePicker({
  scope,
  collections,
  pending,
  onChange,
}: {
  scope: ChatScope;
  collections: Collection[];
  /** The scope changed since the conversation's last question (it applies to the next). */
  pending: boolean;
  onChange: (scope: ChatScope) => void;
}) {
  const [open, setOpen] = useState(false);
  const names = new Map(collections.map((c) => [c.id, c.name]));
  const parts = [
    ...scope.collectionIds.map((id) => names.get(id) ?? "A collection no longer available"),
    ...scope.files.map((f) => f.name),
  ];
  return (
    <div class="scope-bar" data-testid="scope">
      <span class="scope-label">Answers from:</span>{" "}
      {parts.length === 0 ? (
        <span class="scope-all">all documents you can see</span>
      ) : (
        <ul class="scope-items" aria-label="Scope">
          {parts.map((part, i) => (
            <li key={i} class="scope-item">
              {part}
            </li>
          ))}
        </ul>
      )}
      {pending && <span class="hint scope-pending">(from your next question)</span>}
      <span class="scope-actions">
        <button
          type="button"
          class="secondary small"
          aria-haspopup="dialog"
          onClick={() => setOpen(true)}
        >
          Choose sources
        </button>
        {parts.length > 0 && (
          <button type="button" class="secondary small" onClick={() => onChange(NO_SCOPE)}>
            Clear scope
          </button>
        )}
      </span>
      {open && (
        <ScopeDialog
          scope={scope}
          collections={collections}
          onApply={(next) => {
            setOpen(false);
            onChange(next);
          }}
          onClose={() => setOpen(false)}
        />
      )}
    </div>
  );
}
