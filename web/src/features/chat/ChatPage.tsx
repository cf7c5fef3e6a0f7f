/** /chat and /chat/<id>: the conversation list, the thread with streamed answers (following
 * the stream only while the reader is at the bottom), Stop / Continue (the same answer grows in
 * place), the citation panel, and the composer whose draft is kept per conversation until it
 * is sent. */
import type { JSX } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { announce } from "../../components/Announcer";
import { Notice } from "../../components/Notice";
import { loadDraft, saveDraft } from "../../lib/drafts";
import { asApiError, NETWORK_ERROR } from "../../lib/errors";
import { navigate } from "../../lib/router";
import { useStore } from "../../lib/store";
import { me } from "../../lib/identity";
import { listCollections } from "../../lib/collections";
import { chooseFiles, chosenFiles } from "../../lib/scope";
import type { Collection, Scope } from "../../lib/types";
import { citedFile, history, newIdempotencyKey, type Citation, type NumberedCitation } from "./api";
import { CitationPanel } from "./CitationPanel";
import { ConversationActions } from "./ConversationActions";
import { ConversationList, conversations, touchConversation } from "./ConversationList";
import { Message, type UiMessage } from "./Message";
import { PlaysBar, usePlayPicker } from "./PlayPicker";
import { isScoped, NO_SCOPE, ScopePicker, type ChatScope } from "./ScopePicker";
import { stopStream, streamTurn, type StreamHandlers } from "./stream";
import { useFollowAnswer } from "./useFollowAnswer";

const HISTORY_PAGE = 30;
/** Within this many pixels of the end counts as "at the bottom" (keeps following). */
const BOTTOM_SLACK = 48;
// How a saved answer can end cut off: stopped, its generator gone (`interrupted`), at a
// limit; `client_disconnected` only on answers saved before they outlived connections.
const CUT_REASONS = new Set([
  "length_limit",
  "max_tokens",
  "stopped",
  "interrupted",
  "client_disconnected",
]);
/** Touch screens have no Shift+Enter: there Enter makes a new line and Send sends. */
const TOUCH = window.matchMedia("(pointer: coarse)");

/** Whether this Enter belongs to an input method's composition (Japanese, Chinese, Korean...)
 * rather than to the message. Safari fires compositionend *before* the keydown of the Enter
 * that committed the text, so isComposing is already false there; its keyCode is still 229,
 * and the composition ended in the same task. */
export function composingEnter(event: KeyboardEvent, endedAt: number): boolean {
  return event.isComposing || event.keyCode === 229 || performance.now() - endedAt < 50;
}

/** `citations` with source `number` in place: a new one appended, a grown one replaced. */
function withSource(citations: Citation[], { number, ...citation }: NumberedCitation): Citation[] {
  const next = [...citations];
  if (number >= 1 && number <= next.length) next[number - 1] = citation;
  else next.push(citation);
  return next;
}

/** The service's rule for `uncited`, for a stream cut before its `done` could say it. */
/** How a streamed answer's text, sources and end change the message it fills (a new
 * question's answer and a continued one alike). */
function answerUpdates(
  patch: (change: (m: UiMessage) => UiMessage) => void,
): Pick<StreamHandlers, "onDelta" | "onCitation" | "onDone"> {
  return {
    onDelta(delta) {
      patch((m) => ({ ...m, content: m.content + delta }));
    },
    onCitation(citation) {
      patch((m) => ({ ...m, citations: withSource(m.citations, citation) }));
    },
    onDone(done) {
      patch((m) => ({
        ...m,
        streaming: false,
        status: CUT_REASONS.has(done.finishReason) ? "incomplete" : "complete",
        finishReason: done.finishReason,
        uncited: done.uncited ?? false,
        notice: done.notice ?? null,
      }));
    },
  };
}

/** A stored scope as the page shows it: its files by name (a file the reader can no longer
 * open keeps its place, named as such, so the scope can still be cleared or changed). */
async function shownScope(scope: Scope | null | undefined): Promise<ChatScope> {
  const fileIds = scope?.fileIds ?? [];
  const files = await Promise.all(
    fileIds.map((id) =>
      citedFile(id)
        .then((file) => ({ id, name: file.name }))
        .catch(() => ({ id, name: "A file no longer available" })),
    ),
  );
  return { collectionIds: scope?.collectionIds ?? [], files };
}

function uncitedNow(message: UiMessage, passages: number): boolean {
  return passages > 0 && message.content.trim() !== "" && message.citations.length === 0;
}

function canContinue(message: UiMessage | undefined): boolean {
  if (!message || message.role !== "assistant" || message.streaming) return false;
  return message.status === "incomplete" || CUT_REASONS.has(message.finishReason ?? "");
}

export function ChatPage({ conversationId }: { conversationId: string | null }) {
  const who = useStore(me);
  const userId = who?.userId ?? "anonymous";
  const [messages, setMessages] = useState<UiMessage[]>([]);
  const [olderCursor, setOlderCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [draft, setDraft] = useState(() => loadDraft(userId, conversationId));
  const [streaming, setStreaming] = useState(false);
  const [panel, setPanel] = useState<{ citation: Citation; number: number } | null>(null);
  const [showList, setShowList] = useState(false);
  const controller = useRef<AbortController | null>(null);
  const thread = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const input = useRef<HTMLTextAreaElement>(null);
  const listToggle = useRef<HTMLButtonElement>(null);
  const listClose = useRef<HTMLButtonElement>(null);
  // The conversation this page created by streaming: its history is already on screen.
  const createdHere = useRef<string | null>(null);
  // The question being asked and its Idempotency-Key: sent again (after a refusal or a
  // dropped connection), it keeps its key, so the service answers it once.
  const asking = useRef<{ message: string; conversationId: string | null; key: string } | null>(
    null,
  );
  const compositionEnded = useRef(-Infinity);
  const [collections, setCollections] = useState<Collection[]>([]);
  const [scope, setScope] = useState<ChatScope>(NO_SCOPE);
  // The scope was changed here since the conversation's last question: the next question
  // sends it (an unchanged one is not sent, and the conversation keeps what it stored).
  const [scopeChanged, setScopeChanged] = useState(false);

  useEffect(() => {
    listCollections()
      .then(setCollections)
      // Without the list the picker offers no collections; asking still works.
      .catch(() => setCollections([]));
  }, []);

  useEffect(() => {
    setDraft(loadDraft(userId, conversationId));
    setPanel(null);
    setProblem(null);
    if (createdHere.current && createdHere.current === conversationId) return;
    // A new conversation starts from the files chosen on the Files page, if any (once).
    const chosen = conversationId ? null : chosenFiles.get();
    if (chosen) chooseFiles(null);
    setScope(chosen ? { collectionIds: [], files: chosen.files } : NO_SCOPE);
    setScopeChanged(Boolean(chosen?.files.length));
    controller.current?.abort();
    setMessages([]);
    setOlderCursor(null);
    following.current = true;
    if (!conversationId) return;
    setLoading(true);
    history({ conversationId, limit: HISTORY_PAGE })
      .then((page) => {
        setMessages(page.messages);
        setOlderCursor(page.nextCursor);
        const stored =
          page.scope ?? conversations.get().items.find((c) => c.id === conversationId)?.scope;
        void shownScope(stored).then(setScope);
      })
      .catch((e) => {
        const error = asApiError(e);
        setProblem(
          error.code === "conversation_not_found"
            ? "This conversation does not exist or was deleted."
            : error.sentence,
        );
      })
      .finally(() => setLoading(false));
  }, [conversationId, userId]);

  useEffect(() => () => controller.current?.abort(), []);

  // An answer still being written when the conversation opens (a reload, a second tab).
  useFollowAnswer({
    conversationId,
    messages,
    busy: streaming || loading,
    setMessages,
    setStreaming,
    controller,
    updates: answerUpdates,
  });

  useLayoutEffect(() => {
    const el = thread.current;
    if (el && following.current) el.scrollTop = el.scrollHeight;
  }, [messages]);

  const onScroll = () => {
    const el = thread.current;
    if (!el) return;
    following.current = el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM_SLACK;
  };

  const loadOlder = async () => {
    if (!conversationId || !olderCursor) return;
    try {
      const page = await history({ conversationId, limit: HISTORY_PAGE, cursor: olderCursor });
      following.current = false;
      setMessages((current) => [...page.messages, ...current]);
      setOlderCursor(page.nextCursor);
    } catch (e) {
      setProblem(asApiError(e).sentence);
    }
  };

  const updateDraft = (text: string) => {
    setDraft(text);
    saveDraft(userId, conversationId, text);
  };
  const picker = usePlayPicker(draft, ({ text, collectionIds }) => {
    updateDraft(text);
    if (!collectionIds) return;
    setScope({ collectionIds, files: [] });
    setScopeChanged(true);
  });

  async function send(text: string, isDraft: boolean) {
    const message = text.trim();
    // While the conversation loads, its history would replace the new turn on screen.
    if (!message || streaming || loading) return;
    setProblem(null);
    const repeat =
      asking.current?.message === message && asking.current.conversationId === conversationId;
    const key = repeat && asking.current ? asking.current.key : newIdempotencyKey();
    asking.current = { message, conversationId, key };
    const abort = new AbortController();
    controller.current = abort;
    const now = new Date().toISOString();
    const sentScope: Scope | undefined =
      scopeChanged || (!conversationId && isScoped(scope))
        ? { collectionIds: scope.collectionIds, fileIds: scope.files.map((f) => f.id) }
        : undefined;
    const userLocal = `local-user-${Date.now()}`;
    let assistantId = `local-assistant-${Date.now()}`;
    let conversation = conversationId;
    let started = false;
    let passages = 0;
    const patch = (change: (m: UiMessage) => UiMessage) =>
      setMessages((current) => current.map((m) => (m.id === assistantId ? change(m) : m)));
    setMessages((current) => [
      // A new question starts afresh: the notes of earlier answers (stopped, cut) are done.
      ...current.map((m) => (m.problem ? { ...m, problem: null } : m)),
      {
        id: userLocal,
        role: "user",
        content: message,
        createdAt: now,
        status: "complete",
        route: "",
        citations: [],
        feedback: null,
        provider: null,
        finishReason: null,
        uncited: false,
        notice: null,
      },
      {
        id: assistantId,
        role: "assistant",
        content: "",
        createdAt: now,
        status: "incomplete",
        route: "",
        citations: [],
        feedback: null,
        provider: null,
        finishReason: null,
        uncited: false,
        notice: null,
        streaming: true,
      },
    ]);
    if (isDraft) updateDraft("");
    following.current = true;
    setStreaming(true);
    try {
      await streamTurn(
        {
          message,
          ...(conversation ? { conversationId: conversation } : {}),
          ...(sentScope ? { scope: sentScope } : {}),
          ...picker.turnFields(message),
        },
        {
          onMeta(meta) {
            started = true;
            picker.sent(message);
            // Stored with the turn: later questions keep it without sending it again.
            if (sentScope) setScopeChanged(false);
            passages = meta.passages ?? 0;
            const previous = assistantId;
            assistantId = meta.assistantMessageId;
            setMessages((current) =>
              current
                // A replay (the same key after a dropped connection) is a turn already on
                // screen: its saved answer replaces the cut-off copy instead of doubling it.
                .filter((m) => m.id !== meta.userMessageId && m.id !== meta.assistantMessageId)
                .map((m) =>
                  m.id === previous
                    ? {
                        ...m,
                        id: meta.assistantMessageId,
                        provider: meta.provider,
                        route: meta.route,
                      }
                    : m.id === userLocal
                      ? { ...m, id: meta.userMessageId }
                      : m,
                ),
            );
            if (!conversation) {
              conversation = meta.conversationId;
              createdHere.current = meta.conversationId;
              saveDraft(userId, null, "");
              navigate(`/chat/${encodeURIComponent(meta.conversationId)}`, { replace: true });
            }
            touchConversation({
              id: meta.conversationId,
              title: message.slice(0, 60),
              createdAt: now,
              updatedAt: now,
              messageCount: 0,
              lastRoute: meta.route,
            });
          },
          ...answerUpdates(patch),
        },
        abort.signal,
        key,
      );
      asking.current = null;
      announce("Answer complete.");
    } catch (e) {
      const error = asApiError(e);
      if (!started && error.code !== "aborted") {
        // Refused before it started (budget, suspended, down): nothing was saved, so the
        // message goes back into the box rather than being lost.
        setMessages((current) => current.filter((m) => m.id !== userLocal && m.id !== assistantId));
        if (isDraft) updateDraft(message);
        setProblem(error.sentence);
      } else if (error.code === "aborted") {
        patch((m) => ({
          ...m,
          streaming: false,
          status: "incomplete",
          finishReason: "stopped",
          problem: "Stopped. The partial answer is saved; Continue picks it up.",
          uncited: uncitedNow(m, passages),
        }));
        announce("Answer stopped.");
      } else {
        // Only a stream cut in transit keeps the key (sent again, the saved answer is
        // replayed); an answer the service said failed is asked again, not replayed.
        if (error.code !== NETWORK_ERROR) asking.current = null;
        patch((m) => ({
          ...m,
          streaming: false,
          status: "incomplete",
          problem: error.sentence,
          uncited: uncitedNow(m, passages),
        }));
        announce("The answer did not finish.");
      }
    } finally {
      setStreaming(false);
      controller.current = null;
      input.current?.focus();
    }
  }

  /** Continue: the rest of a cut-off answer streams into the same bubble, its new sources
   * numbered on from the answer's (no "continue" message, no second answer). */
  async function resume(answer: UiMessage) {
    if (streaming || !conversationId) return;
    setProblem(null);
    const abort = new AbortController();
    controller.current = abort;
    const patch = (change: (m: UiMessage) => UiMessage) =>
      setMessages((current) => current.map((m) => (m.id === answer.id ? change(m) : m)));
    patch((m) => ({ ...m, streaming: true, problem: null }));
    following.current = true;
    setStreaming(true);
    let passages = 0;
    try {
      // The stored answer is what is continued: it holds what a Stop cut off in transit.
      const page = await history({ conversationId, limit: 1 });
      const saved = page.messages.find((m) => m.id === answer.id);
      if (saved) patch((m) => ({ ...m, content: saved.content, citations: saved.citations }));
      await streamTurn(
        { continues: { conversationId, messageId: answer.id } },
        {
          onMeta(meta) {
            passages = meta.passages ?? 0;
          },
          ...answerUpdates(patch),
        },
        abort.signal,
      );
      announce("Answer complete.");
    } catch (e) {
      const error = asApiError(e);
      if (error.code === "aborted") {
        patch((m) => ({
          ...m,
          streaming: false,
          status: "incomplete",
          finishReason: "stopped",
          problem: "Stopped. The partial answer is saved; Continue picks it up.",
          uncited: passages > 0 ? uncitedNow(m, passages) : m.uncited,
        }));
        announce("Answer stopped.");
      } else {
        patch((m) => ({
          ...m,
          streaming: false,
          problem: error.sentence,
          uncited: passages > 0 ? uncitedNow(m, passages) : m.uncited,
        }));
        announce("The answer did not finish.");
      }
    } finally {
      setStreaming(false);
      controller.current = null;
      input.current?.focus();
    }
  }

  const submit = (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    void send(draft, true);
  };

  const onKeyDown = (event: JSX.TargetedKeyboardEvent<HTMLTextAreaElement>) => {
    if (picker.onKeyDown(event)) return;
    if (event.key !== "Enter" || event.shiftKey || TOUCH.matches) return;
    if (composingEnter(event, compositionEnded.current)) return;
    event.preventDefault();
    void send(draft, true);
  };

  const last = messages[messages.length - 1];

  // On a phone the list is a drawer over the whole chat, hiding its own toggle: it needs its
  // own close control, Escape closes it, and focus goes back to where the reader came from.
  const openList = () => {
    setShowList(true);
    window.requestAnimationFrame(() => listClose.current?.focus());
  };
  const closeList = () => {
    setShowList(false);
    listToggle.current?.focus();
  };
  // A layout effect: the listener is in place before the open drawer is painted, so an Escape
  // pressed the moment it appears is not lost (a plain effect runs a frame later).
  useLayoutEffect(() => {
    if (!showList) return;
    const onKey = (event: KeyboardEvent) => {
      // A dialog (rename, delete) handles its own Escape first.
      if (
        event.key === "Escape" &&
        !event.defaultPrevented &&
        !document.querySelector("dialog[open]")
      )
        closeList();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [showList]);

  return (
    <div class={`chat-layout${panel ? " with-panel" : ""}${showList ? " list-open" : ""}`}>
      <div class="sidebar" id="conversation-sidebar">
        <div class="drawer-head">
          <button
            type="button"
            ref={listClose}
            class="secondary small drawer-close"
            aria-label="Close conversations"
            onClick={closeList}
          >
            Close
          </button>
        </div>
        <ConversationList activeId={conversationId} onPicked={() => setShowList(false)} />
      </div>
      <main class="chat-main" id="main">
        <div class="chat-head">
          <button
            type="button"
            ref={listToggle}
            class="secondary small list-toggle"
            aria-expanded={showList}
            aria-controls="conversation-sidebar"
            onClick={() => (showList ? closeList() : openList())}
          >
            Conversations
          </button>
          <h1 class="visually-hidden">Chat</h1>
        </div>
        {conversationId && <ConversationActions conversationId={conversationId} />}
        <div class="thread" ref={thread} onScroll={onScroll} tabIndex={0} aria-label="Messages">
          {olderCursor && (
            <button
              type="button"
              class="secondary small load-older"
              onClick={() => void loadOlder()}
            >
              Load earlier messages
            </button>
          )}
          {loading && <p role="status">Loading the conversation…</p>}
          {!loading && messages.length === 0 && !problem && (
            <div class="empty">
              <h2>What can I help you with?</h2>
              <p>
                Ask about your documents, draft an email, prepare a call, or handle an objection.
              </p>
            </div>
          )}
          <ol class="messages">
            {messages.map((m) => (
              <Message
                key={m.id}
                message={m}
                conversationId={conversationId}
                canContinue={m === last && canContinue(m)}
                onContinue={() => void resume(m)}
                onCite={(citation, number) => setPanel({ citation, number })}
              />
            ))}
          </ol>
        </div>
        {problem && <Notice onDismiss={() => setProblem(null)}>{problem}</Notice>}
        <ScopePicker
          scope={scope}
          collections={collections}
          pending={scopeChanged && Boolean(conversationId)}
          onChange={(next) => {
            setScope(next);
            setScopeChanged(true);
            announce(isScoped(next) ? "Scope changed." : "Scope cleared.");
          }}
        />
        {picker.popup}
        <form class="composer" onSubmit={submit}>
          <label for="message" class="visually-hidden">
            Message
          </label>
          <textarea
            id="message"
            {...picker.inputProps}
            ref={input}
            rows={2}
            dir="auto"
            placeholder={
              TOUCH.matches
                ? "Ask anything…"
                : "Ask anything… (Enter to send, Shift+Enter for a new line)"
            }
            enterkeyhint={TOUCH.matches ? "enter" : "send"}
            value={draft}
            onInput={(e) => updateDraft(e.currentTarget.value)}
            onKeyDown={onKeyDown}
            onCompositionEnd={() => {
              compositionEnded.current = performance.now();
            }}
          />
          {streaming ? (
            <button
              type="button"
              class="danger"
              onClick={() => {
                // A stopped question sent again is asked again, not replayed from its key.
                asking.current = null;
                if (controller.current) stopStream(controller.current);
              }}
            >
              Stop
            </button>
          ) : (
            <button type="submit" class="primary" disabled={!draft.trim() || loading}>
              Send
            </button>
          )}
        </form>
        <PlaysBar collections={collections} />
      </main>
      {panel && (
        <CitationPanel
          citation={panel.citation}
          number={panel.number}
          onClose={() => setPanel(null)}
        />
      )}
    </div>
  );
}
