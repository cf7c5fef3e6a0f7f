/** Every request of the files feature, typed by the files service's generated OpenAPI types
 * through the one client in lib/api: the list (searched and sorted by the service), its
 * refresh, the upload limits, delete, restore, and uploads (new versions too).
 *
 * Uploads with real progress (XMLHttpRequest's upload events; fetch has none). Files up to
 * 10 MB use the streamed upload (POST /api/upload-file); larger ones go straight to S3 with
 * the presigned POST (POST /api/files/uploads, the POST to S3, then .../complete). */
import { apiClient, bearer, pathFor, request, type PathWith } from "../../lib/api";
import { apiBase } from "../../lib/config";
import { ApiError } from "../../lib/errors";
import { refresh } from "../../lib/session";
import type { FileView } from "../../lib/types";
import type { components as ChatApi, paths as ChatPaths } from "../../lib/api/chat";
import type { components, paths } from "../../lib/api/files";

const files = apiClient<paths>();
const chat = apiClient<ChatPaths>();

export type { FileView };

export interface FilePage extends Omit<components["schemas"]["FilePage"], "files"> {
  files: FileView[];
}

export type FileSort = "date" | "name" | "status";
export type SortOrder = "asc" | "desc";

/** What the files page asks for: a name search (server-side, so every file is searched, not
 * just the rows loaded), an order, and the page after `cursor`. */
export interface FileQuery {
  limit: number;
  cursor?: string;
  q?: string;
  sort?: FileSort;
  order?: SortOrder;
}

export async function listFiles(query: FileQuery, signal?: AbortSignal): Promise<FilePage> {
  const { q, ...rest } = query;
  return files.get("/api/files", {
    query: q?.trim() ? { ...rest, q: q.trim() } : rest,
    signal,
  });
}

const FILES = "/api/files" satisfies PathWith<paths, "get">;

/** The rows showing these files' documents now (each id may be a version of the row's
 * document): how the page refreshes the rows it shows without paging again. At most 100. */
export async function refreshFiles(
  ids: readonly string[],
  signal?: AbortSignal,
): Promise<FilePage> {
  // `fileId` repeats, which pathFor's query (one value a name) does not write.
  const query = new URLSearchParams(ids.map((id) => ["fileId", id]));
  const response = await request(`${pathFor(FILES)}?${query}`, { signal });
  return (await response.json()) as FilePage;
}

export type UploadLimits = components["schemas"]["UploadLimits"];

let limits: Promise<UploadLimits> | null = null;

/** The size limit and accepted kinds, as the service sniffs them (asked once a session). */
export function uploadLimits(): Promise<UploadLimits> {
  limits ??= files.get("/api/files/upload-limits").catch((e: unknown) => {
    limits = null;
    throw e;
  });
  return limits;
}

/** The picker's `accept` filter: every accepted extension and content type. */
export function acceptFilter(known: UploadLimits): string {
  return known.types.flatMap((t) => [...t.extensions, t.contentType]).join(",");
}

/** The limit as the service's setting states it (decimal: 50 000 000 bytes is "50 MB"). */
function megabytes(bytes: number): string {
  return `${Math.round(bytes / 1e6)} MB`;
}

/** "PDF, Word, PowerPoint, ... or images (PNG, JPEG, TIFF, WebP, GIF, BMP, AVIF: their text is
 * read by OCR), up to 50 MB each", from the service's list. */
export function acceptedText(known: UploadLimits): string {
  const documents = known.types.filter((t) => !t.ocr).map((t) => t.label);
  const images = known.types.filter((t) => t.ocr).map((t) => t.label);
  const kinds = images.length
    ? `${documents.join(", ")}, or images (${images.join(", ")}: their text is read by OCR)`
    : documents.join(", ");
  return `${kinds}, up to ${megabytes(known.maxBytes)} each.`;
}

/** Why `file` cannot be uploaded before a byte is sent, or null: over the size limit, or empty. */
export function refusedBeforeUpload(file: File, known: UploadLimits): string | null {
  if (file.size > known.maxBytes) {
    return `${file.name} is larger than the ${megabytes(known.maxBytes)} limit.`;
  }
  if (file.size === 0) return `${file.name} is empty.`;
  return null;
}

/** Makes an older version of a document its current one again (its owner or an admin). */
export function restoreVersion(id: string): Promise<FileView> {
  return files.post("/api/files/{file_id}/restore", { path: { file_id: id } });
}

export type SourcePassages = components["schemas"]["SourcePassages"];

export function getFile(id: string): Promise<FileView> {
  return files.get("/api/files/{file_id}", { path: { file_id: id } });
}

/** The file's extracted text at a citation's location (`page 2`, `slide 3`, `Sheet!A2:F9`). */
export function passagesAt(id: string, at: string | null): Promise<SourcePassages> {
  return files.get("/api/files/{file_id}/passages", {
    path: { file_id: id },
    query: at ? { at } : {},
  });
}

const CONTENT = "/api/files/{file_id}/content" satisfies PathWith<paths, "get">;

/** Types a browser shows without running anything of the file (the service serves only these
 * inline; see services/files/engageiq_files/reading/inline.py). */
const INLINE_TYPES = new Set([
  "application/pdf",
  "image/png",
  "image/jpeg",
  "image/webp",
  "image/gif",
  "image/bmp",
  "image/avif",
]);

export function showsInline(contentType: string): boolean {
  return INLINE_TYPES.has(contentType.split(";")[0]!.trim().toLowerCase());
}

/** The file's bytes as a Blob of its (inline-safe) type: fetched with the token, so the
 * browser's viewer can show it from a blob: URL. Never called for other types, so no blob of
 * ours ever holds HTML or SVG that would run as the app. */
export async function inlineContent(id: string, contentType: string): Promise<Blob> {
  if (!showsInline(contentType)) throw new Error(`not shown inline: ${contentType}`);
  const response = await request(pathFor(CONTENT, { file_id: id }));
  return new Blob([await response.arrayBuffer()], { type: contentType });
}

export function deleteFile(id: string) {
  return files.delete("/api/files/{file_id}", { path: { file_id: id } });
}

// Stewardship (decision 0111): the file's owner or a tenant admin verifies it until a review
// date, withdraws that, and changes its collections; admins also change its owner.

/** Verifies the file until the end of `reviewBy` (`YYYY-MM-DD`, UTC); a past day expires it. */
export function verifyFile(id: string, reviewBy: string): Promise<FileView> {
  return files.post("/api/files/{file_id}/verify", {
    path: { file_id: id },
    json: { reviewBy },
  });
}

/** Withdraws the verification: the file is unverified again. */
export function withdrawVerification(id: string): Promise<FileView> {
  return files.delete("/api/files/{file_id}/verify", { path: { file_id: id } });
}

export function changeFile(
  id: string,
  change: components["schemas"]["FilePatch"],
): Promise<FileView> {
  return files.patch("/api/files/{file_id}", { path: { file_id: id }, json: change });
}

export type TenantUser = { userId: string; email: string };

/** The tenant's users, to name owners and pick a new one (tenant admins only). */
export async function tenantUsers(): Promise<TenantUser[]> {
  return (await chat.get("/api/tenant/users")).users;
}

export type IssueStatus = "open" | "resolved";

/** A content issue: a thumbs-down with a reason on an answer, sent to the owners of the files
 * it cited (narrower than the document, where `status` is a plain string). */
export interface ContentIssue extends Omit<ChatApi["schemas"]["ContentIssue"], "status"> {
  status: IssueStatus;
}

export async function contentIssues(status: IssueStatus): Promise<ContentIssue[]> {
  const answer = await chat.get("/api/content-issues", { query: { status } });
  return answer.issues as ContentIssue[];
}

export async function resolveIssue(id: string, note: string): Promise<ContentIssue> {
  const resolved = await chat.post("/api/content-issues/{issue_id}/resolve", {
    path: { issue_id: id },
    json: { note },
  });
  return resolved as ContentIssue;
}

const STREAMED_UPLOAD = "/api/upload-file" satisfies PathWith<paths, "post">;

export const DIRECT_UPLOAD_BYTES = 10 * 1024 * 1024;

function xhrPost(
  url: string,
  form: FormData,
  onProgress: (fraction: number) => void,
  token?: string,
): Promise<XMLHttpRequest> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => resolve(xhr);
    xhr.onerror = () => reject(new ApiError(0, "network_error", "The upload was interrupted."));
    xhr.onabort = () => reject(new ApiError(0, "aborted", "The upload was cancelled."));
    xhr.send(form);
  });
}

function errorOf(xhr: XMLHttpRequest): ApiError {
  try {
    const body = JSON.parse(xhr.responseText) as {
      code: string;
      message: string;
      requestId?: string;
    };
    return new ApiError(xhr.status, body.code, body.message, body.requestId ?? null);
  } catch {
    const code =
      xhr.status >= 502 && xhr.status <= 504 ? "service_unavailable" : `http_${xhr.status}`;
    return new ApiError(xhr.status, code, "The upload was refused.");
  }
}

/** Where an upload goes: into collections (none: into no collection), or as a new version
 * of the document of file `replaces` (which keeps that document's collections). */
export interface UploadTarget {
  collectionIds: readonly string[];
  replaces?: string;
}

async function streamed(
  file: File,
  target: UploadTarget,
  onProgress: (fraction: number) => void,
): Promise<void> {
  const form = new FormData();
  form.append("file", file, file.name);
  // `collectionId` repeats, once per collection, which pathFor's query (one value a name)
  // does not write.
  const query = new URLSearchParams(target.collectionIds.map((id) => ["collectionId", id]));
  if (target.replaces) query.set("replaces", target.replaces);
  const search = query.toString();
  const url = apiBase() + pathFor(STREAMED_UPLOAD) + (search ? `?${search}` : "");
  let xhr = await xhrPost(url, form, onProgress, await bearer());
  if (xhr.status === 401 && (await refresh())) {
    onProgress(0);
    xhr = await xhrPost(url, form, onProgress, await bearer());
  }
  if (xhr.status < 200 || xhr.status >= 300) throw errorOf(xhr);
}

async function direct(
  file: File,
  target: UploadTarget,
  onProgress: (fraction: number) => void,
): Promise<void> {
  // The size goes with the request: one over the limit is refused before anything is
  // recorded, so no "waiting for the upload" row is ever left by it.
  const grant = await files.post("/api/files/uploads", {
    json: {
      name: file.name,
      size: file.size,
      ...(target.collectionIds.length ? { collectionIds: [...target.collectionIds] } : {}),
      ...(target.replaces ? { replaces: target.replaces } : {}),
    },
  });
  try {
    const form = new FormData();
    for (const [name, value] of Object.entries(grant.upload.fields)) form.append(name, value);
    form.append("file", file, file.name); // S3 requires the file to be the last field.
    const xhr = await xhrPost(grant.upload.url, form, onProgress);
    if (xhr.status < 200 || xhr.status >= 300) {
      throw new ApiError(
        xhr.status,
        "upload_rejected",
        "The storage service refused the upload (too large, or the link expired).",
      );
    }
  } catch (e) {
    // Nothing arrived: the record the grant made goes now rather than when it expires.
    await deleteFile(grant.id).catch(() => undefined);
    throw e;
  }
  // `complete` removes the record itself when it refuses the stored file.
  await files.post("/api/files/{file_id}/complete", { path: { file_id: grant.id } });
}

/** Uploads one file to `target`, reporting progress from 0 to 1; throws ApiError with a
 * sentence. Check `refusedBeforeUpload` first: a file over the limit is refused here too. */
export function uploadFile(
  file: File,
  target: UploadTarget,
  onProgress: (fraction: number) => void,
): Promise<void> {
  return file.size > DIRECT_UPLOAD_BYTES
    ? direct(file, target, onProgress)
    : streamed(file, target, onProgress);
}
