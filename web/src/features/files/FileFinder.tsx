/** The files page's search box and order: the service searches every file's name (not just
 * the rows loaded) and sorts by date, name or status. */
import { useEffect, useState } from "preact/hooks";
import type { FileSort, SortOrder } from "./api";
import type { Listing } from "./useFileListing";

const ORDERS: { value: string; label: string; sort: FileSort; order: SortOrder }[] = [
  { value: "date-desc", label: "Newest first", sort: "date", order: "desc" },
  { value: "date-asc", label: "Oldest first", sort: "date", order: "asc" },
  { value: "name-asc", label: "Name, A to Z", sort: "name", order: "asc" },
  { value: "name-desc", label: "Name, Z to A", sort: "name", order: "desc" },
  { value: "status-asc", label: "Status, failed first", sort: "status", order: "asc" },
  { value: "status-desc", label: "Status, ready first", sort: "status", order: "desc" },
];

/** Typing waits this long for the next key before the service is asked. */
const TYPING_MS = 250;
/** What the service takes (`q`, decision 0116). */
const MAX_QUERY_CHARS = 200;

export function FileFinder({
  listing,
  onChange,
}: {
  listing: Listing;
  onChange: (listing: Listing) => void;
}) {
  const [text, setText] = useState(listing.q);

  useEffect(() => {
    if (text === listing.q) return;
    const timer = window.setTimeout(() => onChange({ ...listing, q: text }), TYPING_MS);
    return () => window.clearTimeout(timer);
  }, [text, listing, onChange]);

  return (
    <div class="file-finder" role="search">
      <label class="field">
        <span>Find files by name</span>
        <input
          type="search"
          value={text}
          maxLength={MAX_QUERY_CHARS}
          placeholder="e.g. pricing 2024"
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </label>
      <label class="field">
        <span>Sort by</span>
        <select
          value={`${listing.sort}-${listing.order}`}
          onChange={(e) => {
            const chosen = ORDERS.find((o) => o.value === e.currentTarget.value);
            if (chosen) onChange({ ...listing, sort: chosen.sort, order: chosen.order });
          }}
        >
          {ORDERS.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
