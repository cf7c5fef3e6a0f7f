/** Retention on /admin (decision 0122): how long conversations are kept (null: for ever, the
 * default) and how long deleted files can be recovered (7, 30 or 90 days, the default and the
 * longest). Shortening either deletes data for everyone, so the admin confirms a sentence that
 * says what goes. */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { announce } from "../../components/Announcer";
import { ConfirmDialog } from "../../components/Dialog";
import { Notice } from "../../components/Notice";
import { asApiError } from "../../lib/errors";
import {
  CONVERSATION_DAYS,
  DELETED_FILE_DAYS,
  DELETED_FILES_DEFAULT_DAYS,
  loadRetention,
  saveRetention,
  type Retention,
} from "./enterpriseApi";
import "./enterprise.css";

const FOR_EVER = "forever";

function days(n: number | null): string {
  return n === null ? "for ever" : `for ${n} days`;
}

/** True when `next` keeps less than `now` (null is for ever, longer than any number). */
function shorter(next: number | null, now: number | null): boolean {
  return next !== null && (now === null || next < now);
}

/** The sentence the admin confirms: what the new, shorter periods delete. */
function consequences(next: Retention, now: Retention): string {
  const parts: string[] = [];
  if (next.conversationsDays !== null && shorter(next.conversationsDays, now.conversationsDays)) {
    parts.push(
      `Conversations older than ${next.conversationsDays} days will be deleted for everyone in your organisation.`,
    );
  }
  if (next.deletedFilesDays < now.deletedFilesDays) {
    parts.push(
      `Files deleted more than ${next.deletedFilesDays} days ago can no longer be recovered.`,
    );
  }
  return [...parts, "This cannot be undone."].join(" ");
}

/** A select of `options` days, with "For ever" (null) when `forEver`. */
function Choice<T extends number>({
  id,
  label,
  value,
  options,
  forEver,
  onChange,
}: {
  id: string;
  label: string;
  value: T | null;
  options: readonly T[];
  forEver: boolean;
  onChange: (value: T | null) => void;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select
        id={id}
        value={value === null ? FOR_EVER : String(value)}
        onChange={(e) => {
          const raw = e.currentTarget.value;
          onChange(raw === FOR_EVER ? null : (Number(raw) as T));
        }}
      >
        {options.map((n) => (
          <option key={n} value={String(n)}>
            {n} days
          </option>
        ))}
        {forEver && <option value={FOR_EVER}>For ever</option>}
      </select>
    </div>
  );
}

export function RetentionSettings() {
  const [saved, setSaved] = useState<Retention | null>(null);
  const [draft, setDraft] = useState<Retention | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState(false);

  useEffect(() => {
    loadRetention()
      .then((r) => {
        setSaved(r);
        setDraft(r);
      })
      .catch((e) => setProblem(asApiError(e).sentence));
  }, []);

  const save = async () => {
    setConfirming(false);
    if (!draft) return;
    try {
      const now = await saveRetention(draft);
      setSaved(now);
      setDraft(now);
      setDone(true);
      announce("Retention saved.");
    } catch (e) {
      setProblem(asApiError(e).sentence);
    }
  };

  const submit = (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!draft || !saved) return;
    setProblem(null);
    setDone(false);
    const cuts =
      shorter(draft.conversationsDays, saved.conversationsDays) ||
      draft.deletedFilesDays < saved.deletedFilesDays;
    if (cuts) setConfirming(true);
    else void save();
  };

  return (
    <section class="card admin-wide" aria-labelledby="retention-title">
      <h2 id="retention-title">Retention</h2>
      <p class="hint">
        How long your organisation's data is kept. Shorter periods delete older data for everyone;
        the deletions are recorded in the audit log.
      </p>
      {problem && <Notice onDismiss={() => setProblem(null)}>{problem}</Notice>}
      {done && saved && (
        <Notice kind="info" onDismiss={() => setDone(false)}>
          Saved: conversations are kept {days(saved.conversationsDays)}; deleted files can be
          recovered for {saved.deletedFilesDays} days.
        </Notice>
      )}
      {!draft && !problem && <p role="status">Loading…</p>}
      {draft && (
        <form onSubmit={submit} class="inline-form retention-form">
          <Choice
            id="retention-conversations"
            label="Keep conversations"
            value={draft.conversationsDays}
            options={CONVERSATION_DAYS}
            forEver
            onChange={(conversationsDays) => setDraft({ ...draft, conversationsDays })}
          />
          <Choice
            id="retention-files"
            label="Deleted files recoverable for"
            value={draft.deletedFilesDays}
            options={DELETED_FILE_DAYS}
            forEver={false}
            onChange={(days) =>
              setDraft({ ...draft, deletedFilesDays: days ?? DELETED_FILES_DEFAULT_DAYS })
            }
          />
          <button type="submit" class="primary">
            Save retention
          </button>
        </form>
      )}
      {confirming && draft && saved && (
        <ConfirmDialog
          title="Delete older data?"
          message={consequences(draft, saved)}
          confirmLabel="Shorten and delete"
          onConfirm={() => void save()}
          onCancel={() => setConfirming(false)}
        />
      )}
    </section>
  );
}
