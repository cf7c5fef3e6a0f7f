/** The files page's rows: the service finds them by name and sorts them (so every file is
 * searched, not only the rows loaded), "Load more" appends the next page, and while files are
 * being processed the rows already shown are refreshed in place (the first page for new
 * arrivals, and the unsettled rows by id), never reset to the first page.
 *
 * A page asked for goes first: one page load at a time (a click while one loads adds nothing,
 * so a late answer never puts back an older cursor), a refresh in flight is stopped when
 * "Load more" is clicked and asked again after the page lands, and no refresh starts while a
 * page loads. A refresh of a batch in progress reads the tenant's whole catalog (decision
 * 0116), the service's dearest answer: side by side with it, the page the reader asked for
 * waited behind the page nobody asked for. */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { asApiError } from "../../lib/errors";
import {
  listFiles,
  refreshFiles,
  type FilePage,
  type FileSort,
  type FileView,
  type SortOrder,
} from "./api";

export const PAGE_SIZE = 50;
const POLL_MS = 1500;
/** Most rows the refresh asks for by id in one request (the service takes 100). */
const REFRESH_BATCH = 100;

export interface Listing {
  q: string;
  sort: FileSort;
  order: SortOrder;
}

export type Progress = NonNullable<FilePage["progress"]>;

/** A row still moving: uploaded and not yet ready or failed. */
export function unsettled(file: FileView): boolean {
  return (file.status === "pending" && !file.awaitingUpload) || file.status === "processing";
}

/** Whether `row` shows the document `fresh` now shows (the same file, or a version of it). */
function sameDocument(row: FileView, fresh: FileView): boolean {
  return (
    row.id === fresh.id ||
    (fresh.versions ?? []).some((v) => v.id === row.id) ||
    (row.versions ?? []).some((v) => v.id === fresh.id)
  );
}

/** `rows` with each of `fresh` in the place of the row showing its document; fresh rows no
 * row shows yet are put first when `arrivals` (new uploads, on the first page). */
export function merge(rows: FileView[], fresh: FileView[], arrivals: boolean): FileView[] {
  const placed = new Set<string>();
  const merged = rows.map((row) => {
    const update = fresh.find((f) => sameDocument(row, f));
    if (!update) return row;
    placed.add(update.id);
    return update;
  });
  // One row per document: a version that became current may now stand in two places.
  const seen = new Set<string>();
  const unique = merged.filter((row) => !seen.has(row.id) && seen.add(row.id));
  if (!arrivals) return unique;
  return [...fresh.filter((f) => !placed.has(f.id)), ...unique];
}

export function useFileListing(listing: Listing) {
  const [files, setFiles] = useState<FileView[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const current = useRef(listing);
  current.current = listing;
  const shown = useRef<FileView[]>([]);
  shown.current = files;
  // Answers to an earlier search that arrive late are dropped.
  const generation = useRef(0);
  const refreshing = useRef(false);
  const again = useRef(false);
  // The page load in flight (its promise never rejects), and the stop of the refresh's.
  const paging = useRef<Promise<void> | null>(null);
  const stopRefresh = useRef<AbortController | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  const query = (extra: { cursor?: string } = {}) => ({
    limit: PAGE_SIZE,
    q: current.current.q,
    sort: current.current.sort,
    order: current.current.order,
    ...extra,
  });

  /** The first page afresh (a new search or order). */
  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const page = await listFiles(query());
      if (mine !== generation.current) return;
      setFiles(page.files);
      setCursor(page.nextCursor ?? null);
      setProgress(page.progress ?? null);
      setLoaded(true);
    } catch (e) {
      if (mine === generation.current) setProblem(asApiError(e).sentence);
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [listing.q, listing.sort, listing.order, reload]);

  /** The page after the rows shown, appended; a click while one loads adds nothing. */
  const loadMore = async () => {
    if (!cursor || paging.current) return;
    const after = cursor;
    const mine = generation.current;
    // The reader's page first: the refresh in flight stops (and runs again after it).
    stopRefresh.current?.abort();
    setLoadingMore(true);
    const load = (async () => {
      try {
        const page = await listFiles(query({ cursor: after }));
        if (mine !== generation.current) return;
        setFiles((rows) => [
          ...merge(rows, page.files, false),
          ...page.files.filter((f) => !rows.some((row) => sameDocument(row, f))),
        ]);
        setCursor(page.nextCursor ?? null);
      } catch (e) {
        if (mine === generation.current) setProblem(asApiError(e).sentence);
      } finally {
        paging.current = null;
        setLoadingMore(false);
      }
    })();
    paging.current = load;
    await load;
  };

  /** The rows shown, refreshed in place: the first page (new uploads appear on it in the
   * date order; other orders place them where they belong only on a new search), then the
   * rows still moving, by id. The pages loaded stay loaded. */
  const refresh = useCallback(async (change = true) => {
    // One refresh at a time: a slow answer must not pile up the timer's next ones. A change
    // (an upload ending) during one asks for one more after it; the timer's tick does not.
    if (refreshing.current) {
      if (change) again.current = true;
      return;
    }
    // A page being loaded goes first. The timer's tick skips this turn (its next one comes
    // soon enough); a change waits for the page and then reads the rows shown. A tick that
    // waited would start the catalog's dearest read the moment each page lands, and the
    // reader's next "Load more" would wait behind it, page after page.
    if (paging.current && !change) return;
    refreshing.current = true;
    again.current = false;
    while (paging.current) await paging.current;
    const stop = new AbortController();
    stopRefresh.current = stop;
    const mine = generation.current;
    try {
      const first = await listFiles(query(), stop.signal);
      if (mine !== generation.current) return;
      const newest = current.current.sort === "date" && current.current.order === "desc";
      const onFirst = new Set(first.files.map((f) => f.id));
      const moving = shown.current.filter((f) => unsettled(f) && !onFirst.has(f.id));
      const fresh = [...first.files];
      for (let i = 0; i < moving.length; i += REFRESH_BATCH) {
        const ids = moving.slice(i, i + REFRESH_BATCH).map((f) => f.id);
        fresh.push(...(await refreshFiles(ids, stop.signal)).files);
      }
      if (mine !== generation.current || stop.signal.aborted) return;
      setFiles((rows) => merge(rows, fresh, newest && !current.current.q.trim()));
      setProgress(first.progress ?? null);
    } catch (e) {
      if (!stop.signal.aborted) setProblem(asApiError(e).sentence);
    } finally {
      stopRefresh.current = null;
      refreshing.current = false;
      // A change stopped for a page (an upload's arrival may be in it) is asked again after
      // that page; a tick's refresh is the timer's to run again.
      if (stop.signal.aborted && change) again.current = true;
      if (again.current) void refreshRef.current();
    }
  }, []);
  const refreshRef = useRef(refresh);

  // While a batch is processed, rows not loaded yet are moving too: keep asking for progress.
  const moving = files.some(unsettled) || progress !== null;
  useEffect(() => {
    if (!moving) return;
    // Every POLL_MS, or twice as long as the last refresh took: a large catalog answered
    // slowly is not asked again before it has caught its breath.
    let timer = 0;
    let stopped = false;
    const tick = async () => {
      const started = performance.now();
      await refresh(false);
      if (stopped) return;
      const wait = Math.max(POLL_MS, 2 * (performance.now() - started));
      timer = window.setTimeout(() => void tick(), wait);
    };
    timer = window.setTimeout(() => void tick(), POLL_MS);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [moving, refresh]);

  /** After an upload or a restore: the shown rows refreshed, new arrivals on top. */
  const changed = () => void refresh();

  const replace = (file: FileView) =>
    setFiles((rows) => rows.map((row) => (sameDocument(row, file) ? { ...row, ...file } : row)));
  const remove = (id: string) => setFiles((rows) => rows.filter((f) => f.id !== id));

  return {
    files,
    cursor,
    loaded,
    progress,
    problem,
    setProblem,
    loadMore,
    loadingMore,
    changed,
    replace,
    remove,
  };
}
