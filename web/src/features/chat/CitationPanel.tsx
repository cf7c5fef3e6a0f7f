/** The side panel for one citation: the passage, the file name, its page or section, the
 * day its cited version was uploaded, a link that opens the file at that place (the files feature's viewer at /files/<id>/view:
 * a PDF at its page, a sheet's range as a table, text with the passage highlighted) and the
 * download. Escape closes it and focus returns to the marker that opened it. */
import { useEffect, useRef, useState } from "preact/hooks";
import { FreshnessBadge } from "../../components/FreshnessBadge";
import { Icon } from "../../components/Icons";
import { asApiError } from "../../lib/errors";
import { onLinkClick } from "../../lib/router";
import type { FileView } from "../../lib/types";
import { citedFile, type Citation } from "./api";

export function downloadHref(file: FileView): string | null {
  return file.downloadUrl && /^https?:\/\//i.test(file.downloadUrl) ? file.downloadUrl : null;
}

/** The viewer's address for a citation: the file, the location and the passage to mark. */
export function viewerHref(citation: Citation): string {
  const query = new URLSearchParams();
  if (citation.location) query.set("at", citation.location);
  if (citation.snippet) query.set("q", citation.snippet.slice(0, 300));
  const search = query.toString();
  return `/files/${encodeURIComponent(citation.sourceId ?? "")}/view${search ? `?${search}` : ""}`;
}

/** A source the reader may no longer open: withheld by the service (the file was deleted, or
 * its collections no longer admit the reader) or sent without a file. */
export function unavailable(citation: Citation): boolean {
  return Boolean(citation.withheld) || !citation.sourceId;
}

const UPLOADED = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/** The day the cited version of the file was uploaded, or null when the source has none. */
function uploadedOn(iso: string | undefined): string | null {
  const when = iso ? new Date(iso) : null;
  return when && !Number.isNaN(when.getTime()) ? UPLOADED.format(when) : null;
}

export function CitationPanel({
  citation,
  number,
  onClose,
}: {
  citation: Citation;
  number: number;
  onClose: () => void;
}) {
  const [href, setHref] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const uploaded = uploadedOn(citation.uploadedAt);

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    heading.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
    };
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
      opener?.focus();
    };
  }, [citation]);

  useEffect(() => {
    setHref(null);
    setProblem(null);
    if (!citation.sourceId || citation.withheld) return;
    citedFile(citation.sourceId)
      .then((file) => setHref(downloadHref(file)))
      .catch((e) =>
        setProblem(
          asApiError(e).code === "file_not_found"
            ? "This file has since been deleted."
            : asApiError(e).sentence,
        ),
      );
  }, [citation.sourceId, citation.location]);

  return (
    <aside class="citation-panel" aria-labelledby="citation-title" data-testid="citation-panel">
      <div class="panel-head">
        <h2 id="citation-title" ref={heading} tabIndex={-1}>
          Source {number}
        </h2>
        <button type="button" class="icon-button" aria-label="Close source" onClick={onClose}>
          <Icon name="close" />
        </button>
      </div>
      {unavailable(citation) ? (
        <p class="hint" data-testid="withheld-source">
          This source is no longer available to you: the file was removed or is now shared with
          fewer people.
        </p>
      ) : (
        <>
          <p class="citation-file">
            <strong>{citation.title}</strong>
            {citation.location && <span class="citation-location"> · {citation.location}</span>}
          </p>
          {uploaded && <p class="hint citation-date">Uploaded {uploaded}</p>}
          <p class="citation-freshness">
            <FreshnessBadge verification={citation} />
          </p>
          <blockquote class="passage" dir="auto">
            {citation.snippet || "No passage text was returned."}
          </blockquote>
        </>
      )}
      {!problem && !unavailable(citation) && (
        <div class="citation-actions">
          <a class="button primary" href={viewerHref(citation)} onClick={onLinkClick}>
            {citation.location ? `Open at ${citation.location}` : "Open the file"}
          </a>
          {href && (
            <a class="button secondary" href={href}>
              Download
            </a>
          )}
        </div>
      )}
      {problem && <p class="hint">{problem}</p>}
    </aside>
  );
}
