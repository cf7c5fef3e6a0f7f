/** /files: the tenant's files, one row per document, found by name and sorted by the service,
 * with their status (refreshed in place while processing, with the batch's progress), their
 * collections, owner, uploader and freshness; upload by picker or drag and drop
 * (`UploadPanel`); new versions and restoring older ones (`FileVersions`); delete with
 * confirm, the owner's (or an admin's) stewardship dialog, each offered only where the service
 * says the reader may (`file.can`); and "Ask about these files" for the ones ticked. */
import { useCallback, useEffect, useState } from "preact/hooks";
import { announce } from "../../components/Announcer";
import { ConfirmDialog } from "../../components/Dialog";
import { Notice } from "../../components/Notice";
import { listCollections, namesById } from "../../lib/collections";
import { useStore } from "../../lib/store";
import { asApiError } from "../../lib/errors";
import { isAdmin, me } from "../../lib/identity";
import { navigate, onLinkClick } from "../../lib/router";
import { chooseFiles } from "../../lib/scope";
import type { Collection } from "../../lib/types";
import { deleteFile, tenantUsers, type FileView, type TenantUser } from "./api";
import { FileFinder } from "./FileFinder";
import { FilesTable } from "./FilesTable";
import { FileStewardship } from "./FileStewardship";
import { FileVersions } from "./FileVersions";
import { UploadPanel } from "./UploadPanel";
import { useFileListing, type Listing } from "./useFileListing";
import "./files.css";

export function FilesPage() {
  const who = useStore(me);
  const [listing, setListing] = useState<Listing>({ q: "", sort: "date", order: "desc" });
  const rows = useFileListing(listing);
  const { files, setProblem } = rows;
  const [deleting, setDeleting] = useState<FileView | null>(null);
  const [managing, setManaging] = useState<FileView | null>(null);
  // The document whose versions are open, by any of its versions' ids: the dialog follows
  // its row as a new version arrives or an older one is restored.
  const [versionsOf, setVersionsOf] = useState<string | null>(null);
  const [collections, setCollections] = useState<Collection[]>([]);
  const [users, setUsers] = useState<TenantUser[]>([]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const admin = isAdmin(who);
  const collectionNames = namesById(collections);
  const versionsRow = versionsOf
    ? files.find((f) => f.id === versionsOf || (f.versions ?? []).some((v) => v.id === versionsOf))
    : undefined;

  useEffect(() => {
    listCollections()
      .then(setCollections)
      .catch(() => setCollections([]));
  }, []);

  useEffect(() => {
    // Only admins may list the tenant's users (to name a reassigned owner, and to pick one).
    if (!admin) return;
    tenantUsers()
      .then(setUsers)
      .catch(() => setUsers([]));
  }, [admin]);

  const uploaderName = (file: FileView): string => {
    if (!file.uploadedBy) return "";
    if (file.uploadedBy === who?.userId) return "you";
    return file.uploadedByEmail ?? users.find((u) => u.userId === file.uploadedBy)?.email ?? "";
  };
  const ownerName = (file: FileView): string => {
    const owner = file.owner ?? file.uploadedBy;
    if (!owner) return "";
    if (owner === who?.userId) return "You";
    if (owner === file.uploadedBy && file.uploadedByEmail) return file.uploadedByEmail;
    return users.find((u) => u.userId === owner)?.email ?? "Another member";
  };

  const askAbout = () => {
    const chosen = files.filter((f) => selected.has(f.id)).map((f) => ({ id: f.id, name: f.name }));
    if (!chosen.length) return;
    chooseFiles({ files: chosen });
    navigate("/chat");
  };

  const onListing = useCallback((next: Listing) => setListing(next), []);

  const remove = async () => {
    const target = deleting;
    setDeleting(null);
    if (!target) return;
    setProblem(null);
    try {
      await deleteFile(target.id);
      rows.remove(target.id);
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
      <UploadPanel collections={collections} onUploaded={rows.changed} />
      {rows.problem && <Notice onDismiss={() => setProblem(null)}>{rows.problem}</Notice>}
      <section aria-labelledby="files-title">
        <h2 id="files-title">Your files</h2>
        <FileFinder listing={listing} onChange={onListing} />
        {rows.progress && (
          <p class="batch-progress" role="status" data-testid="batch-progress">
            <progress
              max={rows.progress.total}
              value={rows.progress.processed}
              aria-hidden="true"
            />
            {rows.progress.processed} of {rows.progress.total} processed
          </p>
        )}
        {rows.loaded && files.length === 0 && (
          <p class="hint">
            {listing.q.trim()
              ? `No file name has “${listing.q.trim()}”.`
              : "No files yet. Upload one to ground the answers in it."}
          </p>
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
          <FilesTable
            files={files}
            collectionNames={collectionNames}
            ownerName={ownerName}
            uploaderName={uploaderName}
            actions={{
              selected,
              onSelect: (id, on) => {
                const next = new Set(selected);
                if (on) next.add(id);
                else next.delete(id);
                setSelected(next);
              },
              onManage: setManaging,
              onVersions: (f) => setVersionsOf(f.id),
              onDelete: setDeleting,
            }}
          />
        )}
        {rows.cursor && (
          <button
            type="button"
            class="secondary small"
            aria-busy={rows.loadingMore || undefined}
            onClick={() => void rows.loadMore()}
          >
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
            rows.replace(saved);
            setManaging((current) => (current ? { ...current, ...saved } : current));
          }}
          onClose={() => setManaging(null)}
        />
      )}
      {versionsRow && (
        <FileVersions
          file={versionsRow}
          onChanged={(restored) => {
            if (restored) rows.replace(restored);
            rows.changed();
          }}
          onClose={() => setVersionsOf(null)}
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
