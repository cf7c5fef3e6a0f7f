// The Edit and Delete buttons of a row in a list of named things (collections, plays): each
// button's accessible name says which row it acts on ("Edit Pricing"), for screen readers and
// for a row found by its buttons.
interface EditDeleteProps {
  /** The row's name as shown, e.g. a collection's or a play's. */
  name: string;
  onEdit: () => void;
  onDelete: () => void;
}

export function EditDeleteButtons({ name, onEdit, onDelete }: EditDeleteProps) {
  return (
    <>
      <button type="button" class="secondary small" aria-label={`Edit ${name}`} onClick={onEdit}>
        Edit
      </button>
      <button
        type="button"
        class="secondary small"
        aria-label={`Delete ${name}`}
        onClick={onDelete}
      >
        Delete
      </button>
    </>
  );
}
