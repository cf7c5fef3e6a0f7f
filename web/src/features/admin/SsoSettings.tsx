/** Single sign-on on /admin: the organisation's identity provider (status, connect or change
 * an OIDC provider, require it, remove it). SAML is connected by an operator with the CLI;
 * the panel says so and shows the command. The client secret goes to the service once and
 * is never shown back (the service does not answer it). */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { announce } from "../../components/Announcer";
import { ConfirmDialog } from "../../components/Dialog";
import { Notice } from "../../components/Notice";
import { asApiError } from "../../lib/errors";
import { me } from "../../lib/identity";
import { useStore } from "../../lib/store";
import { loadSso, removeSso, saveSso, type SsoStatus } from "./enterpriseApi";
import "./enterprise.css";

interface Draft {
  issuer: string;
  clientId: string;
  clientSecret: string;
  domains: string;
  requireSso: boolean;
}

function draftOf(status: SsoStatus): Draft {
  return {
    issuer: status.issuer ?? "",
    clientId: status.clientId ?? "",
    clientSecret: "",
    domains: (status.domains ?? []).join(", "),
    requireSso: Boolean(status.requireSso),
  };
}

/** "acme.com, acme.co.uk" or one per line -> ["acme.com", "acme.co.uk"]. */
function domainsOf(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((d) => d.trim().toLowerCase())
    .filter(Boolean);
}

function Status({ status }: { status: SsoStatus }) {
  if (!status.configured) {
    return (
      <p data-testid="sso-status">
        <strong>Not connected.</strong> Everyone signs in with a password.
      </p>
    );
  }
  return (
    <dl class="sso-status" data-testid="sso-status">
      <dt>Provider</dt>
      <dd>
        {status.type ?? "Unknown"}
        {status.providerName && <span class="hint"> ({status.providerName})</span>}
      </dd>
      <dt>Email domains</dt>
      <dd>{(status.domains ?? []).join(", ") || "None"}</dd>
      <dt>Require single sign-on</dt>
      <dd>{status.requireSso ? "Yes: password sign-in is refused" : "No: passwords work too"}</dd>
      {status.issuer && (
        <>
          <dt>Issuer</dt>
          <dd class="sso-wrap">{status.issuer}</dd>
        </>
      )}
      {status.clientId && (
        <>
          <dt>Client id</dt>
          <dd class="sso-wrap">{status.clientId}</dd>
        </>
      )}
      {status.metadataUrl && (
        <>
          <dt>SAML metadata</dt>
          <dd class="sso-wrap">{status.metadataUrl}</dd>
        </>
      )}
    </dl>
  );
}

export function SsoSettings() {
  const who = useStore(me);
  const [status, setStatus] = useState<SsoStatus | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [confirming, setConfirming] = useState<"require" | "remove" | null>(null);

  const show = (now: SsoStatus) => {
    setStatus(now);
    setDraft(draftOf(now));
  };

  useEffect(() => {
    loadSso()
      .then(show)
      .catch((e) => setProblem(asApiError(e).sentence));
  }, []);

  const save = async () => {
    setConfirming(null);
    if (!draft) return;
    try {
      const now = await saveSso({
        oidc: {
          issuer: draft.issuer.trim(),
          clientId: draft.clientId.trim(),
          clientSecret: draft.clientSecret,
        },
        domains: domainsOf(draft.domains),
        requireSso: draft.requireSso,
      });
      show(now);
      setSaved(true);
      announce("Single sign-on saved.");
    } catch (e) {
      setProblem(asApiError(e).sentence);
    }
  };

  const remove = async () => {
    setConfirming(null);
    try {
      await removeSso();
      show({ configured: false, requireSso: false });
      announce("Single sign-on removed.");
    } catch (e) {
      setProblem(asApiError(e).sentence);
    }
  };

  const submit = (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    setProblem(null);
    setSaved(false);
    // Turning the requirement on signs password users out: the admin confirms it first.
    if (draft?.requireSso && !status?.requireSso) setConfirming("require");
    else void save();
  };

  const edit =
    (field: "issuer" | "clientId" | "clientSecret" | "domains") =>
    (event: JSX.TargetedEvent<HTMLInputElement>) =>
      draft && setDraft({ ...draft, [field]: event.currentTarget.value });

  const saml = status?.configured && status.type === "SAML";
  const slug = who?.tenantId ?? "SLUG";

  return (
    <section class="card admin-wide" aria-labelledby="sso-title">
      <h2 id="sso-title">Single sign-on</h2>
      <p class="hint">
        Your people sign in with your identity provider when their email is in one of its domains.
      </p>
      {problem && <Notice onDismiss={() => setProblem(null)}>{problem}</Notice>}
      {saved && (
        <Notice kind="info" onDismiss={() => setSaved(false)}>
          Saved. People in {domainsOf(draft?.domains ?? "").join(", ")} sign in with your identity
          provider.
        </Notice>
      )}
      {!status && !problem && <p role="status">Loading…</p>}
      <div class="sso-layout">
        <div>
          {status && <Status status={status} />}
          {status?.configured && (
            <button
              type="button"
              class="secondary sso-remove"
              onClick={() => {
                setProblem(null);
                setConfirming("remove");
              }}
            >
              Remove single sign-on
            </button>
          )}
          <p class="hint">
            SAML providers are connected by EngageIQ's operators, not here. Ask them to run{" "}
            <code class="sso-command">
              engageiq tenants sso set {slug} --saml-metadata-url URL --domain example.com
            </code>
            .
          </p>
        </div>
        {status && draft && !saml && (
          <form onSubmit={submit} class="sso-form">
            <h3>{status.configured ? "Change the OIDC provider" : "Connect an OIDC provider"}</h3>
            <div class="field">
              <label for="sso-issuer">Issuer URL</label>
              <input
                id="sso-issuer"
                type="url"
                required
                placeholder="https://login.example.com"
                value={draft.issuer}
                onInput={edit("issuer")}
              />
            </div>
            <div class="field">
              <label for="sso-client-id">Client id</label>
              <input
                id="sso-client-id"
                required
                autocomplete="off"
                value={draft.clientId}
                onInput={edit("clientId")}
              />
            </div>
            <div class="field">
              <label for="sso-client-secret">Client secret</label>
              <input
                id="sso-client-secret"
                type="password"
                required
                autocomplete="new-password"
                aria-describedby="sso-secret-hint"
                value={draft.clientSecret}
                onInput={edit("clientSecret")}
              />
              <p class="hint" id="sso-secret-hint">
                Sent once to the sign-in service and never shown again
                {status.configured ? "; enter it again to save a change" : ""}.
              </p>
            </div>
            <div class="field">
              <label for="sso-domains">Email domains</label>
              <input
                id="sso-domains"
                required
                placeholder="example.com, example.co.uk"
                aria-describedby="sso-domains-hint"
                value={draft.domains}
                onInput={edit("domains")}
              />
              <p class="hint" id="sso-domains-hint">
                Separated by commas. A domain can belong to one organisation only. You can add your
                own email&apos;s domain; EngageIQ support adds any other, once it has checked that
                it is yours.
              </p>
            </div>
            <div class="field">
              <label class="check">
                <input
                  type="checkbox"
                  checked={draft.requireSso}
                  aria-describedby="sso-require-warning"
                  onChange={(e) => setDraft({ ...draft, requireSso: e.currentTarget.checked })}
                />
                <span>Require single sign-on</span>
              </label>
              <p class="hint sso-warning" id="sso-require-warning">
                <strong>Warning:</strong> people who sign in with a password are signed out and can
                then sign in only through your identity provider. Turn it on while you are signed in
                through it yourself.
              </p>
            </div>
            <button type="submit" class="primary">
              {status.configured ? "Save single sign-on" : "Connect"}
            </button>
          </form>
        )}
      </div>
      {confirming === "require" && (
        <ConfirmDialog
          title="Require single sign-on?"
          message="Everyone in your organisation who signed in with a password will be signed out, and can then sign in only through your identity provider."
          confirmLabel="Require and sign them out"
          onConfirm={() => void save()}
          onCancel={() => setConfirming(null)}
        />
      )}
      {confirming === "remove" && (
        <ConfirmDialog
          title="Remove single sign-on?"
          message="Sign-in through your identity provider stops for everyone in your organisation; they sign in with an EngageIQ password instead."
          confirmLabel="Remove"
          onConfirm={() => void remove()}
          onCancel={() => setConfirming(null)}
        />
      )}
    </section>
  );
}
