/** Unsent messages, kept per user and conversation in localStorage so that a reload, an
 * expired session or a re-sign-in never loses what was being typed; cleared on send. */

const PREFIX = "eiq.draft.";

function key(userId: string, conversationId: string | null): string {
  return `${PREFIX}${userId}.${conversationId ?? "new"}`;
}

export function loadDraft(userId: string, conversationId: string | null): string {
  try {
    return localStorage.getItem(key(userId, conversationId)) ?? "";
  } catch {
    return "";
  }
}

export function saveDraft(userId: string, conversationId: string | null, text: string): void {
  try {
    if (text) localStorage.setItem(key(userId, conversationId), text);
    else localStorage.removeItem(key(userId, conversationId));
  } catch {
    // Storage full or disabled: the draft lives only in the text box.
  }
}
