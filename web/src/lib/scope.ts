/** The files chosen on the Files page with "Ask about these files", handed to the chat: the
 * next new conversation starts scoped to them. Kept in sessionStorage so a reload between
 * the two pages keeps the choice. */
import { Store } from "./store";

export interface ChosenFiles {
  /** File ids with the names the files page showed (the chat lists them by name). */
  files: { id: string; name: string }[];
}

const KEY = "eiq.chosenFiles";

function stored(): ChosenFiles | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as ChosenFiles) : null;
  } catch {
    return null;
  }
}

export const chosenFiles = new Store<ChosenFiles | null>(stored());

export function chooseFiles(files: ChosenFiles | null): void {
  try {
    if (files) sessionStorage.setItem(KEY, JSON.stringify(files));
    else sessionStorage.removeItem(KEY);
  } catch {
    // Storage disabled: the choice lives until the page is reloaded.
  }
  chosenFiles.set(files);
}
