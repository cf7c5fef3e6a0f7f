/** /auth/callback: finishes the Hosted UI sign-in, then opens the chat. */
import { useEffect, useState } from "preact/hooks";
import { Notice } from "../../components/Notice";
import { navigate } from "../../lib/router";
import { completeHostedSignIn } from "./hostedUi";

export function Callback() {
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const search = window.location.search;
    // The code must not stay in the address bar or the history.
    window.history.replaceState(null, "", "/auth/callback");
    completeHostedSignIn(search)
      .then(() => navigate("/chat", { replace: true }))
      .catch((e: Error) => setError(e.message));
  }, []);
  return (
    <main class="auth-page" id="main">
      <div class="auth-card">
        {error ? (
          <>
            <Notice>{error}</Notice>
            <a href="/" class="button">
              Back to sign-in
            </a>
          </>
        ) : (
          <p role="status">Signing you in…</p>
        )}
      </div>
    </main>
  );
}
