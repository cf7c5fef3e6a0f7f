/** /admin/audit (tenant admins): who did what in the organisation, newest first. Filters by
 * actor, action and dates, "Load more" pages with the service's cursor, and an export of the
 * log as JSON Lines (which the log records too). */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { announce } from "../../components/Announcer";
import { Icon } from "../../components/Icons";
import { Notice } from "../../components/Notice";
import { asApiError, type ApiError } from "../../lib/errors";
import { onLinkClick } from "../../lib/router";
import { AUDIT_ACTION_LABELS, actionLabel } from "./auditActions";
import {
  downloadAuditExport,
  loadAuditPage,
  NO_AUDIT_FILTER,
  type AuditActor,
  type AuditEntry,
  type AuditFilter,
  type AuditOutcome,
} from "./enterpriseApi";
import "./enterprise.css";

const DAY = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const TIME = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

function instant(iso: string): Date | null {
  // Entries carry milliseconds; a longer fraction is cut to what Date reads.
  const date = new Date(iso.replace(/(\.\d{3})\d+/, "$1"));
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Local time shown, UTC (the log's own time) in the title. */
function When({ iso }: { iso: string }) {
  const date = instant(iso);
  if (!date) return <>{iso}</>;
  const utc = date
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
  return (
    <time dateTime={iso} title={utc}>
      <span class="audit-day">{DAY.format(date)}</span>{" "}
      <span class="audit-day">{TIME.format(date)}</span>
    </time>
  );
}

/** An operator is named by their AWS identity's ARN; its last part names the person or role. */
function ActorName({ actor }: { actor: AuditActor }) {
  if (actor.kind === "user") return <>{actor.email || actor.userId || "Unknown user"}</>;
  const name = actor.operator || actor.system || "";
  if (actor.kind === "operator") {
    return (
      <span title={name}>
        <span class="badge actor-kind">Operator</span> {name.split("/").pop() || name}
      </span>
    );
  }
  return (
    <span>
      <span class="badge actor-kind">System</span> {name}
    </span>
  );
}

const OUTCOMES: Record<AuditOutcome, string> = {
  succeeded: "Succeeded",
  denied: "Denied",
  failed: "Failed",
};

/** Denied and failed stand out by their word, a mark and a frame, not by colour alone. */
function Outcome({ outcome }: { outcome: AuditOutcome }) {
  return (
    <span class={`outcome outcome-${outcome}`}>
      {outcome === "denied" && <Icon name="close" />}
      {OUTCOMES[outcome] ?? outcome}
    </span>
  );
}

function Target({ entry }: { entry: AuditEntry }) {
  const { kind, id, name } = entry.target;
  const details = Object.entries(entry.detail ?? {}).filter(([, v]) => v !== null && v !== "");
  return (
    <div>
      {name || id || "—"}
      {kind && <span class="hint audit-sub">{kind}</span>}
      {details.length > 0 && (
        <span class="hint audit-sub">
          {details.map(([k, v]) => `${k}: ${String(v)}`).join(", ")}
        </span>
      )}
    </div>
  );
}

type FilterField = keyof AuditFilter;

/** Which field an `invalid_audit_filter` sentence is about, so it is shown beside it. */
function fieldOf(error: ApiError): FilterField | null {
  // The sentence names the parameter first, e.g. "`since` is after `until`."
  const named = /`(actor|action|since|until)`/.exec(error.message);
  if (named) return named[1] as FilterField;
  return /\baudited action\b/.test(error.message) ? "action" : null;
}

/** The service names the query's parameters (`since`); a person knows the fields' labels. */
const LABELS: Record<FilterField, string> = {
  actor: "Actor",
  action: "Action",
  since: "From",
  until: "To",
};

function forPeople(sentence: string): string {
  return sentence.replace(
    /`(actor|action|since|until)`/g,
    (_, name: FilterField) => `“${LABELS[name]}”`,
  );
}

interface FilterProblem {
  field: FilterField | null;
  sentence: string;
}

function FieldError({ field, problem }: { field: FilterField; problem: FilterProblem | null }) {
  if (problem?.field !== field) return null;
  return (
    <p class="field-error" id={`audit-${field}-error`} role="alert">
      {problem.sentence}
    </p>
  );
}

/** The input attributes that tie a field to its error sentence. */
function invalid(field: FilterField, problem: FilterProblem | null) {
  return problem?.field === field
    ? { "aria-invalid": true, "aria-describedby": `audit-${field}-error` }
    : {};
}

export function AuditLogPage() {
  const [draft, setDraft] = useState<AuditFilter>(NO_AUDIT_FILTER);
  const [filter, setFilter] = useState<AuditFilter>(NO_AUDIT_FILTER);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<FilterProblem | null>(null);
  const [exporting, setExporting] = useState(false);
  // Each first page starts a new listing: a page that answers after a newer one began (a
  // quick second "Filter", "Load more" before it) is dropped rather than mixed in.
  const listing = useRef(0);

  const failed = (e: unknown) => {
    const error = asApiError(e);
    if (error.code === "invalid_audit_filter") {
      setProblem({ field: fieldOf(error), sentence: forPeople(error.sentence) });
    } else {
      setProblem({ field: null, sentence: error.sentence });
    }
  };

  const loadFirst = async (shown: AuditFilter) => {
    const mine = ++listing.current;
    setLoading(true);
    setProblem(null);
    try {
      const page = await loadAuditPage(shown);
      if (mine !== listing.current) return;
      setEntries(page.entries);
      setCursor(page.nextCursor);
    } catch (e) {
      failed(e);
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void loadFirst(filter);
  }, [filter]);

  const loadMore = async () => {
    if (!cursor) return;
    const mine = listing.current;
    setLoading(true);
    setProblem(null);
    try {
      const page = await loadAuditPage(filter, cursor);
      if (mine !== listing.current) return;
      setEntries((shown) => [...(shown ?? []), ...page.entries]);
      setCursor(page.nextCursor);
      announce(`${page.entries.length} more ${page.entries.length === 1 ? "entry" : "entries"}.`);
    } catch (e) {
      failed(e);
    } finally {
      setLoading(false);
    }
  };

  const apply = (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    // A new object even for the same values, so "Filter" also refreshes.
    setFilter({ ...draft });
  };

  const clear = () => {
    setDraft(NO_AUDIT_FILTER);
    setFilter({ ...NO_AUDIT_FILTER });
  };

  const exportLog = async () => {
    setExporting(true);
    setProblem(null);
    try {
      await downloadAuditExport(filter);
      announce("Audit log exported.");
      // The export is itself an entry of the log: show it.
      await loadFirst(filter);
    } catch (e) {
      failed(e);
    } finally {
      setExporting(false);
    }
  };

  const edit =
    (field: FilterField) => (event: JSX.TargetedEvent<HTMLInputElement | HTMLSelectElement>) =>
      setDraft({ ...draft, [field]: event.currentTarget.value });

  return (
    <main class="page audit-page" id="main">
      <p class="breadcrumb">
        <a href="/admin" onClick={onLinkClick}>
          Administration
        </a>
      </p>
      <h1>Audit log</h1>
      <p class="lead">
        Who did what in your organisation, newest first: sign-ins, changes to people, access and
        content, downloads and exports. Entries are chained, so a changed entry is detectable.
      </p>
      <section class="card" aria-labelledby="audit-filter-title">
        <h2 id="audit-filter-title" class="visually-hidden">
          Filters
        </h2>
        <form class="audit-filters" onSubmit={apply} aria-label="Filter the audit log">
          <div class="field">
            <label for="audit-actor">Actor</label>
            <input
              id="audit-actor"
              value={draft.actor}
              placeholder="Email or user id"
              onInput={edit("actor")}
              {...invalid("actor", problem)}
            />
            <FieldError field="actor" problem={problem} />
          </div>
          <div class="field">
            <label for="audit-action">Action</label>
            <select
              id="audit-action"
              value={draft.action}
              onChange={edit("action")}
              {...invalid("action", problem)}
            >
              <option value="">Any action</option>
              {Object.entries(AUDIT_ACTION_LABELS).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
            <FieldError field="action" problem={problem} />
          </div>
          <div class="field">
            <label for="audit-since">From</label>
            <input
              id="audit-since"
              type="date"
              value={draft.since}
              onInput={edit("since")}
              {...invalid("since", problem)}
            />
            <FieldError field="since" problem={problem} />
          </div>
          <div class="field">
            <label for="audit-until">To</label>
            <input
              id="audit-until"
              type="date"
              value={draft.until}
              onInput={edit("until")}
              {...invalid("until", problem)}
            />
            <FieldError field="until" problem={problem} />
          </div>
          <div class="audit-filter-actions">
            <button type="submit" class="primary">
              Filter
            </button>
            <button type="button" class="secondary" onClick={clear}>
              Clear
            </button>
          </div>
        </form>
        <p class="hint">Dates are days in UTC; both ends are included.</p>
        <div class="audit-export">
          <button
            type="button"
            class="secondary"
            disabled={exporting}
            aria-describedby="audit-export-hint"
            onClick={() => void exportLog()}
          >
            {exporting ? "Exporting…" : "Export (JSON Lines)"}
          </button>
          <p class="hint" id="audit-export-hint">
            Every entry from the chosen dates, oldest first, one JSON object a line.
          </p>
        </div>
      </section>
      {problem && problem.field === null && (
        <Notice onDismiss={() => setProblem(null)}>{problem.sentence}</Notice>
      )}
      {entries === null && loading && <p role="status">Loading…</p>}
      {entries !== null && (
        <section class="card audit-entries" aria-labelledby="audit-entries-title">
          <h2 id="audit-entries-title">Entries</h2>
          {entries.length === 0 ? (
            <p class="hint">
              {filter.actor || filter.action || filter.since || filter.until
                ? "No entry matches these filters."
                : "Nothing has been recorded yet."}
            </p>
          ) : (
            // Focusable, so a keyboard can scroll it when a long email or id makes it wider
            // than the page.
            <div class="table-wrap" tabIndex={0} role="region" aria-label="Entries table">
              <table class="audit-table">
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Actor</th>
                    <th scope="col">Action</th>
                    <th scope="col">Target</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Source IP</th>
                    <th scope="col">Request id</th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((e) => (
                    <tr
                      key={e.seq}
                      class={e.outcome === "succeeded" ? undefined : "audit-problem"}
                      data-testid="audit-entry"
                    >
                      <td data-label="Time">
                        <When iso={e.at} />
                      </td>
                      <td data-label="Actor" class="audit-wrap">
                        <ActorName actor={e.actor} />
                      </td>
                      <td data-label="Action" data-testid="audit-action">
                        {actionLabel(e.action)}
                      </td>
                      <td data-label="Target" class="audit-wrap">
                        <Target entry={e} />
                      </td>
                      <td data-label="Outcome">
                        <Outcome outcome={e.outcome} />
                      </td>
                      <td data-label="Source IP" class="audit-code audit-ip">
                        {e.sourceIp || "—"}
                      </td>
                      <td data-label="Request id" class="audit-code audit-request">
                        {e.requestId || "—"}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <p class="hint" role="status">
            {entries.length.toLocaleString()} {entries.length === 1 ? "entry" : "entries"} shown
            {cursor ? "; there are more." : "."}
          </p>
          {cursor && (
            <button
              type="button"
              class="secondary"
              disabled={loading}
              onClick={() => void loadMore()}
            >
              {loading ? "Loading…" : "Load more"}
            </button>
          )}
        </section>
      )}
    </main>
  );
}
