/** Email-first sign-in (decision 0123): asks the API how an address signs in, before anyone
 * has a token. The answer names a method and, for single sign-on, the identity provider to
 * open; it never names the tenant. */
import { apiBase } from "../../lib/config";
import { asApiError, errorFromResponse } from "../../lib/errors";

/** `POST /api/sign-in/route`'s answer (docs/web-api.md). */
export type SignInRoute = { method: "password" } | { method: "sso"; provider: string };

// Asked before anyone signs in, so without the API client (which needs a token).
const ROUTE_PATH = "/sign-in/route";

/** How `email` signs in. Throws ApiError (with a sentence) when the API refuses the address
 * or cannot be reached; the page then stays on the email step. */
export async function routeSignIn(email: string): Promise<SignInRoute> {
  let response: Response;
  try {
    response = await fetch(apiBase() + ROUTE_PATH, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email }),
    });
  } catch (error) {
    throw asApiError(error);
  }
  if (!response.ok) throw await errorFromResponse(response);
  const answer = (await response.json()) as { method?: unknown; provider?: unknown };
  if (answer.method === "sso" && typeof answer.provider === "string" && answer.provider) {
    return { method: "sso", provider: answer.provider };
  }
  // Anything but a well-formed SSO answer is the password form: Cognito (and, in the cloud,
  // the pre-token-generation trigger) still decides whether that password may sign in.
  return { method: "password" };
}
