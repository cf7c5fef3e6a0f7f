/** The app: the sign-in page while signed out (at any path, so the route survives a
 * re-sign-in), else the signed-in shell with its routes. */
import { useEffect, useRef, useState } from "preact/hooks";
import { Announcer } from "./components/Announcer";
import { Notice } from "./components/Notice";
import { Shell } from "./components/Shell";
import { AdminPage } from "./features/admin/AdminPage";
import { AuditLogPage } from "./features/admin/AuditLogPage";
import { ContentHealthPage } from "./features/admin/ContentHealthPage";
import { Callback } from "./features/auth/Callback";
import { isAdmin, loadIdentity, me } from "./lib/identity";
import { session, signOut } from "./lib/session";
import { SignIn } from "./features/auth/SignIn";
import { ChatPage } from "./features/chat/ChatPage";
import { SharedPage } from "./features/chat/SharedPage";
import { ContentIssuesPage } from "./features/files/ContentIssuesPage";
import { FilesPage } from "./features/files/FilesPage";
import { SourceViewer } from "./features/files/SourceViewer";
import { applyBranding, DEFAULT_BRANDING, loadPublicBranding } from "./lib/branding";
import { asApiError } from "./lib/errors";
import { navigate, usePath } from "./lib/router";
import { useStore } from "./lib/store";

function Routes() {
  const path = usePath();
  const who = useStore(me);
  if (path === "/" || path === "/auth/callback") {
    navigate("/chat", { replace: true });
    return null;
  }
  if (path === "/chat" || path.startsWith("/chat/")) {
    const id = path.startsWith("/chat/") ? decodeURIComponent(path.slice(6)) : null;
    return <ChatPage conversationId={id || null} />;
  }
  const shared = /^\/shared\/([^/]+)$/.exec(path);
  if (shared?.[1]) return <SharedPage token={decodeURIComponent(shared[1])} />;
  if (path === "/files") return <FilesPage />;
  const viewed = /^\/files\/([^/]+)\/view$/.exec(path);
  if (viewed?.[1]) return <SourceViewer fileId={decodeURIComponent(viewed[1])} />;
  if (path === "/issues") return <ContentIssuesPage />;
  const adminPages = {
    "/admin": AdminPage,
    "/admin/content-health": ContentHealthPage,
    "/admin/audit": AuditLogPage,
  };
  if (Object.hasOwn(adminPages, path)) {
    const Page = adminPages[path as keyof typeof adminPages];
    if (isAdmin(who)) return <Page />;
    return (
      <main id="main" class="page">
        <h1>Administration</h1>
        <Notice>Only your organisation's administrators can open this page.</Notice>
      </main>
    );
  }
  return (
    <main id="main" class="page">
      <h1>Page not found</h1>
      <p>
        <a href="/chat">Go to the chat</a>
      </p>
    </main>
  );
}

export function App() {
  const tokens = useStore(session);
  const who = useStore(me);
  const path = usePath();
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    if (!tokens) {
      me.set(null);
      return;
    }
    if (who) return;
    setProblem(null);
    loadIdentity().catch((error) => setProblem(asApiError(error).sentence));
  }, [tokens, who]);

  // Signing out drops the tenant's in-app branding; the sign-in page shows the public
  // branding of the tenant its address names (or the default).
  const wasSignedIn = useRef(Boolean(tokens));
  useEffect(() => {
    if (!tokens && wasSignedIn.current) {
      applyBranding(DEFAULT_BRANDING);
      void loadPublicBranding();
    }
    wasSignedIn.current = Boolean(tokens);
  }, [tokens]);

  let content;
  if (path === "/auth/callback" && !tokens) content = <Callback />;
  else if (!tokens) content = <SignIn />;
  else if (problem)
    content = (
      <main id="main" class="auth-page">
        <div class="auth-card">
          <Notice>{problem}</Notice>
          <div class="dialog-actions">
            <button
              type="button"
              class="secondary"
              onClick={() => {
                setProblem(null);
                me.set(null);
                void loadIdentity().catch((e) => setProblem(asApiError(e).sentence));
              }}
            >
              Try again
            </button>
            <button type="button" class="primary" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        </div>
      </main>
    );
  else if (!who)
    content = (
      <main id="main" class="auth-page">
        <p role="status">Loading…</p>
      </main>
    );
  else
    content = (
      <Shell>
        <Routes />
      </Shell>
    );
  return (
    <>
      {content}
      <Announcer />
    </>
  );
}
