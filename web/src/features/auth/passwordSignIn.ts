/** Sign-in with email and password through the Cognito API (the first sign-in's new password
 * and the forgotten-password code included), and sentences for its failures. The tokens it
 * gets go to the shared session (lib/session), which keeps and refreshes them. */
import { config } from "../../lib/config";
import { accept, cognito, tokensFrom } from "../../lib/session";
import { refusalSentence } from "./signInRefusals";

export type SignInResult =
  { kind: "signed_in" } | { kind: "new_password"; username: string; challengeSession: string };

export async function signIn(username: string, password: string): Promise<SignInResult> {
  const { client, sdk } = await cognito();
  const answer = await client.send(
    new sdk.InitiateAuthCommand({
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: config().userPoolClientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  );
  if (answer.ChallengeName === "NEW_PASSWORD_REQUIRED" && answer.Session) {
    return { kind: "new_password", username, challengeSession: answer.Session };
  }
  if (!answer.AuthenticationResult)
    throw new Error(`Unsupported sign-in step ${answer.ChallengeName}`);
  accept(tokensFrom(answer.AuthenticationResult));
  return { kind: "signed_in" };
}

export async function completeNewPassword(
  username: string,
  challengeSession: string,
  newPassword: string,
): Promise<void> {
  const { client, sdk } = await cognito();
  const answer = await client.send(
    new sdk.RespondToAuthChallengeCommand({
      ClientId: config().userPoolClientId,
      ChallengeName: "NEW_PASSWORD_REQUIRED",
      Session: challengeSession,
      ChallengeResponses: { USERNAME: username, NEW_PASSWORD: newPassword },
    }),
  );
  if (!answer.AuthenticationResult)
    throw new Error("Cognito did not sign you in after the new password");
  accept(tokensFrom(answer.AuthenticationResult));
}

export async function forgotPassword(username: string): Promise<string | null> {
  const { client, sdk } = await cognito();
  const answer = await client.send(
    new sdk.ForgotPasswordCommand({ ClientId: config().userPoolClientId, Username: username }),
  );
  return answer.CodeDeliveryDetails?.Destination ?? null;
}

export async function confirmForgotPassword(
  username: string,
  code: string,
  password: string,
): Promise<void> {
  const { client, sdk } = await cognito();
  await client.send(
    new sdk.ConfirmForgotPasswordCommand({
      ClientId: config().userPoolClientId,
      Username: username,
      ConfirmationCode: code,
      Password: password,
    }),
  );
}

/** A sentence for a failed Cognito call (the SDK's exceptions carry a `name`). */
export function authErrorSentence(error: unknown): string {
  const { name = "", message = "" } = (error ?? {}) as { name?: string; message?: string };
  switch (name) {
    case "NotAuthorizedException":
    case "UserNotFoundException":
      return "That email and password do not match. Check them and try again.";
    case "PasswordResetRequiredException":
      return "Your password must be reset. Use “Forgot password?” below.";
    case "InvalidPasswordException":
      return "That password is too weak: use at least 8 characters with upper and lower case letters, a number and a symbol.";
    case "CodeMismatchException":
    case "ExpiredCodeException":
      return "That code is wrong or has expired. Request a new one.";
    case "LimitExceededException":
    case "TooManyRequestsException":
      return "Too many attempts. Wait a minute, then try again.";
    case "UserLambdaValidationException":
      // The pre-token-generation trigger refused the tokens (decision 0121), e.g. a password
      // sign-in in a tenant that requires SSO.
      return (
        refusalSentence(message) ??
        "Your organisation does not allow this sign-in. Contact your administrator."
      );
    case "UserNotConfirmedException":
      return "Your account is not confirmed yet. Contact your administrator.";
    case "TypeError":
      return "The sign-in service cannot be reached. Check your connection and try again.";
    default:
      return "Sign-in failed. Please try again in a moment.";
  }
}
