/** /admin (tenant admins; the services enforce it too): branding, users, usage, collections,
 * the team's plays, and the way to the content health report and the content issues. */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { announce } from "../../components/Announcer";
import { ConfirmDialog } from "../../components/Dialog";
import { Notice } from "../../components/Notice";
import { applyBranding, DEFAULT_BRANDING } from "../../lib/branding";
import { asApiError } from "../../lib/errors";
import { useStore } from "../../lib/store";
import { me } from "../../lib/identity";
import { onLinkClick } from "../../lib/router";
import { BrandColourField } from "./BrandColourField";
import { Collections } from "./Collections";
import { Plays } from "./Plays";
import { RetentionSettings } from "./RetentionSettings";
import { SsoSettings } from "./SsoSettings";
import {
  changeUserRole,
  inviteUser,
  listUsers,
  loadTenant,
  loadUsage,
  removeUser,
  saveBranding,
  type Role,
  type TenantUser,
  type Usage,
} from "./api";
import { UsageChart } from "./UsageChart";

function BrandingForm() {
  const [name, setName] = useState("");
  const [color, setColor] = useState(DEFAULT_BRANDING.primaryColor);
  const [logo, setLogo] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    loadTenant()
      .then((t) => {
        setName(t.branding.displayName);
        // A tenant without a colour yet starts from the default one.
        setColor(
          /^#[0-9a-fA-F]{6}$/.test(t.branding.primaryColor)
            ? t.branding.primaryColor
            : DEFAULT_BRANDING.primaryColor,
        );
        setLogo(t.branding.logoUrl ?? "");
        setLoaded(true);
      })
      .catch((e) => setProblem(asApiError(e).sentence));
  }, []);

  const submit = async (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    setProblem(null);
    setSaved(false);
    try {
      const t = await saveBranding({
        displayName: name.trim(),
        primaryColor: color,
        logoUrl: logo.trim() || null,
      });
      applyBranding(t.branding);
      setSaved(true);
      announce("Branding saved.");
    } catch (e) {
      setProblem(asApiError(e).sentence);
    }
  };

  return (
    <section class="card" aria-labelledby="branding-title">
      <h2 id="branding-title">Branding</h2>
      {problem && <Notice>{problem}</Notice>}
      {saved && (
        <Notice kind="info">
          Saved. Everyone in your organisation sees it on their next page load.
        </Notice>
      )}
      {!loaded && !problem && <p role="status">Loading…</p>}
      {loaded && (
        <form onSubmit={(e) => void submit(e)} class="form-grid">
          <div class="field">
            <label for="brand-name">Display name</label>
            <input
              id="brand-name"
              value={name}
              maxLength={80}
              required
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </div>
          <BrandColourField value={color} onInput={setColor} />
          <div class="field">
            <label for="brand-logo">Logo URL (https)</label>
            <input
              id="brand-logo"
              type="url"
              value={logo}
              placeholder="https://…"
              onInput={(e) => setLogo(e.currentTarget.value)}
            />
          </div>
          <button type="submit" class="primary">
            Save branding
          </button>
        </form>
      )}
    </section>
  );
}

function Users() {
  const who = useStore(me);
  const [users, setUsers] = useState<TenantUser[]>([]);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("member");
  const [problem, setProblem] = useState<string | null>(null);
  const [invited, setInvited] = useState<{ email: string; password: string | null } | null>(null);
  const [removing, setRemoving] = useState<TenantUser | null>(null);

  const load = () =>
    listUsers()
      .then((r) => setUsers(r.users))
      .catch((e) => setProblem(asApiError(e).sentence));

  useEffect(() => {
    void load();
  }, []);

  const invite = async (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    setProblem(null);
    try {
      const r = await inviteUser(email.trim(), role);
      setInvited({ email: r.user.email, password: r.temporaryPassword });
      setEmail("");
      void load();
    } catch (e) {
      setProblem(asApiError(e).sentence);
    }
  };

  const changeRole = async (user: TenantUser, next: Role) => {
    setProblem(null);
    try {
      await changeUserRole(user.userId, next);
      void load();
    } catch (e) {
      setProblem(asApiError(e).sentence);
      void load();
    }
  };

  const remove = async () => {
    const target = removing;
    setRemoving(null);
    if (!target) return;
    try {
      await removeUser(target.userId);
      void load();
    } catch (e) {
      setProblem(asApiError(e).sentence);
    }
  };

  return (
    <section class="card" aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      {problem && <Notice onDismiss={() => setProblem(null)}>{problem}</Notice>}
      {invited && (
        <Notice kind="info" onDismiss={() => setInvited(null)}>
          Invited {invited.email}.{" "}
          {invited.password ? (
            <>
              Temporary password (shown once):{" "}
              <code data-testid="temporary-password">{invited.password}</code>
            </>
          ) : (
            "They will receive an email with their temporary password."
          )}
        </Notice>
      )}
      <form class="inline-form" onSubmit={(e) => void invite(e)}>
        <div class="field">
          <label for="invite-email">Email</label>
          <input
            id="invite-email"
            type="email"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="invite-role">Role</label>
          <select
            id="invite-role"
            value={role}
            onChange={(e) => setRole(e.currentTarget.value as Role)}
          >
            <option value="member">Member</option>
            <option value="tenant_admin">Administrator</option>
          </select>
        </div>
        <button type="submit" class="primary">
          Invite
        </button>
      </form>
      <div class="table-wrap">
        <table class="users-table">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.userId}>
                <td data-label="Email">{u.email}</td>
                <td data-label="Role">
                  <select
                    aria-label={`Role of ${u.email}`}
                    value={u.role}
                    onChange={(e) => void changeRole(u, e.currentTarget.value as Role)}
                  >
                    <option value="member">Member</option>
                    <option value="tenant_admin">Administrator</option>
                  </select>
                </td>
                <td data-label="Status">
                  {u.enabled ? u.status.replace(/_/g, " ").toLowerCase() : "disabled"}
                </td>
                <td>
                  {u.userId !== who?.userId && (
                    <button
                      type="button"
                      class="secondary small"
                      aria-label={`Remove ${u.email}`}
                      onClick={() => setRemoving(u)}
                    >
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {removing && (
        <ConfirmDialog
          title="Remove user?"
          message={`${removing.email} will no longer be able to sign in.`}
          confirmLabel="Remove"
          onConfirm={() => void remove()}
          onCancel={() => setRemoving(null)}
        />
      )}
    </section>
  );
}

function UsageSection() {
  const [usage, setUsage] = useState<Usage | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    loadUsage()
      .then(setUsage)
      .catch((e) => setProblem(asApiError(e).sentence));
  }, []);
  const percent =
    usage && usage.monthlyTokenBudget > 0
      ? Math.min(100, (usage.tokens / usage.monthlyTokenBudget) * 100)
      : 0;
  return (
    <section class="card" aria-labelledby="usage-title">
      <h2 id="usage-title">Usage this month</h2>
      {problem && <Notice>{problem}</Notice>}
      {usage && (
        <>
          <p>
            <strong>{usage.tokens.toLocaleString()}</strong> of{" "}
            {usage.monthlyTokenBudget.toLocaleString()} tokens used ({percent.toFixed(1)}&nbsp;%),{" "}
            {usage.requests.toLocaleString()} {usage.requests === 1 ? "request" : "requests"}.
          </p>
          <meter
            min={0}
            max={100}
            value={percent}
            high={80}
            optimum={0}
            aria-label="Share of the monthly budget used"
            class="budget-meter"
          />
          {usage.daily && <UsageChart month={usage.month} daily={usage.daily} />}
          {usage.topDocuments && (
            <>
              <h3>Most-cited documents</h3>
              {usage.topDocuments.length === 0 ? (
                <p class="hint">No document has been cited yet this month.</p>
              ) : (
                <ol class="top-documents">
                  {usage.topDocuments.map((d) => (
                    <li key={d.fileId}>
                      {d.title}{" "}
                      <span class="hint">
                        ({d.citations} {d.citations === 1 ? "citation" : "citations"})
                      </span>
                    </li>
                  ))}
                </ol>
              )}
            </>
          )}
        </>
      )}
    </section>
  );
}

export function AdminPage() {
  return (
    <main class="page admin-page" id="main">
      <h1>Administration</h1>
      <nav class="admin-links" aria-label="Administration pages">
        <a class="button secondary" href="/admin/content-health" onClick={onLinkClick}>
          Content health
        </a>
        <a class="button secondary" href="/issues" onClick={onLinkClick}>
          Content issues
        </a>
        <a class="button secondary" href="/admin/audit" onClick={onLinkClick}>
          Audit log
        </a>
      </nav>
      <div class="admin-grid">
        <BrandingForm />
        <UsageSection />
        <Collections />
        <Plays />
        <RetentionSettings />
        <SsoSettings />
        <Users />
      </div>
    </main>
  );
}
