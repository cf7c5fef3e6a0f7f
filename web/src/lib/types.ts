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

// Governed knowledge (decision 0111).

/** A file's trust: verified until the end of its `reviewBy` day (UTC), stale after it,
 * unverified if never verified or withdrawn. */
export type Freshness = FilesSchemas["Freshness"];

/** What a file, a search result or a citation says about its verification. */
export interface Verification {
  freshness?: Freshness;
  /** ISO timestamp of the last verification. */
  verifiedAt?: string | null;
  verifiedBy?: string | null;
  /** `YYYY-MM-DD`, the last day (UTC) the verification holds. */
  reviewBy?: string | null;
}

// Narrower than the document, where an audience's roles are plain strings.
export type AudienceRole = "member" | "tenant_admin";

/** Who a restricted collection admits: its users and the holders of its roles. */
export interface Audience {
  users: string[];
  roles: AudienceRole[];
}

/** GET /api/collections; no `audience`: open to the whole tenant. */
export interface Collection extends Omit<FilesSchemas["CollectionView"], "audience"> {
  audience?: Audience;
}

/** What a conversation's answers may draw on (POST /api/chat `scope`, a conversation's
 * `scope`); both lists empty: everything the reader may see. Narrower than the document,
 * which leaves the ids' type open. */
export interface Scope {
  collectionIds: string[];
  fileIds: string[];
}

/** A file (GET /api/files/{file_id}): the files feature lists them, chat opens a citation's.
 * `collectionIds`: the collections it is in that still exist and the reader may see; `owner`:
 * the user answering for it (the uploader until an admin reassigns it). */
export type FileView = OmittingDefaults<
  FilesSchemas["FileView"],
  "updatedAt" | "uploadedBy" | "chunkCount" | "awaitingUpload" | "versions"
>;
