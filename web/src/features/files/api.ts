/** Uploads with real progress (XMLHttpRequest's upload events; fetch has none). Files up to
 * 10 MB use the streamed upload (POST /api/upload-file); larger ones go straight to S3 with
 * the presigned POST (POST /api/files/uploads, the POST to S3, then .../complete). */
import { api, bearer } from "../../lib/api";
import { apiBase } from "../../lib/config";
import { ApiError } from "../../lib/errors";
import type { DirectUpload } from "../../lib/types";
import { refresh } from "../../lib/session";

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

async function streamed(file: File, onProgress: (fraction: number) => void): Promise<void> {
  const form = new FormData();
  form.append("file", file, file.name);
  let xhr = await xhrPost(`${apiBase()}/upload-file`, form, onProgress, await bearer());
  if (xhr.status === 401 && (await refresh())) {
    onProgress(0);
    xhr = await xhrPost(`${apiBase()}/upload-file`, form, onProgress, await bearer());
  }
  if (xhr.status < 200 || xhr.status >= 300) throw errorOf(xhr);
}

async function direct(file: File, onProgress: (fraction: number) => void): Promise<void> {
  const grant = await api<DirectUpload>("/files/uploads", {
    method: "POST",
    json: { name: file.name },
  });
  if (file.size > grant.maxBytes) {
    throw new ApiError(
      413,
      "file_too_large",
      `This file is larger than the ${Math.round(grant.maxBytes / 1e6)} MB limit.`,
    );
  }
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
  await api<unknown>(`/files/${encodeURIComponent(grant.id)}/complete`, { method: "POST" });
}

/** Uploads one file, reporting progress from 0 to 1; throws ApiError with a sentence. */
export function uploadFile(file: File, onProgress: (fraction: number) => void): Promise<void> {
  return file.size > DIRECT_UPLOAD_BYTES ? direct(file, onProgress) : streamed(file, onProgress);
}
