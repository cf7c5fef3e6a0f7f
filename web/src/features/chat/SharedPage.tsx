/** /shared/<token>: a conversation someone of the organisation shared (decision 0113), read-only
 * with its sources (one the reader may not open shows as unavailable), and "Continue as my
 * own", which copies it into a conversation of the reader's and opens it. */
import { useEffect, useState } from "preact/hooks";
import { announce } from "../../components/Announcer";
import { Notice } from "../../components/Notice";
import { asApiError } from "../../lib/errors";
import { navigate } from "../../lib/router";
import type { Citation } from "./api";
import { CitationPanel } from "./CitationPanel";
import { touchConversation } from "./ConversationList";
import { Message, type UiMessage } from "./Message";
import { copyShared, readShared, type SharedConversation } from "./sharing";

const WHEN = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function SharedPage({ token }: { token: string }) {
  const [shared, setShared] = useState<SharedConversation | null>(null);
  const [messages, setMessages] = useState<UiMessage[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [panel, setPanel] = useState<{ citation: Citation; number: number } | null>(null);

  useEffect(() => {
    setShared(null);
    setMessages([]);
    setProblem(null);
    readShared(token)
      .then((page) => {
        setShared(page);
        setMessages(page.messages);
      })
      .catch((e) => setProblem(asApiError(e).sentence));
  }, [token]);

  const more = async () => {
    if (!shared?.nextCursor) return;
    try {
      const page = await readShared(token, shared.nextCursor);
      setShared(page);
      setMessages((known) => [...known, ...page.messages]);
    } catch (e) {
      setProblem(asApiError(e).sentence);
    }
  };

  const continueAsMine = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const conversation = await copyShared(token);
      touchConversation(conversation);
      announce("A copy of the conversation is now yours.");
      navigate(`/chat/${encodeURIComponent(conversation.id)}`);
    } catch (e) {
      setProblem(asApiError(e).sentence);
      setBusy(false);
    }
  };

  const sharedAt = shared ? new Date(shared.sharedAt.replace(/(\.\d{3})\d+/, "$1")) : null;

  return (
    <div class={`chat-layout shared-layout${panel ? " with-panel" : ""}`}>
      <main id="main" class="chat-main shared-page">
        <div class="shared-head">
          <h1>{shared ? shared.title : "Shared conversation"}</h1>
          {shared && (
            <p class="hint">
              Shared with your organisation, read-only
              {sharedAt && !Number.isNaN(sharedAt.getTime())
                ? ` · as of ${WHEN.format(sharedAt)}`
                : ""}
              {` · ${shared.messageCount} messages`}
            </p>
          )}
          {shared && (
            <button
              type="button"
              class="primary"
              disabled={busy}
              onClick={() => void continueAsMine()}
            >
              Continue as my own
            </button>
          )}
        </div>
        {problem && <Notice>{problem}</Notice>}
        {!shared && !problem && <p role="status">Loading the conversation…</p>}
        {shared && (
          <div class="thread" tabIndex={0} aria-label="Messages">
            <ol class="messages">
              {messages.map((m) => (
                <Message
                  key={m.id}
                  message={m}
                  conversationId={null}
                  canContinue={false}
                  onContinue={() => undefined}
                  onCite={(citation, number) => setPanel({ citation, number })}
                />
              ))}
            </ol>
            {shared.nextCursor && (
              <button type="button" class="secondary small load-older" onClick={() => void more()}>
                Load more messages
              </button>
            )}
          </div>
        )}
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
