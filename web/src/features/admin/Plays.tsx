/** The team's plays on /admin (decision 0115): publish a prompt template with `{variables}`
 * for every rep, edit or delete one, and see how often each was used. */
import { useEffect, useState } from "preact/hooks";
import { announce } from "../../components/Announcer";
import { ConfirmDialog, Dialog } from "../../components/Dialog";
import { EditDeleteButtons } from "../../components/EditDeleteButtons";
import { Notice } from "../../components/Notice";
import { PlayEditor, type PlayDraft } from "../../components/PlayEditor";
import { usePlayChanges } from "../../components/usePlayChanges";
import { listCollections } from "../../lib/collections";
import { asApiError } from "../../lib/errors";
import { createPlay, loadPlays, plays } from "../../lib/plays";
import { useStore } from "../../lib/store";
import type { Collection } from "../../lib/types";

function uses(count: number): string {
  return count === 1 ? "1 use" : `${count.toLocaleString()} uses`;
}

export function Plays() {
  const shared = useStore(plays).filter((p) => p.shared);
  const [collections, setCollections] = useState<Collection[]>([]);
  const { editing, setEditing, removing, setRemoving, problem, setProblem, save, remove } =
    usePlayChanges();

  const loadCollections = () =>
    listCollections()
      .then(setCollections)
      .catch(() => setCollections([]));

  useEffect(() => {
    loadPlays().catch((e) => setProblem(asApiError(e).sentence));
    void loadCollections();
  }, []);

  // A collection made a moment ago in the section above is offered as soon as the admin
  // comes to this one.
  const onFocusIn = (event: FocusEvent) => {
    const from = event.relatedTarget as Node | null;
    if (!from || !(event.currentTarget as HTMLElement).contains(from)) void loadCollections();
  };

  const publish = async (draft: PlayDraft) => {
    const made = await createPlay({ ...draft, shared: true });
    announce(`Play ${made.name} published.`);
  };

  return (
    <section class="card" aria-labelledby="plays-title" onFocusIn={onFocusIn}>
      <h2 id="plays-title">Plays</h2>
      <p class="hint">
        Prompt templates for the whole team. Reps type / in the chat to pick one, fill in its
        variables and send.
      </p>
      {problem && <Notice onDismiss={() => setProblem(null)}>{problem}</Notice>}
      {shared.length === 0 ? (
        <p class="hint">No plays published yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="plays-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Used</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shared.map((p) => (
                <tr key={p.id} data-testid="play-row">
                  <td data-label="Name">
                    <strong>{p.name}</strong>
                    <span class="hint play-template">{p.template}</span>
                  </td>
                  <td data-label="Used" data-testid="play-uses">
                    {uses(p.uses)}
                  </td>
                  <td class="collection-actions">
                    <EditDeleteButtons
                      name={p.name}
                      onEdit={() => setEditing(p)}
                      onDelete={() => setRemoving(p)}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3>Publish a play</h3>
      <PlayEditor
        prefix="new-play"
        initial={null}
        collections={collections}
        submitLabel="Publish play"
        onSubmit={publish}
      />
      {editing && (
        <Dialog title={`Edit ${editing.name}`} onClose={() => setEditing(null)}>
          <PlayEditor
            prefix="edit-play"
            initial={editing}
            collections={collections}
            submitLabel="Save"
            onSubmit={save}
            onCancel={() => setEditing(null)}
          />
        </Dialog>
      )}
      {removing && (
        <ConfirmDialog
          title="Delete play?"
          message={`“${removing.name}” will be deleted for everyone in your organisation.`}
          confirmLabel="Delete"
          onConfirm={() => void remove()}
          onCancel={() => setRemoving(null)}
        />
      )}
    </section>
  );
}
