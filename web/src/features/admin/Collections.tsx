/** The tenant's collections on /admin: create, rename (and describe), change the audience,
 * delete (its files are kept). An audience is the whole organisation, or named people and
 * roles; a file in a restricted collection is seen only by those every such collection of
 * it admits (decision 0111). */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { announce } from "../../components/Announcer";
import { ConfirmDialog, Dialog } from "../../components/Dialog";
import { EditDeleteButtons } from "../../components/EditDeleteButtons";
import { Notice } from "../../components/Notice";
import { listCollections } from "../../lib/collections";
import { asApiError } from "../../lib/errors";
import type { Audience, AudienceRole, Collection } from "../../lib/types";
import {
  changeCollection,
  createCollection,
  deleteCollection,
  listUsers,
  type CollectionChange,
  type TenantUser,
} from "./api";

const ROLE_WORDS: Record<AudienceRole, string> = {
  member: "Members",
  tenant_admin: "Administrators",
};

function audienceWords(audience: Audience | null | undefined, users: TenantUser[]): string {
  if (!audience) return "Everyone";
  const emails = audience.users.map(
    (id) => users.find((u) => u.userId === id)?.email ?? "a former user",
  );
  return [...audience.roles.map((r) => ROLE_WORDS[r]), ...emails].join(", ") || "Nobody";
}

/** The form for a new or an existing collection; `prefix` keeps its ids apart. */
function CollectionForm({
  prefix,
  initial,
  users,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  prefix: string;
  initial: Collection | null;
  users: TenantUser[];
  submitLabel: string;
  onSubmit: (change: CollectionChange) => Promise<void>;
  onCancel?: () => void;
}) {
  const [name, setName] = useState(initial?.name ?? "");
  const [description, setDescription] = useState(initial?.description ?? "");
  const [restricted, setRestricted] = useState(Boolean(initial?.audience));
  const [roles, setRoles] = useState(new Set<AudienceRole>(initial?.audience?.roles ?? []));
  const [members, setMembers] = useState(new Set<string>(initial?.audience?.users ?? []));
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    setProblem(null);
    const audience = restricted ? { users: [...members], roles: [...roles] } : null;
    try {
      await onSubmit({
        name: name.trim(),
        description: description.trim(),
        ...(initial || audience ? { audience } : {}),
      });
      if (!initial) {
        setName("");
        setDescription("");
        setRestricted(false);
        setRoles(new Set());
        setMembers(new Set());
      }
    } catch (e) {
      setProblem(asApiError(e).sentence);
    }
  };

  function toggle<T>(set: Set<T>, value: T, on: boolean): Set<T> {
    const next = new Set(set);
    if (on) next.add(value);
    else next.delete(value);
    return next;
  }

  return (
    <form class="collection-form" onSubmit={(e) => void submit(e)}>
      {problem && <Notice onDismiss={() => setProblem(null)}>{problem}</Notice>}
      <div class="field">
        <label for={`${prefix}-name`}>Name</label>
        <input
          id={`${prefix}-name`}
          value={name}
          required
          maxLength={80}
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for={`${prefix}-description`}>Description (optional)</label>
        <input
          id={`${prefix}-description`}
          value={description}
          maxLength={500}
          onInput={(e) => setDescription(e.currentTarget.value)}
        />
      </div>
      <fieldset>
        <legend>Who can see its files</legend>
        <label class="check">
          <input
            type="radio"
            name={`${prefix}-audience`}
            checked={!restricted}
            onChange={() => setRestricted(false)}
          />
          <span>Everyone in the organisation</span>
        </label>
        <label class="check">
          <input
            type="radio"
            name={`${prefix}-audience`}
            checked={restricted}
            onChange={() => setRestricted(true)}
          />
          <span>Only these roles and people</span>
        </label>
        {restricted && (
          <div class="audience-choices">
            {(Object.keys(ROLE_WORDS) as AudienceRole[]).map((role) => (
              <label key={role} class="check">
                <input
                  type="checkbox"
                  checked={roles.has(role)}
                  onChange={(e) => setRoles(toggle(roles, role, e.currentTarget.checked))}
                />
                <span>All {ROLE_WORDS[role].toLowerCase()}</span>
              </label>
            ))}
            {users.map((u) => (
              <label key={u.userId} class="check">
                <input
                  type="checkbox"
                  checked={members.has(u.userId)}
                  onChange={(e) => setMembers(toggle(members, u.userId, e.currentTarget.checked))}
                />
                <span>{u.email}</span>
              </label>
            ))}
            <p class="hint">Administrators always see every collection.</p>
          </div>
        )}
      </fieldset>
      <div class="dialog-actions">
        {onCancel && (
          <button type="button" class="secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" class="primary">
          {submitLabel}
        </button>
      </div>
    </form>
  );
}

export function Collections() {
  const [collections, setCollections] = useState<Collection[]>([]);
  const [users, setUsers] = useState<TenantUser[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [editing, setEditing] = useState<Collection | null>(null);
  const [removing, setRemoving] = useState<Collection | null>(null);

  const load = () =>
    listCollections()
      .then(setCollections)
      .catch((e) => setProblem(asApiError(e).sentence));

  useEffect(() => {
    void load();
    listUsers()
      .then((r) => setUsers(r.users))
      .catch(() => setUsers([]));
  }, []);

  const create = async (change: CollectionChange) => {
    const made = await createCollection(change);
    announce(`Collection ${made.name} created.`);
    void load();
  };

  const save = async (change: CollectionChange) => {
    if (!editing) return;
    const saved = await changeCollection(editing.id, change);
    setEditing(null);
    announce(`Collection ${saved.name} saved.`);
    void load();
  };

  const remove = async () => {
    const target = removing;
    setRemoving(null);
    if (!target) return;
    try {
      await deleteCollection(target.id);
      announce(`Collection ${target.name} deleted.`);
      void load();
    } catch (e) {
      setProblem(asApiError(e).sentence);
    }
  };

  return (
    <section class="card" aria-labelledby="collections-title">
      <h2 id="collections-title">Collections</h2>
      <p class="hint">
        Group files into collections; people choose them as the scope of a conversation, and a
        restricted collection hides its files from everyone outside its audience.
      </p>
      {problem && <Notice onDismiss={() => setProblem(null)}>{problem}</Notice>}
      {collections.length > 0 && (
        <div class="table-wrap">
          <table class="collections-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Who can see it</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {collections.map((c) => (
                <tr key={c.id} data-testid="collection-row">
                  <td data-label="Name">
                    <strong>{c.name}</strong>
                    {c.description && (
                      <span class="hint collection-description">{c.description}</span>
                    )}
                  </td>
                  <td data-label="Audience">{audienceWords(c.audience, users)}</td>
                  <td class="collection-actions">
                    <EditDeleteButtons
                      name={c.name}
                      onEdit={() => setEditing(c)}
                      onDelete={() => setRemoving(c)}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3>New collection</h3>
      <CollectionForm
        prefix="new-collection"
        initial={null}
        users={users}
        submitLabel="Create collection"
        onSubmit={create}
      />
      {editing && (
        <Dialog title={`Edit ${editing.name}`} onClose={() => setEditing(null)}>
          <CollectionForm
            prefix="edit-collection"
            initial={editing}
            users={users}
            submitLabel="Save"
            onSubmit={save}
            onCancel={() => setEditing(null)}
          />
        </Dialog>
      )}
      {removing && (
        <ConfirmDialog
          title="Delete collection?"
          message={`“${removing.name}” will be deleted. Its files are kept, and no longer restricted by it.`}
          confirmLabel="Delete"
          onConfirm={() => void remove()}
          onCancel={() => setRemoving(null)}
        />
      )}
    </section>
  );
}
