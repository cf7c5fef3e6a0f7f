/** /files: the tenant's files with their status (polled until ready or failed, with the
 * reason in words), their collections, owner and freshness; upload by picker or drag and drop
 * (several at once, each with a progress bar, into the collections chosen above the drop
 * zone); delete with confirm; the owner's (or an admin's) stewardship dialog; and "Ask about
 * these files" for the ones ticked. */
import type { JSX } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { announce } from "../../components/Announcer";
import { ConfirmDialog } from "../../components/Dialog";
import { FreshnessBadge } from "../../components/FreshnessBadge";
import { Notice } from "../../components/Notice";
import { listCollections, namesById } from "../../lib/collections";
import { useStore } from "../../lib/store";
import { asApiError } from "../../lib/errors";
import { isAdmin, me } from "../../lib/identity";
import { navigate, onLinkClick } from "../../lib/router";
import { chooseFiles } from "../../lib/scope";
import type { Collection } from "../../lib/types";
import {
  deleteFile,
  listFiles,
  tenantUsers,
  uploadFile,
  type FileView,
  type TenantUser,
} from "./api";
import { FileStewardship } from "./FileStewardship";

const POLL_MS = 1500;

interface Upload {
  key: string;
  name: string;
  progress: number;
  state: "uploading" | "done" | "failed";
  problem?: string;
}

const STATUS_WORDS: Record<FileView["status"], string> = {
  pending: "Waiting to be processed",
  processing: "Processing",
  ready: "Ready",
  failed: "Failed",
};

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Date and time in the reader's locale, so two files with the same name can be told apart. */
const UPLOADED = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function uploadedAt(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : UPLOADED.format(date);
}

export function FilesPage() {
  const who = useStore(me);
  const [files, setFiles] = useState<FileView[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const [deleting, setDeleting] = useState<FileView | null>(null);
  const [managing, setManaging] = useState<FileView | null>(null);
  const [collections, setCollections] = useState<Collection[]>([]);
  const [uploadInto, setUploadInto] = useState<Set<string>>(new Set());
  const [users, setUsers] = useState<TenantUser[]>([]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const picker = useRef<HTMLInputElement>(null);
  const admin = isAdmin(who);
  const collectionNames = namesById(collections);

  useEffect(() => {
    listCollections()
      .then(setCollections)
      .catch(() => setCollections([]));
  }, []);

  useEffect(() => {
    // Owners are user ids; only admins may list the tenant's users to name them.
    if (!admin) return;
    tenantUsers()
      .then(setUsers)
      .catch(() => setUsers([]));
  }, [admin]);

  const ownerName = (file: FileView): string => {
    const owner = file.owner ?? file.uploadedBy;
    if (!owner) return "";
    if (owner === who?.userId) return "You";
    return users.find((u) => u.userId === owner)?.email ?? "Another member";
  };
  const steward = (file: FileView): boolean =>
    admin || (file.owner ?? file.uploadedBy) === who?.userId;

  const askAbout = () => {
    const chosen = files.filter((f) => selected.has(f.id)).map((f) => ({ id: f.id, name: f.name }));
    if (!chosen.length) return;
    chooseFiles({ files: chosen });
    navigate("/chat");
  };

  const reload = useCallback(async () => {
    try {
      const page = await listFiles({ limit: 50 });
      setFiles(page.files);
      setCursor(page.nextCursor ?? null);
      setLoaded(true);
    } catch (e) {
      setProblem(asApiError(e).sentence);
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  const unsettled = files.some(
    (f) => (f.status === "pending" && !f.awaitingUpload) || f.status === "processing",
  );
  useEffect(() => {
    if (!unsettled) return;
    const timer = window.setInterval(() => void reload(), POLL_MS);
    return () => window.clearInterval(timer);
  }, [unsettled, reload]);

  const loadMore = async () => {
    if (!cursor) return;
    try {
      const page = await listFiles({ limit: 50, cursor });
      setFiles((current) => [...current, ...page.files]);
      setCursor(page.nextCursor ?? null);
    } catch (e) {
      setProblem(asApiError(e).sentence);
    }
  };

  const start = (list: FileList | File[]) => {
    const chosen = Array.from(list);
    if (!chosen.length) return;
    const batch = chosen.map((file, i) => ({ file, key: `${Date.now()}-${i}-${file.name}` }));
    // A new upload starts afresh: earlier failures' messages and the last error go.
    setProblem(null);
    setUploads((current) => [
      ...batch.map(({ key, file }) => ({
        key,
        name: file.name,
        progress: 0,
        state: "uploading" as const,
      })),
      ...current.filter((u) => u.state !== "failed"),
    ]);
    const update = (key: string, change: Partial<Upload>) =>
      setUploads((current) => current.map((u) => (u.key === key ? { ...u, ...change } : u)));
    const into = collections.filter((c) => uploadInto.has(c.id)).map((c) => c.id);
    void Promise.all(
      batch.map(({ file, key }) =>
        uploadFile(file, into, (progress) => update(key, { progress }))
          .then(() => update(key, { progress: 1, state: "done" }))
          .catch((e) => update(key, { state: "failed", problem: asApiError(e).sentence }))
          .finally(() => void reload()),
      ),
    ).then(() => announce(`${batch.length === 1 ? "Upload" : "Uploads"} finished.`));
  };

  const onDrop = (event: JSX.TargetedDragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    if (event.dataTransfer?.files) start(event.dataTransfer.files);
  };

  const remove = async () => {
    const target = deleting;
    setDeleting(null);
    if (!target) return;
    setProblem(null);
    try {
      await deleteFile(target.id);
      setFiles((current) => current.filter((f) => f.id !== target.id));
      announce(`${target.name} deleted.`);
    } catch (e) {
      setProblem(asApiError(e).sentence);
    }
  };

  return (
    <main class="page files-page" id="main">
      <h1>Files</h1>
      <p class="lead">
        Documents your team's answers are grounded in. Only people in your organisation can see
        them, and a file in a restricted collection only that collection's audience.{" "}
        <a href="/issues" onClick={onLinkClick}>
          Content issues
        </a>{" "}
        lists the answers people marked wrong about your files.
      </p>
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
          accept=".pdf,.docx,.docm,.pptx,.pptm,.xlsx,.xlsm,.txt,.md,.markdown,.html,.htm,.csv,.tsv,.png,.jpg,.jpeg,.tif,.tiff"
          onChange={(e) => {
            const input = e.currentTarget;
            if (input.files) start(input.files);
            input.value = "";
          }}
        />
        <p class="hint">
          PDF, Word, PowerPoint, Excel, text, Markdown, HTML, CSV, or images (PNG, JPEG, TIFF: their
          text is read by OCR), up to 50 MB each.
        </p>
      </div>
      {problem && <Notice onDismiss={() => setProblem(null)}>{problem}</Notice>}
      {uploads.length > 0 && (
        <section aria-labelledby="uploads-title" class="uploads">
          <h2 id="uploads-title">Uploads</h2>
          <ul>
            {uploads.map((u) => (
              <li key={u.key} class={`upload upload-${u.state}`}>
                <span class="file-name">{u.name}</span>
                <progress max={1} value={u.progress} aria-label={`Uploading ${u.name}`} />
                <span class="upload-state">
                  {u.state === "failed"
                    ? u.problem
                    : u.state === "done"
                      ? "Uploaded"
                      : `${Math.round(u.progress * 100)} %`}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="files-title">
        <h2 id="files-title">Your files</h2>
        {loaded && files.length === 0 && (
          <p class="hint">No files yet. Upload one to ground the answers in it.</p>
        )}
        {files.length > 0 && (
          <div class="selection-bar">
            <button
              type="button"
              class="primary small"
              disabled={selected.size === 0}
              onClick={askAbout}
            >
              Ask about these files{selected.size ? ` (${selected.size})` : ""}
            </button>
            {selected.size > 0 && (
              <button type="button" class="secondary small" onClick={() => setSelected(new Set())}>
                Clear selection
              </button>
            )}
          </div>
        )}
        {files.length > 0 && (
          <div class="table-wrap">
            <table class="files-table">
              <thead>
                <tr>
                  <th scope="col">
                    <span class="visually-hidden">Selected</span>
                  </th>
                  <th scope="col">Name and collections</th>
                  <th scope="col">Trust</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Size</th>
                  <th scope="col">Uploaded</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {files.map((f) => (
                  <tr key={f.id} data-testid="file-row">
                    <td class="select">
                      <input
                        type="checkbox"
                        aria-label={`Select ${f.name}`}
                        checked={selected.has(f.id)}
                        onChange={(e) => {
                          const next = new Set(selected);
                          if (e.currentTarget.checked) next.add(f.id);
                          else next.delete(f.id);
                          setSelected(next);
                        }}
                      />
                    </td>
                    <td class="file-name">
                      {f.name}
                      {(f.collectionIds ?? []).length > 0 && (
                        <span class="visually-hidden">, in </span>
                      )}
                      {(f.collectionIds ?? []).length > 0 && (
                        <span class="collections">
                          {(f.collectionIds ?? []).map((id) => (
                            <span key={id} class="collection-tag">
                              {collectionNames.get(id) ?? "Collection"}
                            </span>
                          ))}
                        </span>
                      )}
                    </td>
                    <td class="trust" data-label="Trust">
                      <FreshnessBadge verification={f} />
                    </td>
                    <td class="owner" data-label="Owner">
                      {ownerName(f)}
                    </td>
                    <td class="size" data-label="Size">
                      {size(f.size)}
                    </td>
                    <td class="uploaded" data-label="Uploaded">
                      <time dateTime={f.createdAt}>{uploadedAt(f.createdAt)}</time>
                      {/* Only "you": the API gives other uploaders as bare ids, not names. */}
                      {who && f.uploadedBy === who.userId && (
                        <span class="uploaded-by">by you</span>
                      )}
                    </td>
                    <td data-label="Status">
                      <span class={`status status-${f.status}`} data-status={f.status}>
                        {f.awaitingUpload ? "Waiting for the upload" : STATUS_WORDS[f.status]}
                      </span>
                      {f.status === "failed" && f.reason && <span class="reason">{f.reason}</span>}
                    </td>
                    <td class="file-actions">
                      {steward(f) && (
                        <button
                          type="button"
                          class="secondary small"
                          aria-label={`Manage ${f.name}`}
                          onClick={() => setManaging(f)}
                        >
                          Manage
                        </button>
                      )}
                      <button
                        type="button"
                        class="secondary small"
                        aria-label={`Delete ${f.name}`}
                        onClick={() => setDeleting(f)}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {cursor && (
          <button type="button" class="secondary small" onClick={() => void loadMore()}>
            Load more
          </button>
        )}
      </section>
      {managing && (
        <FileStewardship
          file={managing}
          collections={collections}
          users={users}
          admin={admin}
          onSaved={(saved) => {
            setFiles((current) => current.map((f) => (f.id === saved.id ? { ...f, ...saved } : f)));
            setManaging((current) => (current ? { ...current, ...saved } : current));
          }}
          onClose={() => setManaging(null)}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title="Delete file?"
          message={`“${deleting.name}” will be removed and no longer used in answers.`}
          confirmLabel="Delete"
          onConfirm={() => void remove()}
          onCancel={() => setDeleting(null)}
        />
      )}
    </main>
  );
}
