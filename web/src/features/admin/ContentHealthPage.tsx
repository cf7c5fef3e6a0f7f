/** /admin/content-health (tenant admins): what to fix first. Stale files answers still cite,
 * the most-cited files nobody verified, files no answer cited in 90 days, the files behind
 * the most thumbs-down, and the questions the content could not answer, with how often each
 * was asked. */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Notice } from "../../components/Notice";
import { asApiError } from "../../lib/errors";
import { onLinkClick } from "../../lib/router";
import { loadContentHealth, type ContentHealth } from "./api";

const WHEN = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const DAY = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });

function formatted(iso: string, format: Intl.DateTimeFormat = WHEN): string {
  const date = new Date(iso.replace(/(\.\d{3})\d+/, "$1"));
  return Number.isNaN(date.getTime()) ? "" : format.format(date);
}

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** One list of the report, with what an empty one means. */
function Part({
  id,
  title,
  hint,
  empty,
  count,
  children,
}: {
  id: string;
  title: string;
  hint: string;
  empty: string;
  count: number;
  children: ComponentChildren;
}) {
  return (
    <section class="card health-part" aria-labelledby={id} data-testid={id}>
      <h2 id={id}>{title}</h2>
      <p class="hint">{hint}</p>
      {count === 0 ? <p class="health-empty">{empty}</p> : <ol class="health-list">{children}</ol>}
    </section>
  );
}

export function ContentHealthPage() {
  const [health, setHealth] = useState<ContentHealth | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    loadContentHealth()
      .then(setHealth)
      .catch((e) => setProblem(asApiError(e).sentence));
  }, []);

  return (
    <main class="page health-page" id="main">
      <p class="breadcrumb">
        <a href="/admin" onClick={onLinkClick}>
          Administration
        </a>
      </p>
      <h1>Content health</h1>
      {problem && <Notice>{problem}</Notice>}
      {!health && !problem && <p role="status">Loading…</p>}
      {health && (
        <>
          <p class="lead">As of {formatted(health.generatedAt)}.</p>
          <div class="admin-grid health-grid">
            <Part
              id="stale-cited"
              title="Stale but cited"
              hint="Past their review date, yet answers still cite them. Re-verify or replace these first."
              empty="No stale file is being cited."
              count={health.staleCited.length}
            >
              {health.staleCited.map((f) => (
                <li key={f.fileId}>
                  {f.name}{" "}
                  <span class="hint">
                    ({plural(f.citations, "citation", "citations")}, review was due{" "}
                    {formatted(f.reviewBy, DAY)})
                  </span>
                </li>
              ))}
            </Part>
            <Part
              id="unverified-cited"
              title="Most cited, never verified"
              hint="Answers lean on these, but no owner has verified them."
              empty="Every cited file is verified."
              count={health.unverifiedMostCited.length}
            >
              {health.unverifiedMostCited.map((f) => (
                <li key={f.fileId}>
                  {f.name}{" "}
                  <span class="hint">({plural(f.citations, "citation", "citations")})</span>
                </li>
              ))}
            </Part>
            <Part
              id="thumbs-down"
              title="Most thumbs-down"
              hint="Files cited by answers people marked wrong."
              empty="No answer citing a file was marked wrong."
              count={health.mostThumbsDown.length}
            >
              {health.mostThumbsDown.map((f) => (
                <li key={f.fileId}>
                  {f.name}{" "}
                  <span class="hint">({plural(f.thumbsDown, "thumbs-down", "thumbs-down")})</span>
                </li>
              ))}
            </Part>
            <Part
              id="never-cited"
              title="Never cited"
              hint="No answer cited these in the last 90 days. Archive them, or check they are findable."
              empty="Every file was cited in the last 90 days."
              count={health.neverCited.length}
            >
              {health.neverCited.map((f) => (
                <li key={f.fileId}>
                  {f.name} <span class="hint">(uploaded {formatted(f.createdAt, DAY)})</span>
                </li>
              ))}
            </Part>
            <Part
              id="unanswered"
              title="Questions the content could not answer"
              hint="Asked, but no document answered them. Add content for the most asked."
              empty="Every question found an answer in your documents."
              count={health.unanswered.length}
            >
              {health.unanswered.map((q) => (
                <li key={q.question}>
                  <span dir="auto">{q.question}</span>{" "}
                  <span class="hint">
                    (asked {plural(q.count, "time", "times")}, last {formatted(q.lastAskedAt)})
                  </span>
                </li>
              ))}
            </Part>
          </div>
        </>
      )}
    </main>
  );
}
