/** The side panel for one citation: the passage, the file name, its page or section, and a
 * link that opens the file (a presigned download; PDFs at #page=N). Escape closes it and
 * focus returns to the marker that opened it. */
import { useEffect, useRef, useState } from "preact/hooks";
import { Icon } from "../../components/Icons";
import { asApiError } from "../../lib/errors";
import type { FileView } from "../../lib/types";
import { citedFile, type Citation } from "./api";

export function downloadHref(file: FileView, location: string): string | null {
  if (!file.downloadUrl || !/^https?:\/\//i.test(file.downloadUrl)) return null;
  const page = /page\s+(\d+)/i.exec(location)?.[1];
  const isPdf = file.contentType === "application/pdf" || /\.pdf$/i.test(file.name);
  return isPdf && page ? `${file.downloadUrl}#page=${page}` : file.downloadUrl;
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
    citedFile(citation.sourceId)
      .then((file) => setHref(downloadHref(file, citation.location)))
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
      <p class="citation-file">
        <strong>{citation.title}</strong>
        {citation.location && <span class="citation-location"> · {citation.location}</span>}
      </p>
      <blockquote class="passage">{citation.snippet || "No passage text was returned."}</blockquote>
      {href && (
        <a class="button" href={href} target="_blank" rel="noopener noreferrer">
          Open the file{/#page=/.test(href) ? ` at ${citation.location}` : ""}
        </a>
      )}
      {problem && <p class="hint">{problem}</p>}
    </aside>
  );
}
