/** Errors from the API as something a person can read. The services answer errors as
 * `{code, message, requestId}` (docs/chat-service.md, docs/files.md); the sentence shown is
 * ours for the codes people meet, and the service's own message otherwise. */

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  /** Seconds until a retry can succeed (Retry-After), when the service said. */
  readonly retryAfter: number | null;

  constructor(
    status: number,
    code: string,
    message: string,
    requestId: string | null = null,
    retryAfter: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.retryAfter = retryAfter;
  }

  /** A sentence for people; never shows a bare code. */
  get sentence(): string {
    return sentenceFor(this);
  }
}

export const NETWORK_ERROR = "network_error";

/** Why a password session ended in a tenant that requires single sign-on (decision 0123). */
export const SSO_REQUIRED_SENTENCE =
  "Your organisation requires single sign-on, so a password cannot be used. Enter your work email to go to your organisation's sign-in page, or ask your administrator.";

function resetTime(seconds: number | null): string {
  if (seconds === null) return "at the start of next month (UTC)";
  const when = new Date(Date.now() + seconds * 1000);
  return `on ${when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}`;
}

function sentenceFor(error: ApiError): string {
  switch (error.code) {
    case NETWORK_ERROR:
      return "The connection dropped. Check your network; nothing you typed was lost.";
    case "tenant_suspended":
      return "Your organisation's account is suspended. Please contact your administrator.";
    case "budget_exceeded":
      return `Your organisation has used this month's AI budget. It resets ${resetTime(error.retryAfter)}.`;
    case "service_unavailable":
    case "storage_unavailable":
      return "The service is not answering right now. Please try again in a moment.";
    case "unauthenticated":
    case "invalid_token":
    case "token_expired":
      return "Your session has ended. Please sign in again.";
    case "sso_required":
      return SSO_REQUIRED_SENTENCE;
    case "forbidden":
      return "You do not have permission to do that.";
    case "last_admin":
      return "Your organisation needs at least one administrator; make someone else an administrator first.";
    case "unknown_scope":
      return "Some of the collections or files chosen for this conversation are no longer available to you. Choose the sources again, or clear the scope.";
    default:
      if (error.status >= 500) {
        return "Something went wrong on our side. Please try again in a moment.";
      }
      return error.message || "The request could not be completed.";
  }
}

/** Turns any thrown value into an ApiError (network failures included). */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DOMException && error.name === "AbortError") {
    return new ApiError(0, "aborted", "Stopped.");
  }
  return new ApiError(0, NETWORK_ERROR, "The connection dropped.");
}

/** Reads an error response's `{code, message, requestId}` body. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  let code = "http_" + response.status;
  let message = "";
  let requestId = response.headers.get("x-request-id");
  try {
    const body = (await response.json()) as { code?: string; message?: string; requestId?: string };
    code = body.code ?? code;
    message = body.message ?? "";
    requestId = body.requestId ?? requestId;
  } catch {
    // Not JSON (a proxy's page): the status decides the sentence.
  }
  if (response.status === 502 || response.status === 503 || response.status === 504) {
    code = code.startsWith("http_") ? "service_unavailable" : code;
  }
  const retry = response.headers.get("retry-after");
  return new ApiError(response.status, code, message, requestId, retry ? Number(retry) : null);
}
