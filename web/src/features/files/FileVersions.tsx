/** A document's versions (decision 0052): upload a new version (it becomes the current one,
 * searched and cited, once processed; the document keeps its row, collections and owner),
 * see the older ones, and restore one. Offered as the service says the reader may
 * (`file.can`: the document's owner or a tenant admin). */
import { useRef, useState } from "preact/hooks";
import { announce } from "../../components/Announcer";
import { Dialog } from "../../components/Dialog";
import { Notice } from "../../components/Notice";
import { asApiError } from "../../lib/errors";
import { acceptFilter, restoreVersion, type FileView } from "./api";
import { startUploads, UploadList, useUploadLimits, type Upload } from "./UploadPanel";
import { STATUS_WORDS, uploadedAt } from "./FilesTable";

export function FileVersions({
  file,
  onChanged,
  onClose,
}: {
  file: FileView;
  /** After a new version was uploaded or one restored: the list refreshes. */
  onChanged: (restored?: FileView) => void;
  onClose: () => void;
}) {
  const known = useUploadLimits();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const versions = file.versions?.length
    ? file.versions
    : [
        {
          id: file.id,
          name: file.name,
          size: file.size,
          status: file.status,
          createdAt: file.createdAt,
          current: true,
        },
      ];
  const may = file.can;

  const restore = async (id: string, name: string, createdAt: string) => {
    setProblem(null);
    setBusy(true);
    try {
      const restored = await restoreVersion(id);
      announce(`The version of ${name} from ${uploadedAt(createdAt)} is current again.`);
      onChanged(restored);
    } catch (e) {
      setProblem(asApiError(e).sentence);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={`Versions of ${file.name}`} onClose={onClose}>
      <p class="hint">
        Answers cite the current version. An older one can be made current again; a new version
        becomes current once it is processed.
      </p>
      <ol class="versions" aria-label="Versions, newest first">
        {versions.map((v) => (
          <li key={v.id} class="version" data-testid="version">
            <span class="file-name">{v.name}</span>
            <time dateTime={v.createdAt}>{uploadedAt(v.createdAt)}</time>
            <span class={`status status-${v.status}`}>
              {/* While a new version is processed both are current: the ready one is cited. */}
              {v.current && v.status === "ready" ? "Current" : STATUS_WORDS[v.status]}
            </span>
            {!v.current && v.status === "ready" && may?.restore && (
              <button
                type="button"
                class="secondary small"
                disabled={busy}
                aria-label={`Restore the version from ${uploadedAt(v.createdAt)}`}
                onClick={() => void restore(v.id, v.name, v.createdAt)}
              >
                Restore
              </button>
            )}
          </li>
        ))}
      </ol>
      {problem && <Notice onDismiss={() => setProblem(null)}>{problem}</Notice>}
      <div class="uploads">
        <UploadList uploads={uploads} label="New version upload" />
      </div>
      <div class="dialog-actions">
        <button type="button" class="secondary" onClick={onClose}>
          Close
        </button>
        {may?.newVersion && (
          <button type="button" class="primary" onClick={() => picker.current?.click()}>
            Upload a new version
          </button>
        )}
      </div>
      <input
        ref={picker}
        type="file"
        class="visually-hidden"
        aria-label={`Choose the new version of ${file.name}`}
        accept={known ? acceptFilter(known) : undefined}
        tabIndex={-1}
        onChange={(e) => {
          const input = e.currentTarget;
          if (input.files?.length) {
            startUploads(
              [input.files[0]!],
              { collectionIds: [], replaces: file.id },
              known,
              setUploads,
              () => onChanged(),
            );
          }
          input.value = "";
        }}
      />
    </Dialog>
  );
}
