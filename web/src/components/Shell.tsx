/** The signed-in frame: skip link, header with the tenant's brand, navigation, sign-out, and a
 * banner while the browser is offline. */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { isAdmin, me } from "../lib/identity";
import { signOut } from "../lib/session";
import { branding } from "../lib/branding";
import { onLinkClick, usePath } from "../lib/router";
import { useStore } from "../lib/store";

function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    window.addEventListener("online", update);
    window.addEventListener("offline", update);
    return () => {
      window.removeEventListener("online", update);
      window.removeEventListener("offline", update);
    };
  }, []);
  return online;
}

export function Shell({ children }: { children: ComponentChildren }) {
  const brand = useStore(branding);
  const who = useStore(me);
  const path = usePath();
  const online = useOnline();
  const links: [string, string][] = [
    ["/chat", "Chat"],
    ["/files", "Files"],
  ];
  if (isAdmin(who)) links.push(["/admin", "Admin"]);
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a href="/chat" class="brand" onClick={onLinkClick}>
          {brand.logoUrl && <img src={brand.logoUrl} alt="" class="logo" />}
          <span class="brand-name" data-testid="brand-name">
            {brand.displayName}
          </span>
        </a>
        <nav aria-label="Main">
          <ul>
            {links.map(([href, label]) => (
              <li key={href}>
                <a
                  href={href}
                  onClick={onLinkClick}
                  aria-current={path === href || path.startsWith(href + "/") ? "page" : undefined}
                >
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="user">
          <span class="user-name" title={who?.username}>
            {who?.username}
          </span>
          <button type="button" class="secondary small" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      {!online && (
        <div class="offline-banner" role="status">
          You are offline. Messages cannot be sent until the connection is back.
        </div>
      )}
      {children}
    </div>
  );
}
