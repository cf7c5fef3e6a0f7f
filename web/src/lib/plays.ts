/** Plays (decision 0115): the tenant's shared prompt templates and the reader's own, as the
 * chat's picker and "My plays" and the admin page's Plays section use them, and the template
 * rules the service checks: `{name}` is a variable, `{{` and `}}` a brace. */
import { apiClient } from "./api";
import type { components, paths } from "./api/chat";
import { Store } from "./store";

type Schemas = components["schemas"];

const chat = apiClient<paths>();

/** A play's default scope (its ids are strings: the document leaves their type open). */
export interface PlayScope {
  collectionIds: string[];
}
export interface Play extends Omit<Schemas["Play"], "scope"> {
  scope?: PlayScope | null;
}
export type NewPlay = Schemas["NewPlay"];
export type PlayChange = Schemas["PlayChange"];
export type Intent = Schemas["Intent"];

/** The intents a play may ask for, in words (the router's names as the service sends them). */
export const INTENT_WORDS: Record<Intent, string> = {
  email_draft: "Draft an e-mail",
  objection_handling: "Handle an objection",
  call_prep: "Prepare a call",
  product_question: "Answer a product question",
  general: "General",
};

export const MAX_NAME_CHARS = 80;
export const MAX_TEMPLATE_CHARS = 4000;

/** The plays the reader sees, loaded once per page and refreshed after each change (the
 * composer's picker and the "My plays" dialog share it). */
export const plays = new Store<Play[]>([]);

export async function loadPlays(): Promise<Play[]> {
  const loaded = (await chat.get("/api/plays")).plays as Play[];
  plays.set(loaded);
  return loaded;
}

export async function createPlay(play: NewPlay): Promise<Play> {
  const made = (await chat.post("/api/plays", { json: play })) as Play;
  void loadPlays().catch(() => undefined);
  return made;
}

export async function changePlay(id: string, change: PlayChange): Promise<Play> {
  const saved = (await chat.patch("/api/plays/{play_id}", {
    path: { play_id: id },
    json: change,
  })) as Play;
  void loadPlays().catch(() => undefined);
  return saved;
}

export async function deletePlay(id: string): Promise<void> {
  await chat.delete("/api/plays/{play_id}", { path: { play_id: id } });
  void loadPlays().catch(() => undefined);
}

/** Counts one use of a play, after the question it filled in was sent: beside the chat turn,
 * never before it, and a failure to count never bothers the reader. */
export function countUse(id: string): void {
  void chat.post("/api/plays/{play_id}/used", { path: { play_id: id } }).catch(() => undefined);
}

const TOKEN = /\{\{|\}\}|\{([^{}]*)\}|[{}]/g;

/** `template` with each variable replaced by its value and `{{`/`}}` by one brace; a value
 * missing is left as the variable (the service's rules, engageiq_chat/plays/template.py). */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(TOKEN, (token: string, name: string | undefined): string => {
    if (token === "{{") return "{";
    if (token === "}}") return "}";
    if (name === undefined) return token;
    return values[name] ?? token;
  });
}
