/** The signed-in session, shared by the API client, the shell and every feature: the tokens
 * (sessionStorage, never a URL), the Cognito client (the AWS SDK's, loaded on first use so the
 * sign-in form does not wait for it), refresh (on a timer before the ID token expires, before
 * each stream, and once after a 401) and sign-out. Signing in is the auth feature's. */
import type {
  AuthenticationResultType,
  CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { config } from "./config";
import { Store } from "./store";

export interface Tokens {
  idToken: string;
  accessToken: string;
  refreshToken: string | null;
  /** When the ID token expires, in ms since the epoch. */
  expiresAt: number;
}

export interface Claims {
  sub: string;
  email: string;
  tenantId: string;
  groups: string[];
}

const STORAGE_KEY = "eiq.tokens";
/** Refresh this long before expiry, so a request never carries a token about to lapse. */
const REFRESH_MARGIN_MS = 120_000;

export const session = new Store<Tokens | null>(readStored());
/** Why the last session ended, for the sign-in page ("expired", "signed_out", SSO_REQUIRED). */
export const endReason = new Store<string | null>(null);
/** The API's code (401) for a password session in a tenant that requires single sign-on. */
export const SSO_REQUIRED = "sso_required";

function readStored(): Tokens | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Tokens) : null;
  } catch {
    return null;
  }
}

function store(tokens: Tokens | null): void {
  if (tokens) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(tokens));
  else sessionStorage.removeItem(STORAGE_KEY);
  session.set(tokens);
  scheduleRefresh();
}

/** A claim's value when it is a string (as Cognito's are); "" when absent or of another type. */
function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

export function claims(tokens: Tokens | null = session.get()): Claims | null {
  if (!tokens) return null;
  try {
    const part = tokens.idToken.split(".")[1] ?? "";
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    const payload = JSON.parse(json) as Record<string, unknown>;
    return {
      sub: text(payload.sub),
      email: text(payload.email) || text(payload["cognito:username"]),
      tenantId: text(payload["custom:tenant_id"]),
      groups: Array.isArray(payload["cognito:groups"])
        ? (payload["cognito:groups"] as string[])
        : [],
    };
  } catch {
    return null;
  }
}

export function tokensFrom(
  result: AuthenticationResultType,
  previousRefresh: string | null = null,
): Tokens {
  if (!result.IdToken || !result.AccessToken) throw new Error("Cognito returned no tokens");
  return {
    idToken: result.IdToken,
    accessToken: result.AccessToken,
    refreshToken: result.RefreshToken ?? previousRefresh,
    expiresAt: Date.now() + (result.ExpiresIn ?? 3600) * 1000,
  };
}

export function accept(tokens: Tokens): void {
  endReason.set(null);
  store(tokens);
}

let clientPromise: Promise<{
  client: CognitoIdentityProviderClient;
  sdk: typeof import("@aws-sdk/client-cognito-identity-provider");
}> | null = null;

/** The Cognito client, at the configured endpoint (locally the edge's same-origin proxy). */
export function cognito() {
  clientPromise ??= import("@aws-sdk/client-cognito-identity-provider").then((sdk) => {
    const { region, cognitoEndpoint } = config();
    const client = new sdk.CognitoIdentityProviderClient({
      region,
      ...(cognitoEndpoint
        ? { endpoint: new URL(cognitoEndpoint, window.location.origin).href }
        : {}),
      maxAttempts: 2,
    });
    return { client, sdk };
  });
  return clientPromise;
}

/** Loads the SDK ahead of need (after the sign-in form is interactive). */
export function preloadCognito(): void {
  void cognito().catch(() => {
    clientPromise = null;
  });
}

let refreshing: Promise<boolean> | null = null;

/** Exchanges the refresh token for new ID and access tokens; one call at a time. On failure
 * the session ends with reason "expired" (the page then asks to sign in; drafts stay). */
export function refresh(): Promise<boolean> {
  refreshing ??= (async () => {
    const current = session.get();
    if (!current?.refreshToken) {
      expire();
      return false;
    }
    try {
      const { client, sdk } = await cognito();
      const answer = await client.send(
        new sdk.InitiateAuthCommand({
          AuthFlow: "REFRESH_TOKEN_AUTH",
          ClientId: config().userPoolClientId,
          AuthParameters: { REFRESH_TOKEN: current.refreshToken },
        }),
      );
      if (!answer.AuthenticationResult) throw new Error("no tokens");
      store(tokensFrom(answer.AuthenticationResult, current.refreshToken));
      return true;
    } catch {
      expire();
      return false;
    }
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

function expire(): void {
  endReason.set("expired");
  store(null);
}

/** An ID token valid for at least `minValidityMs`, refreshed first if needed; null if the
 * session has ended. */
export async function freshIdToken(minValidityMs = REFRESH_MARGIN_MS): Promise<string | null> {
  const current = session.get();
  if (!current) return null;
  if (current.expiresAt - Date.now() > minValidityMs) return current.idToken;
  return (await refresh()) ? (session.get()?.idToken ?? null) : null;
}

/** Ends the session and revokes its refresh token; `reason` is what the sign-in page says. */
export async function signOut(reason = "signed_out"): Promise<void> {
  const current = session.get();
  endReason.set(reason);
  store(null);
  if (current) {
    try {
      const { client, sdk } = await cognito();
      await client.send(
        new sdk.RevokeTokenCommand({
          ClientId: config().userPoolClientId,
          Token: current.refreshToken ?? "",
        }),
      );
    } catch {
      // Revocation is best effort (moto does not implement it); the tokens are gone here.
    }
  }
}

let timer: number | undefined;

function scheduleRefresh(): void {
  window.clearTimeout(timer);
  const current = session.get();
  if (!current) return;
  const delay = Math.max(0, current.expiresAt - Date.now() - REFRESH_MARGIN_MS);
  timer = window.setTimeout(() => void refresh(), delay);
}

scheduleRefresh();
