/** /issues: answers people marked wrong (a thumbs-down on an answer with sources), sent to the
 * owners of the files the answer cited; admins see every issue. Each shows the question, the
 * answer, the reason and the cited versions; its owner resolves it with a note (after fixing
 * or re-verifying the file). Open and resolved issues are listed apart. */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { announce } from "../../components/Announcer";
import { Notice } from "../../components/Notice";
import { asApiError } from "../../lib/errors";
import { me } from "../../lib/identity";
import { useStore } from "../../lib/store";
import { contentIssues, resolveIssue, type ContentIssue } from "./api";

const WHEN = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const DAY = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });

function when(iso: string | null | undefined, format = WHEN): string {
  const date = iso ? new Date(iso.replace(/(\.\d{3})\d+/, "$1")) : null;
  return date && !Number.isNaN(date.getTime()) ? format.format(date) : "";
}

function Issue({
  issue,
  onResolved,
}: {
  issue: ContentIssue;
  onResolved: (issue: ContentIssue) => void;
}) {
  const who = useStore(me);
  const [note, setNote] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const noteId = `note-${issue.id}`;

  const resolve = async (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    setProblem(null);
    setBusy(true);
    try {
      onResolved(await resolveIssue(issue.id, note.trim()));
      announce("Issue resolved.");
    } catch (e) {
      setProblem(asApiError(e).sentence);
    } finally {
      setBusy(false);
    }
  };

  return (
    <li class="card issue" data-testid="content-issue">
      <h3 class="issue-question" dir="auto">
        {issue.question}
      </h3>
      <p class="hint">
        Asked by {issue.askedBy === who?.userId ? "you" : "a colleague"}, marked wrong{" "}
        <time dateTime={issue.createdAt}>{when(issue.createdAt)}</time>
      </p>
      <dl class="issue-facts">
        <dt>Why it was wrong</dt>
        <dd dir="auto">{issue.reason || "No reason given."}</dd>
        <dt>The answer</dt>
        <dd class="issue-answer" dir="auto">
          {issue.answer}
        </dd>
        <dt>Cited files</dt>
        <dd>
          <ul class="issue-files">
            {issue.files.map((f) => (
              <li key={f.fileId}>
                {f.name}
                {f.versionDate && (
                  <span class="hint"> (version of {when(f.versionDate, DAY)})</span>
                )}
              </li>
            ))}
          </ul>
        </dd>
        {issue.status === "resolved" && (
          <>
            <dt>Resolution</dt>
            <dd dir="auto">
              {issue.resolution || "Resolved without a note."}{" "}
              <span class="hint">({when(issue.resolvedAt)})</span>
            </dd>
          </>
        )}
      </dl>
      {problem && <Notice onDismiss={() => setProblem(null)}>{problem}</Notice>}
      {issue.status === "open" && (
        <form class="inline-form" onSubmit={(e) => void resolve(e)}>
          <div class="field">
            <label for={noteId}>Resolution note</label>
            <input
              id={noteId}
              value={note}
              maxLength={1000}
              placeholder="What you changed, or why the answer was right"
              onInput={(e) => setNote(e.currentTarget.value)}
            />
          </div>
          <button type="submit" class="primary" disabled={busy}>
            Resolve
          </button>
        </form>
      )}
    </li>
  );
}

export function ContentIssuesPage() {
  const [status, setStatus] = useState<"open" | "resolved">("open");
  const [issues, setIssues] = useState<ContentIssue[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    // A list asked for before the last change of `status` may answer after it: only the
    // answer for the status shown now is used (otherwise "open" could replace "resolved").
    let current = true;
    setIssues(null);
    setProblem(null);
    contentIssues(status)
      .then((found) => current && setIssues(found))
      .catch((e) => current && setProblem(asApiError(e).sentence));
    return () => {
      current = false;
    };
  }, [status]);

  return (
    <main class="page issues-page" id="main">
      <h1>Content issues</h1>
      <p class="lead">
        Answers people marked wrong that cite files you own. Fix or re-verify the file, then resolve
        the issue with a note.
      </p>
      <div class="field compact issue-status">
        <label for="issue-status">Show</label>
        <select
          id="issue-status"
          value={status}
          onChange={(e) => setStatus(e.currentTarget.value as "open" | "resolved")}
        >
          <option value="open">Open issues</option>
          <option value="resolved">Resolved issues</option>
        </select>
      </div>
      {problem && <Notice>{problem}</Notice>}
      {!issues && !problem && <p role="status">Loading…</p>}
      {issues && issues.length === 0 && (
        <p class="hint">
          {status === "open" ? "No open issues. Nothing to fix." : "No resolved issues yet."}
        </p>
      )}
      {issues && issues.length > 0 && (
        <ul class="issues">
          {issues.map((issue) => (
            <Issue
              key={issue.id}
              issue={issue}
              onResolved={(done) =>
                setIssues((current) => (current ?? []).filter((i) => i.id !== done.id))
              }
            />
          ))}
        </ul>
      )}
    </main>
  );
}
