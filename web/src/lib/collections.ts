/** The tenant's collections the reader may see (GET /api/collections, by name): the chat's
 * scope picker, the files page and the admin page all list them. */
import { apiClient } from "./api";
import type { paths } from "./api/files";
import type { Collection } from "./types";

const files = apiClient<paths>();

export async function listCollections(): Promise<Collection[]> {
  // The service names only the roles `Collection` narrows them to.
  return (await files.get("/api/collections")).collections as Collection[];
}

/** Collection names by id, for showing the ids a file or a scope carries. */
export function namesById(collections: readonly Collection[]): Map<string, string> {
  return new Map(collections.map((c) => [c.id, c.name]));
}
