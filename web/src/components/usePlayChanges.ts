// Changing and deleting a play from a list of them: the admin's shared plays and a rep's own
// ("My plays") both offer Edit and Delete with the same dialogs and announcements.
import { useState } from "preact/hooks";
import { announce } from "./Announcer";
import type { PlayDraft } from "./PlayEditor";
import { asApiError } from "../lib/errors";
import { changePlay, deletePlay, type Play } from "../lib/plays";

export interface PlayChanges {
  /** The play whose edit dialog is open, or null. */
  editing: Play | null;
  setEditing: (play: Play | null) => void;
  /** The play whose delete confirmation is open, or null. */
  removing: Play | null;
  setRemoving: (play: Play | null) => void;
  /** A sentence for the list's notice (a refused delete, a failed load), or null. */
  problem: string | null;
  setProblem: (problem: string | null) => void;
  /** Saves `draft` over `editing` (an error propagates to the editor, which shows it). */
  save: (draft: PlayDraft) => Promise<void>;
  /** Deletes `removing`; a refusal becomes `problem`. */
  remove: () => Promise<void>;
}

export function usePlayChanges(): PlayChanges {
  const [editing, setEditing] = useState<Play | null>(null);
  const [removing, setRemoving] = useState<Play | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const save = async (draft: PlayDraft) => {
    if (!editing) return;
    const saved = await changePlay(editing.id, draft);
    setEditing(null);
    announce(`Play ${saved.name} saved.`);
  };

  const remove = async () => {
    const target = removing;
    setRemoving(null);
    if (!target) return;
    try {
      await deletePlay(target.id);
      announce(`Play ${target.name} deleted.`);
    } catch (e) {
      setProblem(asApiError(e).sentence);
    }
  };

  return { editing, setEditing, removing, setRemoving, problem, setProblem, save, remove };
}
