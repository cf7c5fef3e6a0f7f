/** The dialog where a file's owner (or a tenant admin) keeps it trustworthy: verify it until a
 * review date, expire it now (a review date in the past) or withdraw the verification, put it
 * in collections; admins also hand it to another owner. Each change is saved on its own and
 * the list shows the file as the service answered it. */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { announce } from "../../components/Announcer";
import { Dialog } from "../../components/Dialog";
import { FreshnessBadge } from "../../components/FreshnessBadge";
import { Notice } from "../../components/Notice";
import { asApiError } from "../../lib/errors";
import type { Collection } from "../../lib/types";
import {
  changeFile,
  verifyFile,
  withdrawVerification,
  type FileView,
  type TenantUser,
} from "./api";

/** Days a new verification holds unless the owner picks another review date. */
const DEFAULT_REVIEW_DAYS = 90;

/** The UTC day `days` from today as `YYYY-MM-DD` (what `reviewBy` takes). */
export function utcDay(days: number): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days))
    .toISOString()
    .slice(0, 10);
}

export function FileStewardship({
  file,
  collections,
  users,
  admin,
  onSaved,
  onClose,
}: {
  file: FileView;
  collections: Collection[];
  /** The tenant's users (admins only; empty for others). */
  users: TenantUser[];
  admin: boolean;
  onSaved: (file: FileView) => void;
  onClose: () => void;
}) {
  const [reviewBy, setReviewBy] = useState(file.reviewBy ?? utcDay(DEFAULT_REVIEW_DAYS));
  const [chosen, setChosen] = useState(new Set(file.collectionIds ?? []));
  const [owner, setOwner] = useState(file.owner ?? file.uploadedBy ?? "");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function save(change: () => Promise<FileView>, said: string) {
    setProblem(null);
    setBusy(true);
    try {
      onSaved(await change());
      announce(said);
    } catch (e) {
      setProblem(asApiError(e).sentence);
    } finally {
      setBusy(false);
    }
  }

  const verify = (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    void save(() => verifyFile(file.id, reviewBy), `${file.name} verified.`);
  };

  const saveCollections = (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    const collectionIds = collections.filter((c) => chosen.has(c.id)).map((c) => c.id);
    void save(() => changeFile(file.id, { collectionIds }), `Collections of ${file.name} saved.`);
  };

  const saveOwner = (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    void save(() => changeFile(file.id, { owner }), `Owner of ${file.name} changed.`);
  };

  return (
    <Dialog title={`Manage ${file.name}`} onClose={onClose}>
      <div class="stewardship">
        <p>
          Now:{" "}
          <FreshnessBadge verification={{ ...file, freshness: file.freshness ?? "unverified" }} />
        </p>
        {problem && <Notice onDismiss={() => setProblem(null)}>{problem}</Notice>}
        <section aria-labelledby="verify-title">
          <h3 id="verify-title">Verification</h3>
          <form class="inline-form" onSubmit={verify}>
            <div class="field">
              <label for="review-by">Review by</label>
              <input
                id="review-by"
                type="date"
                required
                value={reviewBy}
                onInput={(e) => setReviewBy(e.currentTarget.value)}
              />
            </div>
            <button type="submit" class="primary" disabled={busy}>
              Verify
            </button>
          </form>
          <div class="button-row">
            <button
              type="button"
              class="secondary small"
              disabled={busy}
              onClick={() =>
                // A review date in the past: the verification has ended, the file is stale.
                void save(() => verifyFile(file.id, utcDay(-1)), `${file.name} expired.`)
              }
            >
              Expire now
            </button>
            {file.freshness && file.freshness !== "unverified" && (
              <button
                type="button"
                class="secondary small"
                disabled={busy}
                onClick={() =>
                  void save(
                    () => withdrawVerification(file.id),
                    `Verification of ${file.name} withdrawn.`,
                  )
                }
              >
                Withdraw verification
              </button>
            )}
          </div>
        </section>
        <section aria-labelledby="collections-title">
          <h3 id="collections-title">Collections</h3>
          <form onSubmit={saveCollections}>
            {collections.length === 0 ? (
              <p class="hint">Your organisation has no collections yet.</p>
            ) : (
              <fieldset>
                <legend class="visually-hidden">Collections of {file.name}</legend>
                {collections.map((c) => (
                  <label key={c.id} class="check">
                    <input
                      type="checkbox"
                      checked={chosen.has(c.id)}
                      onChange={(e) => {
                        const next = new Set(chosen);
                        if (e.currentTarget.checked) next.add(c.id);
                        else next.delete(c.id);
                        setChosen(next);
                      }}
                    />
                    <span>{c.name}</span>
                  </label>
                ))}
              </fieldset>
            )}
            <button
              type="submit"
              class="secondary small"
              disabled={busy || collections.length === 0}
            >
              Save collections
            </button>
          </form>
        </section>
        {admin && users.length > 0 && (
          <section aria-labelledby="owner-title">
            <h3 id="owner-title">Ownership</h3>
            <form class="inline-form" onSubmit={saveOwner}>
              <div class="field">
                <label for="file-owner">Owner</label>
                <select
                  id="file-owner"
                  value={owner}
                  onChange={(e) => setOwner(e.currentTarget.value)}
                >
                  {!users.some((u) => u.userId === owner) && (
                    <option value={owner}>A former user</option>
                  )}
                  {users.map((u) => (
                    <option key={u.userId} value={u.userId}>
                      {u.email}
                    </option>
                  ))}
                </select>
              </div>
              <button type="submit" class="secondary" disabled={busy}>
                Change owner
              </button>
            </form>
          </section>
        )}
        <div class="dialog-actions">
          <button type="button" class="secondary" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </Dialog>
  );
}
