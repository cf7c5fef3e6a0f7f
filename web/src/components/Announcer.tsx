/** One polite aria-live region for the whole app (e.g. "Answer complete"). */
import { Store, useStore } from "../lib/store";

const message = new Store<string>("");

export function announce(text: string): void {
  // Clear first so the same sentence twice is announced twice.
  message.set("");
  window.setTimeout(() => message.set(text), 50);
}

export function Announcer() {
  const text = useStore(message);
  return (
    <div class="visually-hidden" role="status" aria-live="polite" data-testid="announcer">
      {text}
    </div>
  );
}
