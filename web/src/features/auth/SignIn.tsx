/** The sign-in page: the email first, which the API routes to the password step or to the
 * tenant's single sign-on (decision 0123); the new-password step for invited users; forgotten
 * password (code by email, then a new password); and why the last session ended. */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { announce } from "../../components/Announcer";
import { Notice } from "../../components/Notice";
import { branding } from "../../lib/branding";
import { ApiError, SSO_REQUIRED_SENTENCE } from "../../lib/errors";
import { useStore } from "../../lib/store";
import { endReason, preloadCognito, SSO_REQUIRED } from "../../lib/session";
import {
  authErrorSentence,
  completeNewPassword,
  confirmForgotPassword,
  forgotPassword,
  signIn,
} from "./passwordSignIn";
import { routeSignIn } from "./signInRoute";
import { SsoStep } from "./SsoStep";

type Step =
  | { kind: "email" }
  | { kind: "password" }
  | { kind: "sso"; provider: string }
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
  readOnly?: boolean;
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
        readOnly={props.readOnly}
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
  const [step, setStep] = useState<Step>({ kind: "email" });
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const firstStep = useRef(true);

  useEffect(() => {
    preloadCognito();
  }, []);
  // Each new step takes the focus: its field where it asks for one, else its heading. The
  // page's first step does not (the page has just opened).
  useEffect(() => {
    if (firstStep.current) {
      firstStep.current = false;
      return;
    }
    // The email and password fields' ids are their steps' names.
    if (step.kind === "email" || step.kind === "password") {
      document.getElementById(step.kind)?.focus();
    } else heading.current?.focus();
  }, [step.kind]);

  const failed = (e: unknown) =>
    setError(e instanceof ApiError ? e.sentence : authErrorSentence(e));

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      failed(e);
    } finally {
      setBusy(false);
    }
  }

  /** Back to the email step with the address kept, to correct it or route another. */
  const differentEmail = () => {
    setError(null);
    setInfo(null);
    setPassword("");
    setStep({ kind: "email" });
  };

  /** From the SSO step to the password step, the address kept. */
  const passwordInstead = () => {
    const address = email.trim();
    setError(null);
    setInfo(null);
    setEmail(address);
    setStep({ kind: "password" });
    announce(`Enter the password for ${address}.`);
  };

  const submit = (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    void run(async () => {
      if (step.kind === "email") {
        const address = email.trim();
        const route = await routeSignIn(address);
        setInfo(null);
        if (route.method === "sso") {
          setStep({ kind: "sso", provider: route.provider });
        } else {
          setEmail(address);
          setStep({ kind: "password" });
          announce(`Enter the password for ${address}.`);
        }
      } else if (step.kind === "sso") {
        // Nothing to submit: the step leaves for the Hosted UI (or, locally, explains).
      } else if (step.kind === "password") {
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
        setEmail(step.username);
        setStep({ kind: "password" });
        setInfo("Your password was changed. Sign in with the new one.");
      }
    });
  };

  const titles: Record<Step["kind"], string> = {
    email: "Sign in",
    password: "Sign in",
    sso: "Sign in with your organisation",
    new_password: "Choose a new password",
    forgot: "Reset your password",
    reset: "Enter the code and a new password",
  };

  const submitLabels: Record<Exclude<Step["kind"], "sso">, string> = {
    email: "Continue",
    password: "Sign in",
    new_password: "Save password",
    forgot: "Send code",
    reset: "Save password",
  };
  const signingIn = step.kind === "email" || step.kind === "password";

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
        {reason === "expired" && signingIn && (
          <Notice kind="info">
            Your session ended. Sign in again; anything you were typing is kept.
          </Notice>
        )}
        {reason === SSO_REQUIRED && signingIn && <Notice>{SSO_REQUIRED_SENTENCE}</Notice>}
        {info && <Notice kind="info">{info}</Notice>}
        {error && <Notice>{error}</Notice>}
        <form onSubmit={submit} class="auth-form" aria-busy={busy}>
          {(step.kind === "email" || step.kind === "forgot") && (
            <Field
              id="email"
              label="Email"
              type="email"
              value={email}
              onInput={setEmail}
              autocomplete="username"
            />
          )}
          {step.kind === "password" && (
            <>
              {/* Read-only, in the same form as the password, so password managers pair them. */}
              <Field
                id="email"
                label="Email"
                type="email"
                value={email}
                onInput={setEmail}
                autocomplete="username"
                readOnly
              />
              <button type="button" class="link different-email" onClick={differentEmail}>
                Use a different email
              </button>
            </>
          )}
          {step.kind === "sso" && (
            <SsoStep email={email.trim()} provider={step.provider} onError={failed} />
          )}
          {step.kind === "password" && (
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
          {step.kind !== "sso" && (
            <button type="submit" class="primary" disabled={busy}>
              {busy ? "Please wait…" : submitLabels[step.kind]}
            </button>
          )}
        </form>
        <div class="auth-links">
          {step.kind === "sso" ? (
            <>
              <button type="button" class="link" onClick={differentEmail}>
                Use a different email
              </button>
              {/* An organisation that has not required single sign-on keeps its password
                  users (an admin who connected it, say); one that has, refuses the password
                  with a sentence (decision 0123). */}
              <button type="button" class="link" onClick={passwordInstead}>
                Sign in with a password instead
              </button>
            </>
          ) : signingIn ? (
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
                setStep({ kind: "email" });
              }}
            >
              Back to sign-in
            </button>
          )}
        </div>
      </div>
    </main>
  );
}
