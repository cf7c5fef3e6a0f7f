/** Sentences for the pre-token-generation trigger's refusals (decision 0121). Cognito passes
 * the trigger's "<code>: <sentence>" on: in a password sign-in's UserLambdaValidationException,
 * and in the Hosted UI's redirect to /auth/callback as `error_description`. The page matches
 * the code and shows its own sentence, never the text it was given: anyone can write a
 * callback link. */
import { SSO_REQUIRED_SENTENCE } from "../../lib/errors";

const REFUSALS: Record<string, string> = {
  sso_required: SSO_REQUIRED_SENTENCE,
  sso_provider_unknown:
    "Your organisation's single sign-on is not connected. Ask your administrator.",
  tenant_unavailable: "Your organisation's account is not available. Ask your administrator.",
  user_removed: "Your organisation's administrator removed your access.",
  invalid_identity: "This sign-in cannot be accepted. Ask your administrator.",
};

/** Our sentence for the refusal `text` names, or null when it names none we know. */
export function refusalSentence(text: string): string | null {
  for (const [code, sentence] of Object.entries(REFUSALS)) {
    if (new RegExp(`\\b${code}:`).test(text)) return sentence;
  }
  return null;
}
