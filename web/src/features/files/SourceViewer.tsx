/** /files/<id>/view?at=<location>&q=<passage>: the place a citation points to. The file's
 * extracted text at that location is shown in context with the cited passage highlighted:
 * a sheet's cell range as a table, a slide as a slide, any other text as text. A PDF also
 * opens in the browser's own viewer at the page (a blob: URL with #page=N; the bytes are
 * fetched with the token), an image is shown as it is, and every file can be downloaded. */
import type { JSX } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { Notice } from "../../components/Notice";
import { asApiError } from "../../lib/errors";
import { onLinkClick } from "../../lib/router";
import {
  getFile,
  inlineContent,
  passagesAt,
  showsInline,
  type FileView,
  type SourcePassages,
} from "./api";

/** Where the cited passage is in `text`: the snippet itself, else its start (a snippet is
 * the first 300 characters of a passage and may end mid-word). */
export function findPassage(text: string, quote: string): [number, number] | null {
  const wanted = quote.trim();
  if (!wanted) return null;
  for (const probe of [wanted, wanted.slice(0, 80), wanted.slice(0, 30)]) {
    const at = text.indexOf(probe);
    if (probe && at >= 0) return [at, Math.min(text.length, at + wanted.length)];
  }
  return null;
}

const SHEET_LOCATION = /(^rows? \d+(-\d+)?$)|(![A-Z]+\d+:[A-Z]+\d+( \(hidden\))?$)/;
const SLIDE_LOCATION = /^slide \d+$/;

/** A sheet section's lines ("Name: value; Other: value" each, as ingestion writes rows) as
 * a header and rows. */
export function sheetRows(text: string): { header: string[]; rows: string[][] } {
  const header: string[] = [];
  const records = text
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => {
      const record = new Map<string, string>();
      line.split("; ").forEach((field, i) => {
        const colon = field.indexOf(": ");
        const name = colon > 0 ? field.slice(0, colon) : `Column ${i + 1}`;
        if (!header.includes(name)) header.push(name);
        record.set(name, colon > 0 ? field.slice(colon + 2) : field);
      });
      return record;
    });
  return { header, rows: records.map((r) => header.map((name) => r.get(name) ?? "")) };
}

function Highlighted({ text, quote }: { text: string; quote: string }) {
  const mark = useRef<HTMLElement>(null);
  useLayoutEffect(() => mark.current?.scrollIntoView({ block: "center" }), [text, quote]);
  const hit = findPassage(text, quote);
  if (!hit) return <>{text}</>;
  return (
    <>
      {text.slice(0, hit[0])}
      <mark ref={mark} data-testid="cited-passage">
        {text.slice(hit[0], hit[1])}
      </mark>
      {text.slice(hit[1])}
    </>
  );
}

function SheetTable({ location, text, quote }: { location: string; text: string; quote: string }) {
  const { header, rows } = sheetRows(text);
  const lines = text.split("\n").filter((line) => line.trim());
  // The snippet holds whole rows, and parts of rows at its ends (it is cut at 300 characters).
  const quoted = quote
    .split("\n")
    .map((q) => q.trim())
    .filter((q) => q.length >= 8);
  const cited = (line: string) => quoted.some((q) => line.includes(q));
  return (
    <div class="table-wrap">
      <table class="sheet-table">
        <caption>{location}</caption>
        <thead>
          <tr>
            {header.map((name) => (
              <th scope="col" key={name} dir="auto">
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i} class={cited(lines[i] ?? "") ? "cited" : undefined}>
              {row.map((value, j) => (
                <td key={j} dir="auto">
                  {value}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Section({ location, text, quote }: { location: string; text: string; quote: string }) {
  if (SHEET_LOCATION.test(location))
    return <SheetTable location={location} text={text} quote={quote} />;
  return (
    <section class={SLIDE_LOCATION.test(location) ? "source-section slide" : "source-section"}>
      <h2 class="source-location">{location}</h2>
      <div class="source-text" dir="auto">
        <Highlighted text={text} quote={quote} />
      </div>
    </section>
  );
}

/** Back to where the citation was opened (the chat), or to the chat on a fresh tab. */
function back(event: JSX.TargetedMouseEvent<HTMLAnchorElement>): void {
  if (window.history.length > 1 && event.button === 0 && !event.metaKey && !event.ctrlKey) {
    event.preventDefault();
    window.history.back();
  } else onLinkClick(event);
}

function pageOf(location: string | null): string | null {
  return /^page (\d+)$/i.exec(location ?? "")?.[1] ?? null;
}

function blobAsDataUrl(blob: Blob): Promise<string> {
  // Images are shown from a data: URL, which the app's img-src already allows.
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === "string" ? reader.result : "");
    reader.onerror = () => reject(reader.error ?? new Error("unreadable"));
    reader.readAsDataURL(blob);
  });
}

export function SourceViewer({ fileId }: { fileId: string }) {
  const params = new URLSearchParams(window.location.search);
  const at = params.get("at");
  const quote = params.get("q") ?? "";
  const [file, setFile] = useState<FileView | null>(null);
  const [passages, setPassages] = useState<SourcePassages | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let url: string | null = null;
    let live = true;
    setProblem(null);
    Promise.all([getFile(fileId), passagesAt(fileId, at)])
      .then(async ([found, text]) => {
        if (!live) return;
        setFile(found);
        setPassages(text);
        if (!showsInline(found.contentType) || found.awaitingUpload) return;
        const blob = await inlineContent(fileId, found.contentType);
        if (!live) return;
        if (found.contentType.startsWith("image/")) setShown(await blobAsDataUrl(blob));
        else setShown((url = URL.createObjectURL(blob)));
      })
      .catch((e) => {
        const error = asApiError(e);
        setProblem(
          error.code === "file_not_found" ? "This file has since been deleted." : error.sentence,
        );
      });
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [fileId, at]);

  const page = pageOf(at);
  const isPdf = file?.contentType === "application/pdf";
  const sections = passages?.sections ?? [];
  return (
    <main id="main" class="page viewer">
      <p>
        <a href="/chat" onClick={back}>
          ← Back
        </a>
      </p>
      <h1 dir="auto" class="viewer-title">
        {file?.name ?? "Source"}
      </h1>
      {at && <p class="hint">{at}</p>}
      {problem && <Notice>{problem}</Notice>}
      {file && (
        <div class="viewer-actions">
          {isPdf && shown && (
            <a
              class="button primary"
              href={page ? `${shown}#page=${page}` : shown}
              target="_blank"
              rel="noopener"
            >
              {page ? `Open page ${page} in the PDF viewer` : "Open in the PDF viewer"}
            </a>
          )}
          {file.downloadUrl && /^https?:\/\//i.test(file.downloadUrl) && (
            <a class="button secondary" href={file.downloadUrl}>
              Download
            </a>
          )}
        </div>
      )}
      {file?.contentType.startsWith("image/") && shown && (
        <img class="viewer-image" src={shown} alt={file.name} />
      )}
      {passages && sections.length === 0 && (
        <p class="hint">
          {at
            ? `The text at ${at} is not in this version of the file any more.`
            : "No text was extracted from this file."}
        </p>
      )}
      {sections.map((s, i) => (
        <Section key={`${s.location}-${i}`} location={s.location} text={s.text} quote={quote} />
      ))}
    </main>
  );
}
