/** Upload by picker or drag and drop (several at once, each with a progress bar, into the
 * collections chosen above the drop zone). What is accepted - the picker's filter, the text
 * under it and the size limit, checked before any byte is sent - comes from the service's own
 * list (GET /api/files/upload-limits), never from a copy here. */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { announce } from "../../components/Announcer";
import { asApiError } from "../../lib/errors";
import type { Collection } from "../../lib/types";
import {
  acceptFilter,
  acceptedText,
  refusedBeforeUpload,
  uploadFile,
  uploadLimits,
  type UploadLimits,
  type UploadTarget,
} from "./api";

export interface Upload {
  key: string;
  name: string;
  progress: number;
  state: "uploading" | "done" | "failed";
  problem?: string;
}

/** The limits, once the service answered (null until then). */
export function useUploadLimits(): UploadLimits | null {
  const [known, setKnown] = useState<UploadLimits | null>(null);
  useEffect(() => {
    uploadLimits()
      .then(setKnown)
      .catch(() => setKnown(null));
  }, []);
  return known;
}

/** Uploads `chosen` to `target`, tracked in `setUploads`' list; a file the limits refuse is
 * listed as failed at once and never sent. Calls `onSettled` after each upload ends. */
export function startUploads(
  chosen: File[],
  target: UploadTarget,
  known: UploadLimits | null,
  setUploads: (change: (current: Upload[]) => Upload[]) => void,
  onSettled: () => void,
): void {
  if (!chosen.length) return;
  const batch = chosen.map((file, i) => ({
    file,
    key: `${Date.now()}-${i}-${file.name}`,
    refused: known ? refusedBeforeUpload(file, known) : null,
  }));
  setUploads((current) => [
    ...batch.map(({ key, file, refused }) => ({
      key,
      name: file.name,
      progress: 0,
      state: refused ? ("failed" as const) : ("uploading" as const),
      ...(refused ? { problem: refused } : {}),
    })),
    ...current.filter((u) => u.state !== "failed"),
  ]);
  const update = (key: string, change: Partial<Upload>) =>
    setUploads((current) => current.map((u) => (u.key === key ? { ...u, ...change } : u)));
  const sent = batch.filter((b) => !b.refused);
  if (sent.length < batch.length) announce(batch.find((b) => b.refused)!.refused!);
  if (!sent.length) return;
  void Promise.all(
    sent.map(({ file, key }) =>
      uploadFile(file, target, (progress) => update(key, { progress }))
        .then(() => update(key, { progress: 1, state: "done" }))
        .catch((e) => update(key, { state: "failed", problem: asApiError(e).sentence }))
        .finally(onSettled),
    ),
  ).then(() => announce(`${sent.length === 1 ? "Upload" : "Uploads"} finished.`));
}

export function UploadList({ uploads, label }: { uploads: Upload[]; label: string }) {
  if (!uploads.length) return null;
  return (
    <ul class="upload-list" aria-label={label}>
      {uploads.map((u) => (
        <li key={u.key} class={`upload upload-${u.state}`} data-testid="upload">
          <span class="file-name">{u.name}</span>
          {u.state !== "failed" && (
            <progress max={1} value={u.progress} aria-label={`Uploading ${u.name}`} />
          )}
          <span class="upload-state" role={u.state === "failed" ? "alert" : undefined}>
            {u.state === "failed"
              ? u.problem
              : u.state === "done"
                ? "Uploaded"
                : `${Math.round(u.progress * 100)} %`}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function UploadPanel({
  collections,
  onUploaded,
}: {
  collections: Collection[];
  /** After each upload ends, done or not: the list refreshes. */
  onUploaded: () => void;
}) {
  const known = useUploadLimits();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);
  const [uploadInto, setUploadInto] = useState<Set<string>>(new Set());
  const picker = useRef<HTMLInputElement>(null);

  const start = (list: FileList | File[]) => {
    const into = collections.filter((c) => uploadInto.has(c.id)).map((c) => c.id);
    startUploads(Array.from(list), { collectionIds: into }, known, setUploads, onUploaded);
  };

  const onDrop = (event: JSX.TargetedDragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    if (event.dataTransfer?.files) start(event.dataTransfer.files);
  };

  return (
    <>
      {collections.length > 0 && (
        <fieldset class="upload-into">
          <legend>Upload into collections</legend>
          {collections.map((c) => (
            <label key={c.id} class="check">
              <input
                type="checkbox"
                checked={uploadInto.has(c.id)}
                onChange={(e) => {
                  const next = new Set(uploadInto);
                  if (e.currentTarget.checked) next.add(c.id);
                  else next.delete(c.id);
                  setUploadInto(next);
                }}
              />
              <span>{c.name}</span>
            </label>
          ))}
        </fieldset>
      )}
      <div
        class={`dropzone${dragging ? " dragging" : ""}`}
        data-testid="dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p>Drag and drop files here, or</p>
        <button type="button" class="primary" onClick={() => picker.current?.click()}>
          Choose files
        </button>
        <input
          ref={picker}
          id="file-picker"
          type="file"
          multiple
          class="visually-hidden"
          aria-label="Choose files to upload"
          accept={known ? acceptFilter(known) : undefined}
          onChange={(e) => {
            const input = e.currentTarget;
            if (input.files) start(input.files);
            input.value = "";
          }}
        />
        <p class="hint" data-testid="accepted-types">
          {known ? acceptedText(known) : "\u00a0"}
        </p>
      </div>
      {uploads.length > 0 && (
        <section aria-labelledby="uploads-title" class="uploads">
          <h2 id="uploads-title">Uploads</h2>
          <UploadList uploads={uploads} label="Uploads" />
        </section>
      )}
    </>
  );
}
