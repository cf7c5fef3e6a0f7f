/** Client-side routes over the History API: /chat, /chat/<id>, /files, /admin,
 * /auth/callback. The edge (and CloudFront) answer every such path with index.html. */
import type { JSX } from "preact";
import { Store, useStore } from "./store";

const location = new Store<string>(window.location.pathname);

window.addEventListener("popstate", () => location.set(window.location.pathname));

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  const url = new URL(path, window.location.origin);
  if (url.pathname + url.search === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, "", url.pathname + url.search);
  else window.history.pushState(null, "", url.pathname + url.search);
  location.set(url.pathname);
}

export function usePath(): string {
  return useStore(location);
}

/** Same-page navigation for plain left clicks; other clicks keep the browser's behaviour. */
export function onLinkClick(event: JSX.TargetedMouseEvent<HTMLAnchorElement>): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  event.preventDefault();
  navigate(event.currentTarget.getAttribute("href") ?? "/");
}
