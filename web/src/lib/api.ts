/** The one API client: adds the ID token, refreshes once on a 401 and retries, and turns an
 * error response (`{code, message, requestId}`) into an ApiError with a sentence for people. */
import { freshIdToken, refresh } from "./session";
import { apiBase } from "./config";
import { ApiError, asApiError, errorFromResponse } from "./errors";

export interface RequestOptions extends Omit<RequestInit, "body"> {
  /** Sent as a JSON body. */
  json?: unknown;
  body?: BodyInit | null;
}

function withBody(options: RequestOptions): RequestInit {
  const { json, ...init } = options;
  if (json === undefined) return init;
  return {
    ...init,
    body: JSON.stringify(json),
    headers: {
      "Content-Type": "application/json",
      ...(init.headers as Record<string, string> | undefined),
    },
  };
}

async function send(path: string, init: RequestInit, token: string): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${token}`);
  try {
    return await fetch(apiBase() + path, { ...init, headers });
  } catch (error) {
    throw asApiError(error);
  }
}

/** An authorised request; resolves to the Response when it is 2xx, else throws ApiError. */
export async function request(path: string, options: RequestOptions = {}): Promise<Response> {
  const init = withBody(options);
  const token = await freshIdToken();
  if (!token) throw new ApiError(401, "unauthenticated", "Sign in to continue.");
  let response = await send(path, init, token);
  if (response.status === 401 && (await refresh())) {
    const again = await freshIdToken();
    if (again) response = await send(path, init, again);
  }
  if (!response.ok) throw await errorFromResponse(response);
  return response;
}

/** A JSON request; 204 resolves to undefined. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await request(path, options);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** The token for requests made outside fetch (XHR uploads), refreshed if close to expiry. */
export async function bearer(): Promise<string> {
  const token = await freshIdToken();
  if (!token) throw new ApiError(401, "unauthenticated", "Sign in to continue.");
  return token;
}
