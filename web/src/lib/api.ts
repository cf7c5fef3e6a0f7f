/** The one API client: adds the ID token, refreshes once on a 401 and retries, and turns an
 * error response (`{code, message, requestId}`) into an ApiError with a sentence for people. */
import { freshIdToken, refresh, signOut, SSO_REQUIRED } from "./session";
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
  if (response.status === 401) {
    const refused = await errorFromResponse(response.clone());
    // A tenant that requires single sign-on refuses password sessions; new tokens would be
    // refused alike, so the session ends and the sign-in page says why (decision 0123).
    if (refused.code === SSO_REQUIRED) {
      void signOut(SSO_REQUIRED);
      throw refused;
    }
    if (await refresh()) {
      const again = await freshIdToken();
      if (again) response = await send(path, init, again);
    }
  }
  if (!response.ok) throw await errorFromResponse(response);
  return response;
}

/** A JSON request; 204 resolves to undefined. Features call it through apiClient, typed. */
async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
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

// The typed calls below take their paths, parameters, bodies and answers from the generated
// `paths` of a service (src/lib/api/chat.ts, files.ts), so a request the service does not
// declare, or an answer read as the wrong shape, fails the type check.

type Method = "get" | "put" | "post" | "patch" | "delete";

/** The paths of a generated `paths` that declare `method`. */
export type PathWith<Paths, M extends Method> = {
  [P in keyof Paths]: Paths[P] extends Record<M, unknown> ? P : never;
}[keyof Paths] &
  string;

type Operation<Paths, P extends keyof Paths, M extends Method> =
  Paths[P] extends Record<M, infer Op> ? Op : never;

type JsonOf<T> = T extends { content: { "application/json": infer J } } ? J : never;

/** The JSON of an operation's 2xx answer; undefined for 204 No Content. */
type Answer<Op> = Op extends { responses: infer R }
  ? {
      [S in keyof R]: S extends 200 | 201 | 202 ? JsonOf<R[S]> : S extends 204 ? undefined : never;
    }[keyof R]
  : never;

type PathParams<Op> = Op extends { parameters: { path: infer X } } ? X : never;
type Query<Op> = Op extends { parameters: { query?: infer Q } } ? Exclude<Q, undefined> : never;
type Body<Op> = Op extends { requestBody: infer B } ? JsonOf<B> : never;

/** What a call passes besides the path: the path's `{name}` parameters, the query, the JSON
 * body (each only where the operation has them), and an abort signal or extra headers. */
export type CallOptions<Op> = ([PathParams<Op>] extends [never]
  ? object
  : { path: PathParams<Op> }) &
  ([Query<Op>] extends [never] ? object : { query?: Query<Op> }) &
  ([Body<Op>] extends [never] ? object : { json: Body<Op> }) &
  Pick<RequestOptions, "signal" | "headers">;

type CallArgs<Op> =
  object extends CallOptions<Op> ? [options?: CallOptions<Op>] : [options: CallOptions<Op>];

/** The documents' paths start with the API's own prefix, which apiBase() already ends with. */
const DOCUMENT_PREFIX = "/api";

/** The URL path for a generated path: `{name}` filled (encoded) from `params`, then the query
 * (absent and null values left out). */
export function pathFor(
  template: string,
  params: Record<string, string> = {},
  query: Record<string, string | number | boolean | null | undefined> = {},
): string {
  const filled = template
    .slice(template.startsWith(DOCUMENT_PREFIX + "/") ? DOCUMENT_PREFIX.length : 0)
    .replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = params[name];
      if (value === undefined) throw new Error(`no value for {${name}} in ${template}`);
      return encodeURIComponent(value);
    });
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `${filled}?${text}` : filled;
}

/** A typed client over one service's generated `paths`, e.g.
 * `apiClient<paths>().get("/api/conversations", { query: { limit: 50 } })`. Each call is an
 * authorised request (see `request`); a 2xx answer resolves to its JSON, 204 to undefined,
 * anything else throws ApiError. */
export function apiClient<Paths>() {
  const call =
    <M extends Method>(method: M) =>
    async <P extends PathWith<Paths, M>>(
      path: P,
      ...[options]: CallArgs<Operation<Paths, P, M>>
    ): Promise<Answer<Operation<Paths, P, M>>> => {
      const {
        path: params,
        query,
        ...init
      } = (options ?? {}) as RequestOptions & {
        path?: Record<string, string>;
        query?: Record<string, string | number | boolean | null | undefined>;
      };
      return api<Answer<Operation<Paths, P, M>>>(pathFor(path, params, query), {
        ...init,
        method: method.toUpperCase(),
      });
    };
  return {
    get: call("get"),
    put: call("put"),
    post: call("post"),
    patch: call("patch"),
    delete: call("delete"),
  };
}
