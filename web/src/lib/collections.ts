/** The tenant's collections the reader may see (GET /api/collections, by name): the chat's
 * scope picker, the files page and the admin page all list them. */
import { api } from "./api";
import type { Collection } from "./types";

export async function listCollections(): Promise<Collection[]> {
  const answer = await api<{ collections: Collection[] }>("/collections");
  return answer.collections;
}

/** Collection names by id, for showing the ids a file or a scope carries. */
export function namesById(collections: readonly Collection[]): Map<string, string> {
  return new Map(collections.map((c) => [c.id, c.name]));
}
