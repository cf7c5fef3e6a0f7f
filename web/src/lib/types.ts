/** Shapes of the API's JSON that several parts of the app share, taken from the generated
 * `./api/chat.ts` and `./api/files.ts` (openapi-typescript over the documents the services
 * serve; `scripts/web-api-types` regenerates them from a running `engageiq dev`). A feature's
 * own shapes are in its `api.ts`, next to its requests. */
import type { components as ChatApi } from "./api/chat";
import type { components as FilesApi } from "./api/files";

type ChatSchemas = ChatApi["schemas"];
type FilesSchemas = FilesApi["schemas"];

/** A schema as a msgspec Struct with `omit_defaults` sends it: the fields `K`, which have
 * defaults, are left out at their default value, which the generated type does not show. */
type OmittingDefaults<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

export type Me = ChatSchemas["Me"];
/** A tenant's branding (GET /api/tenant); the public one (GET /api/branding) fits it too. */
export type Branding = ChatSchemas["Branding"];

/** A file (GET /api/files/{file_id}): the files feature lists them, chat opens a citation's. */
export type FileView = OmittingDefaults<
  FilesSchemas["FileView"],
  "updatedAt" | "uploadedBy" | "chunkCount" | "awaitingUpload" | "versions"
>;
