/** The sign-in page: email + password, the new-password step for invited users, forgotten
 * password (code by email, then a new password), and the Hosted UI button in the cloud. */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { Notice } from "../../components/Notice";
import { branding } from "../../lib/branding";
import { useStore } from "../../lib/store";
import { endReason, preloadCognito } from "../../lib/session";
import { hostedUiAvailable, startHostedSignIn } from "./hostedUi";
import {
  authErrorSentence,
  completeNewPassword,
  confirmForgotPassword,
  forgotPassword,
  signIn,
} from "./passwordSignIn";

type Step =
  | { kind: "sign_in" }
  | { kind: "new_password"; username: string; challengeSession: string }
  | { kind: "forgot" }
  | { kind: "reset"; username: string; destination: string | null };

function Field(props: {
  id: string;
  label: string;
  type?: string;
  value: string;
  onInput: (v: string) => void;
  autocomplete: string;
  hint?: string;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.id}
        type={props.type ?? "text"}
        value={props.value}
        required
        autocomplete={props.autocomplete}
        aria-describedby={props.hint ? `${props.id}-hint` : undefined}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
      {props.hint && (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
    </div>
  );
}

const PASSWORD_HINT =
  "At least 8 characters, with upper and lower case letters, a number and a symbol.";

export function SignIn() {
  const brand = useStore(branding);
  const reason = useStore(endReason);
  const [step, setStep] = useState<Step>({ kind: "sign_in" });
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    preloadCognito();
  }, []);
  useEffect(() => {
    if (step.kind !== "sign_in") heading.current?.focus();
  }, [step.kind]);

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(authErrorSentence(e));
    } finally {
      setBusy(false);
    }
  }

  const submit = (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    void run(async () => {
      if (step.kind === "sign_in") {
        const result = await signIn(email.trim(), password);
        if (result.kind === "new_password") {
          setInfo(null);
          setStep(result);
        }
      } else if (step.kind === "new_password") {
        await completeNewPassword(step.username, step.challengeSession, newPassword);
      } else if (step.kind === "forgot") {
        const destination = await forgotPassword(email.trim());
        setStep({ kind: "reset", username: email.trim(), destination });
      } else {
        await confirmForgotPassword(step.username, code.trim(), newPassword);
        setPassword("");
        setNewPassword("");
        setStep({ kind: "sign_in" });
        setInfo("Your password was changed. Sign in with the new one.");
      }
    });
  };

  const titles: Record<Step["kind"], string> = {
    sign_in: "Sign in",
    new_password: "Choose a new password",
    forgot: "Reset your password",
    reset: "Enter the code and a new password",
  };

  return (
    <main class="auth-page" id="main">
      <div class="auth-card">
        <div class="auth-brand">
          {brand.logoUrl && <img src={brand.logoUrl} alt="" class="logo" />}
          <span class="brand-name">{brand.displayName}</span>
        </div>
        <h1 ref={heading} tabIndex={-1}>
          {titles[step.kind]}
        </h1>
        {reason === "expired" && step.kind === "sign_in" && (
          <Notice kind="info">
            Your session ended. Sign in again; anything you were typing is kept.
          </Notice>
        )}
        {info && <Notice kind="info">{info}</Notice>}
        {error && <Notice>{error}</Notice>}
        <form onSubmit={submit} class="auth-form" aria-busy={busy}>
          {(step.kind === "sign_in" || step.kind === "forgot") && (
            <Field
              id="email"
              label="Email"
              type="email"
              value={email}
              onInput={setEmail}
              autocomplete="username"
            />
          )}
          {step.kind === "sign_in" && (
            <Field
              id="password"
              label="Password"
              type="password"
              value={password}
              onInput={setPassword}
              autocomplete="current-password"
            />
          )}
          {step.kind === "new_password" && (
            <>
              <p>
                Welcome! You were invited with a temporary password; choose your own to continue.
              </p>
              <Field
                id="new-password"
                label="New password"
                type="password"
                value={newPassword}
                onInput={setNewPassword}
                autocomplete="new-password"
                hint={PASSWORD_HINT}
              />
            </>
          )}
          {step.kind === "reset" && (
            <>
              <p>
                We sent a code{step.destination ? ` to ${step.destination}` : ""}. Enter it with
                your new password.
              </p>
              <Field
                id="code"
                label="Code"
                value={code}
                onInput={setCode}
                autocomplete="one-time-code"
              />
              <Field
                id="new-password"
                label="New password"
                type="password"
                value={newPassword}
                onInput={setNewPassword}
                autocomplete="new-password"
                hint={PASSWORD_HINT}
              />
            </>
          )}
          <button type="submit" class="primary" disabled={busy}>
            {busy
              ? "Please wait…"
              : step.kind === "sign_in"
                ? "Sign in"
                : step.kind === "forgot"
                  ? "Send code"
                  : "Save password"}
          </button>
        </form>
        <div class="auth-links">
          {step.kind === "sign_in" ? (
            <button
              type="button"
              class="link"
              onClick={() => {
                setError(null);
                setInfo(null);
                setStep({ kind: "forgot" });
              }}
            >
              Forgot password?
            </button>
          ) : (
            <button
              type="button"
              class="link"
              onClick={() => {
                setError(null);
                setStep({ kind: "sign_in" });
              }}
            >
              Back to sign-in
            </button>
          )}
          {step.kind === "sign_in" && hostedUiAvailable() && (
            <button type="button" class="secondary" onClick={() => void startHostedSignIn()}>
              Sign in with your organisation
            </button>
          )}
        </div>
      </div>
    </main>
  );
}
