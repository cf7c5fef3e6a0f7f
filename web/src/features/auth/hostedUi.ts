/** Cognito managed login (Hosted UI) with the authorization-code flow and PKCE (RFC 7636),
 * for the cloud, where the stack writes `hostedUiDomain` to config.json. The verifier and
 * state live in sessionStorage only for the round trip; tokens never appear in a URL.
 * Email-first sign-in (decision 0123) names the tenant's identity provider, so the Hosted UI
 * goes straight to it instead of listing every provider attached to the client. */
import { config } from "../../lib/config";
import { accept } from "../../lib/session";
import { refusalSentence } from "./signInRefusals";

const PENDING_KEY = "eiq.pkce";
const SCOPES = "openid email profile";

function base64url(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(length = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(length)));
}

function redirectUri(): string {
  return `${window.location.origin}/auth/callback`;
}

export function hostedUiAvailable(): boolean {
  return Boolean(config().hostedUiDomain);
}

/** The authorize request for one sign-in: its URL and the verifier and state that the
 * callback checks. */
export interface AuthorizeRequest {
  url: string;
  verifier: string;
  state: string;
}

/** The Hosted UI authorize URL for `identityProvider` (Cognito's ProviderName) at `domain`,
 * with a fresh PKCE verifier (S256) and state. `domain` is a host name; the local page passes
 * a placeholder for the cloud's, which is why the URL is assembled as text. */
export async function authorizeRequest(
  domain: string,
  identityProvider: string,
): Promise<AuthorizeRequest> {
  const verifier = randomString(48);
  const state = randomString(16);
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)),
  );
  const query = new URLSearchParams({
    response_type: "code",
    client_id: config().userPoolClientId,
    redirect_uri: redirectUri(),
    scope: SCOPES,
    identity_provider: identityProvider,
    state,
    code_challenge_method: "S256",
    code_challenge: base64url(digest),
  });
  return { url: `https://${domain}/oauth2/authorize?${query.toString()}`, verifier, state };
}

/** Leaves for the Hosted UI, which sends the browser on to `identityProvider` at once. */
export async function startHostedSignIn(identityProvider: string): Promise<void> {
  const domain = config().hostedUiDomain;
  if (!domain) throw new Error("This platform has no Hosted UI.");
  const { url, verifier, state } = await authorizeRequest(domain, identityProvider);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state }));
  window.location.assign(url);
}

/** Completes /auth/callback?code=&state=: checks the state, exchanges the code with the
 * verifier, stores the tokens. Throws with a sentence on any mismatch. */
export async function completeHostedSignIn(search: string): Promise<void> {
  const params = new URLSearchParams(search);
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? "null") as {
    verifier: string;
    state: string;
  } | null;
  sessionStorage.removeItem(PENDING_KEY);
  if (params.get("error")) {
    throw new Error(
      refusalSentence(params.get("error_description") ?? "") ??
        "The sign-in page reported an error. Please try again.",
    );
  }
  const code = params.get("code");
  if (!pending || !code || params.get("state") !== pending.state) {
    throw new Error("This sign-in link is not valid any more. Please sign in again.");
  }
  const response = await fetch(`https://${config().hostedUiDomain}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: config().userPoolClientId,
      code,
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
    }),
  });
  if (!response.ok) throw new Error("Sign-in could not be completed. Please try again.");
  const body = (await response.json()) as {
    id_token: string;
    access_token: string;
    refresh_token?: string;
    expires_in: number;
  };
  accept({
    idToken: body.id_token,
    accessToken: body.access_token,
    refreshToken: body.refresh_token ?? null,
    expiresAt: Date.now() + body.expires_in * 1000,
  });
}
