/** Share a conversation (decision 0113): make a read-only link for the organisation, copy it,
 * stop sharing; and the caller's links, each revocable. A link is shown once, when made: the
 * service keeps only its hash. */
import { useEffect, useState } from "preact/hooks";
import { announce } from "../../components/Announcer";
import { Dialog } from "../../components/Dialog";
import { asApiError } from "../../lib/errors";
import {
  linkAddress,
  listShares,
  revokeShare,
  shareConversation,
  unshareConversation,
  type Share,
  type ShareLink,
} from "./sharing";

const WHEN = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function sharedOn(iso: string): string {
  const when = new Date(iso.replace(/(\.\d{3})\d+/, "$1"));
  return Number.isNaN(when.getTime()) ? "" : WHEN.format(when);
}

export function ShareDialog({
  conversationId,
  onClose,
}: {
  conversationId: string;
  onClose: () => void;
}) {
  const [link, setLink] = useState<ShareLink | null>(null);
  const [shares, setShares] = useState<Share[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const reload = async () => {
    try {
      setShares(await listShares());
    } catch (e) {
      setProblem(asApiError(e).sentence);
    }
  };

  useEffect(() => {
    void reload();
  }, []);

  async function act(action: () => Promise<unknown>, said: string) {
    setBusy(true);
    setProblem(null);
    try {
      await action();
      announce(said);
      await reload();
    } catch (e) {
      setProblem(asApiError(e).sentence);
    } finally {
      setBusy(false);
    }
  }

  const create = () =>
    act(async () => {
      setLink(await shareConversation(conversationId));
      setCopied(false);
    }, "Link created.");

  const copy = async () => {
    if (!link) return;
    try {
      await navigator.clipboard.writeText(linkAddress(link));
      setCopied(true);
      announce("Link copied.");
    } catch {
      announce("Copying is not allowed in this browser; select the link and copy it.");
    }
  };

  const ofThis = shares?.filter((s) => s.conversationId === conversationId) ?? [];

  return (
    <Dialog title="Share this conversation" onClose={onClose}>
      <p class="hint">
        Anyone signed in to your organisation with the link can read this conversation as it is now.
        Later messages are not shared, and sources a reader may not open are shown to them as
        unavailable.
      </p>
      {link ? (
        <div class="share-link">
          <label for="share-link-address">Link</label>
          <div class="share-link-row">
            <input
              id="share-link-address"
              readOnly
              value={linkAddress(link)}
              onFocus={(e) => e.currentTarget.select()}
            />
            <button type="button" class="primary small" onClick={() => void copy()}>
              {copied ? "Copied" : "Copy link"}
            </button>
          </div>
          <p class="hint">Copy it now: for your security it is not shown again.</p>
        </div>
      ) : (
        <button type="button" class="primary" disabled={busy} onClick={() => void create()}>
          Create link
        </button>
      )}
      {problem && (
        <p class="dialog-problem" role="alert">
          {problem}
        </p>
      )}
      <h3 class="share-list-title">Your shared links</h3>
      {shares === null ? (
        <p class="hint">Loading your links…</p>
      ) : shares.length === 0 ? (
        <p class="hint">You are not sharing any conversation.</p>
      ) : (
        <ul class="share-list">
          {shares.map((s) => (
            <li key={s.id}>
              <span class="share-title">
                {s.title}
                {s.conversationId === conversationId && " (this conversation)"}
                <span class="hint"> · shared {sharedOn(s.createdAt)}</span>
              </span>
              <button
                type="button"
                class="secondary small"
                disabled={busy}
                aria-label={`Revoke the link to ${s.title} shared ${sharedOn(s.createdAt)}`}
                onClick={() => void act(() => revokeShare(s.id), "Link revoked.")}
              >
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
      <div class="dialog-actions">
        {ofThis.length > 0 && (
          <button
            type="button"
            class="danger"
            disabled={busy}
            onClick={() =>
              void act(async () => {
                await unshareConversation(conversationId);
                setLink(null);
              }, "This conversation is no longer shared.")
            }
          >
            Stop sharing
          </button>
        )}
        <button type="button" class="secondary" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
