/** The form for a new or an existing play (decision 0115): name, template with `{variables}`,
 * a default scope of collections, an intent. The admin page's Plays section and the chat's
 * "My plays" both use it; whether the play is shared is theirs to say. */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { asApiError } from "../lib/errors";
import {
  INTENT_WORDS,
  MAX_NAME_CHARS,
  MAX_TEMPLATE_CHARS,
  type Intent,
  type Play,
} from "../lib/plays";
import type { Collection } from "../lib/types";
import { Notice } from "./Notice";

/** What the form edits of a play. */
export interface PlayDraft {
  name: string;
  template: string;
  scope: { collectionIds: string[] } | null;
  intent: Intent | null;
}

export function PlayEditor({
  prefix,
  initial,
  collections,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  /** Keeps the form's ids apart from another form's on the page. */
  prefix: string;
  initial: Play | null;
  collections: Collection[];
  submitLabel: string;
  /** Saves; a refusal's sentence is shown in the form. */
  onSubmit: (draft: PlayDraft) => Promise<void>;
  onCancel?: () => void;
}) {
  const [name, setName] = useState(initial?.name ?? "");
  const [template, setTemplate] = useState(initial?.template ?? "");
  const [collectionIds, setCollectionIds] = useState(
    new Set<string>(initial?.scope?.collectionIds ?? []),
  );
  const [intent, setIntent] = useState<Intent | "">(initial?.intent ?? "");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    setProblem(null);
    setBusy(true);
    const chosen = collections.filter((c) => collectionIds.has(c.id)).map((c) => c.id);
    try {
      await onSubmit({
        name: name.trim(),
        template,
        scope: chosen.length ? { collectionIds: chosen } : null,
        intent: intent || null,
      });
      if (!initial) {
        setName("");
        setTemplate("");
        setCollectionIds(new Set());
        setIntent("");
      }
    } catch (e) {
      setProblem(asApiError(e).sentence);
    } finally {
      setBusy(false);
    }
  };

  const toggle = (id: string, on: boolean) => {
    const next = new Set(collectionIds);
    if (on) next.add(id);
    else next.delete(id);
    setCollectionIds(next);
  };

  return (
    <form class="play-form" onSubmit={(e) => void submit(e)}>
      {problem && <Notice onDismiss={() => setProblem(null)}>{problem}</Notice>}
      <div class="field">
        <label for={`${prefix}-name`}>Name</label>
        <input
          id={`${prefix}-name`}
          value={name}
          required
          maxLength={MAX_NAME_CHARS}
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for={`${prefix}-template`}>Template</label>
        <textarea
          id={`${prefix}-template`}
          value={template}
          required
          rows={4}
          maxLength={MAX_TEMPLATE_CHARS}
          aria-describedby={`${prefix}-template-hint`}
          onInput={(e) => setTemplate(e.currentTarget.value)}
        />
        <p class="hint" id={`${prefix}-template-hint`}>
          Write a variable in braces, such as {"{account}"} or {"{next step}"}; whoever uses the
          play fills it in. Write {"{{"} or {"}}"} for a brace itself.
        </p>
      </div>
      {collections.length > 0 && (
        <fieldset>
          <legend>Answer from (optional)</legend>
          {collections.map((c) => (
            <label key={c.id} class="check">
              <input
                type="checkbox"
                checked={collectionIds.has(c.id)}
                onChange={(e) => toggle(c.id, e.currentTarget.checked)}
              />
              <span>{c.name}</span>
            </label>
          ))}
        </fieldset>
      )}
      <div class="field">
        <label for={`${prefix}-intent`}>Kind of answer (optional)</label>
        <select
          id={`${prefix}-intent`}
          value={intent}
          onChange={(e) => setIntent(e.currentTarget.value as Intent | "")}
        >
          <option value="">Not set</option>
          {(Object.keys(INTENT_WORDS) as Intent[]).map((value) => (
            <option key={value} value={value}>
              {INTENT_WORDS[value]}
            </option>
          ))}
        </select>
      </div>
      <div class="dialog-actions">
        {onCancel && (
          <button type="button" class="secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {submitLabel}
        </button>
      </div>
    </form>
  );
}
