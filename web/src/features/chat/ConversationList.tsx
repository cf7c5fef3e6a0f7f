/** The caller's conversations (most recently active first, 20 a page), each with its last
 * activity's date and its full title on hover; a search of titles and messages by the service
 * (ConversationSearch), new chat, rename (its errors inside its dialog) and delete (with
 * confirm). */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ConfirmDialog, Dialog } from "../../components/Dialog";
import { Icon } from "../../components/Icons";
import { Notice } from "../../components/Notice";
import { asApiError } from "../../lib/errors";
import { ConversationSearchResults } from "./ConversationSearch";
import { navigate, onLinkClick } from "../../lib/router";
import { Store, useStore } from "../../lib/store";
import {
  deleteConversation,
  listConversations,
  renameConversation,
  type Conversation,
} from "./api";

const PAGE = 20;

const TIME = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const DAY = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const DAY_AND_YEAR = new Intl.DateTimeFormat(undefined, {
  day: "numeric",
  month: "short",
  year: "numeric",
});
const FULL = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });

/** The service's timestamps have microseconds; Date parses milliseconds everywhere. */
function dateOf(iso: string): Date {
  return new Date(iso.replace(/(\.\d{3})\d+/, "$1"));
}

/** "14:05" today, "5 Dec" this year, "5 Dec 2025" before. */
export function shortDate(iso: string, now: Date = new Date()): string {
  const when = dateOf(iso);
  if (Number.isNaN(when.getTime())) return "";
  if (when.toDateString() === now.toDateString()) return TIME.format(when);
  return (when.getFullYear() === now.getFullYear() ? DAY : DAY_AND_YEAR).format(when);
}

interface ListState {
  items: Conversation[];
  nextCursor: string | null;
  loaded: boolean;
}

/** Shared so the chat view can put a new or renamed conversation at the top at once. */
export const conversations = new Store<ListState>({ items: [], nextCursor: null, loaded: false });

/** Moves a conversation to the top (newest activity); a known one keeps its title. */
export function touchConversation(conversation: Conversation): void {
  const state = conversations.get();
  const known = state.items.find((c) => c.id === conversation.id);
  const rest = state.items.filter((c) => c.id !== conversation.id);
  const top = known ? { ...known, updatedAt: conversation.updatedAt } : conversation;
  conversations.set({ ...state, items: [top, ...rest] });
}

async function loadPage(cursor: string | null): Promise<void> {
  const page = await listConversations(cursor ? { limit: PAGE, cursor } : { limit: PAGE });
  const state = conversations.get();
  const known = cursor ? state.items : [];
  const ids = new Set(known.map((c) => c.id));
  conversations.set({
    items: [...known, ...page.conversations.filter((c) => !ids.has(c.id))],
    nextCursor: page.nextCursor,
    loaded: true,
  });
}

function fullDate(iso: string): string {
  const when = dateOf(iso);
  return Number.isNaN(when.getTime()) ? "" : `Last active ${FULL.format(when)}`;
}

export function ConversationList({
  activeId,
  onPicked,
}: {
  activeId: string | null;
  onPicked: () => void;
}) {
  const state = useStore(conversations);
  const [query, setQuery] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<Conversation | null>(null);
  const [title, setTitle] = useState("");
  const [renameProblem, setRenameProblem] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Conversation | null>(null);

  // A new action starts without the last one's error (which belonged to that action).
  const run = (action: () => Promise<unknown>) => {
    setProblem(null);
    return action().catch((e) => setProblem(asApiError(e).sentence));
  };

  useEffect(() => {
    void run(() => loadPage(null));
  }, []);

  const needle = query.trim();
  const shown = needle ? [] : state.items;

  const rename = (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    const target = renaming;
    if (!target) return;
    setRenameProblem(null);
    // Its error is shown in the dialog, where the title can be corrected.
    renameConversation(target.id, title.trim())
      .then((updated) => {
        const s = conversations.get();
        // The listed conversation's scope is typed narrower than the answer's (string ids).
        conversations.set({
          ...s,
          items: s.items.map((c) => (c.id === updated.id ? { ...updated, scope: c.scope } : c)),
        });
        setRenaming(null);
      })
      .catch((e) => setRenameProblem(asApiError(e).sentence));
  };

  const remove = () => {
    const target = deleting;
    setDeleting(null);
    if (!target) return;
    void run(() =>
      deleteConversation(target.id).then(() => {
        const s = conversations.get();
        conversations.set({ ...s, items: s.items.filter((c) => c.id !== target.id) });
        if (target.id === activeId) navigate("/chat");
      }),
    );
  };

  return (
    <nav class="conversations" aria-label="Conversations">
      <a
        class="button primary new-chat"
        href="/chat"
        onClick={(e) => {
          onLinkClick(e);
          onPicked();
        }}
      >
        New chat
      </a>
      <div class="field compact">
        <label for="conversation-search" class="visually-hidden">
          Search conversations
        </label>
        <input
          id="conversation-search"
          type="search"
          placeholder="Search conversations"
          maxLength={200}
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
      </div>
      {problem && <Notice onDismiss={() => setProblem(null)}>{problem}</Notice>}
      {needle && (
        <ConversationSearchResults query={needle} activeId={activeId} onPicked={onPicked} />
      )}
      <ul class="conversation-items">
        {shown.map((c) => (
          <li key={c.id} class={c.id === activeId ? "active" : undefined}>
            <a
              href={`/chat/${encodeURIComponent(c.id)}`}
              onClick={(e) => {
                onLinkClick(e);
                onPicked();
              }}
              aria-current={c.id === activeId ? "page" : undefined}
              class="conversation-link"
              title={c.title || "Untitled"}
              dir="auto"
            >
              <span class="conversation-title">{c.title || "Untitled"}</span>{" "}
              <time class="conversation-date" dateTime={c.updatedAt} title={fullDate(c.updatedAt)}>
                {shortDate(c.updatedAt)}
              </time>
            </a>
            <span class="row-actions">
              <button
                type="button"
                class="icon-button"
                aria-label={`Rename ${c.title || "conversation"}`}
                onClick={() => {
                  setProblem(null);
                  setRenameProblem(null);
                  setTitle(c.title);
                  setRenaming(c);
                }}
              >
                <Icon name="pencil" />
              </button>
              <button
                type="button"
                class="icon-button"
                aria-label={`Delete ${c.title || "conversation"}`}
                onClick={() => {
                  setProblem(null);
                  setDeleting(c);
                }}
              >
                <Icon name="trash" />
              </button>
            </span>
          </li>
        ))}
      </ul>
      {state.loaded && !needle && shown.length === 0 && <p class="hint">No conversations yet.</p>}
      {state.nextCursor && !needle && (
        <button
          type="button"
          class="secondary small"
          onClick={() => void run(() => loadPage(state.nextCursor))}
        >
          Load more
        </button>
      )}
      {renaming && (
        <Dialog title="Rename conversation" onClose={() => setRenaming(null)}>
          <form onSubmit={rename}>
            <div class="field">
              <label for="rename-title">Title</label>
              <input
                id="rename-title"
                value={title}
                maxLength={120}
                required
                autofocus
                aria-describedby={renameProblem ? "rename-problem" : undefined}
                onInput={(e) => setTitle(e.currentTarget.value)}
              />
            </div>
            {renameProblem && (
              <p id="rename-problem" class="dialog-problem" role="alert">
                {renameProblem}
              </p>
            )}
            <div class="dialog-actions">
              <button type="button" class="secondary" onClick={() => setRenaming(null)}>
                Cancel
              </button>
              <button type="submit" class="primary">
                Save
              </button>
            </div>
          </form>
        </Dialog>
      )}
      {deleting && (
        <ConfirmDialog
          title="Delete conversation?"
          message={`“${deleting.title || "Untitled"}” and all its messages will be deleted. This cannot be undone.`}
          confirmLabel="Delete"
          onConfirm={remove}
          onCancel={() => setDeleting(null)}
        />
      )}
    </nav>
  );
}
