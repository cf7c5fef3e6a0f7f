/** The files table: one row per document, with its collections, trust, owner, uploader, size,
 * date and status, and the actions the service says the reader may take on it (`file.can`). */
import { FreshnessBadge } from "../../components/FreshnessBadge";
import type { FileView } from "./api";

export const STATUS_WORDS: Record<FileView["status"], string> = {
  pending: "Waiting to be processed",
  processing: "Processing",
  ready: "Ready",
  failed: "Failed",
};

export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Date and time in the reader's locale, so two files with the same name can be told apart. */
const UPLOADED = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function uploadedAt(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : UPLOADED.format(date);
}

export interface RowActions {
  selected: Set<string>;
  onSelect: (id: string, on: boolean) => void;
  onManage: (file: FileView) => void;
  onVersions: (file: FileView) => void;
  onDelete: (file: FileView) => void;
}

export function FilesTable({
  files,
  collectionNames,
  ownerName,
  uploaderName,
  actions,
}: {
  files: FileView[];
  collectionNames: Map<string, string>;
  ownerName: (file: FileView) => string;
  /** "you", the uploader's email, or "" when unknown. */
  uploaderName: (file: FileView) => string;
  actions: RowActions;
}) {
  return (
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
            <FileRow
              key={f.id}
              file={f}
              collectionNames={collectionNames}
              owner={ownerName(f)}
              uploader={uploaderName(f)}
              actions={actions}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FileRow({
  file: f,
  collectionNames,
  owner,
  uploader,
  actions,
}: {
  file: FileView;
  collectionNames: Map<string, string>;
  owner: string;
  uploader: string;
  actions: RowActions;
}) {
  const collections = f.collectionIds ?? [];
  const versions = f.versions?.length ?? 0;
  const may = f.can;
  return (
    <tr data-testid="file-row">
      <td class="select">
        <input
          type="checkbox"
          aria-label={`Select ${f.name}`}
          checked={actions.selected.has(f.id)}
          onChange={(e) => actions.onSelect(f.id, e.currentTarget.checked)}
        />
      </td>
      <td class="file-name">
        {f.name}
        {collections.length > 0 && <span class="visually-hidden">, in </span>}
        {collections.length > 0 && (
          <span class="collections">
            {collections.map((id) => (
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
        {owner}
      </td>
      <td class="size" data-label="Size">
        {size(f.size)}
      </td>
      <td class="uploaded" data-label="Uploaded">
        <time dateTime={f.createdAt}>{uploadedAt(f.createdAt)}</time>
        {uploader && <span class="uploaded-by">by {uploader}</span>}
      </td>
      <td data-label="Status">
        <span class={`status status-${f.status}`} data-status={f.status}>
          {f.awaitingUpload ? "Waiting for the upload" : STATUS_WORDS[f.status]}
        </span>
        {f.status === "failed" && f.reason && <span class="reason">{f.reason}</span>}
      </td>
      <td class="file-actions">
        {may?.manage && (
          <button
            type="button"
            class="secondary small"
            aria-label={`Manage ${f.name}`}
            onClick={() => actions.onManage(f)}
          >
            Manage
          </button>
        )}
        {(may?.newVersion || versions > 1) && !f.awaitingUpload && (
          <button
            type="button"
            class="secondary small"
            aria-label={`Versions of ${f.name}`}
            onClick={() => actions.onVersions(f)}
          >
            {versions > 1 ? `Versions (${versions})` : "Versions"}
          </button>
        )}
        {may?.delete && (
          <button
            type="button"
            class="secondary small"
            aria-label={`Delete ${f.name}`}
            onClick={() => actions.onDelete(f)}
          >
            Delete
          </button>
        )}
      </td>
    </tr>
  );
}
