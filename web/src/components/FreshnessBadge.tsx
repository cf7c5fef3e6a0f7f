/** A file's trust in a few words: "Verified · review by 1 Mar", "Stale since 2 Mar",
 * "Unverified". The chat shows one per cited source, the files page one per file. A
 * verification holds to the end of its `reviewBy` day (UTC), so a file is stale from the day
 * after. */
import type { Freshness, Verification } from "../lib/types";

const DAY_MONTH = new Intl.DateTimeFormat(undefined, {
  day: "numeric",
  month: "short",
  timeZone: "UTC",
});
const DAY_MONTH_YEAR = new Intl.DateTimeFormat(undefined, {
  day: "numeric",
  month: "short",
  year: "numeric",
  timeZone: "UTC",
});
const FULL = new Intl.DateTimeFormat(undefined, { dateStyle: "long", timeZone: "UTC" });

/** A `YYYY-MM-DD` day as a UTC date, `days` later; null when it is not one. */
function day(text: string | null | undefined, days = 0): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text ?? "");
  if (!match) return null;
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + days));
}

/** "1 Mar" this year, "1 Mar 2027" in another (as the reader's locale writes them). */
function short(date: Date): string {
  const sameYear = date.getUTCFullYear() === new Date().getUTCFullYear();
  return (sameYear ? DAY_MONTH : DAY_MONTH_YEAR).format(date);
}

/** The badge's words; also the text a copied answer carries. */
export function freshnessWords(verification: Verification): string {
  const { freshness, reviewBy } = verification;
  if (freshness === "verified") {
    const until = day(reviewBy);
    return until ? `Verified · review by ${short(until)}` : "Verified";
  }
  if (freshness === "stale") {
    const since = day(reviewBy, 1);
    return since ? `Stale since ${short(since)}` : "Stale";
  }
  return "Unverified";
}

function explanation(verification: Verification): string {
  const until = day(verification.reviewBy);
  switch (verification.freshness) {
    case "verified":
      return until
        ? `Its owner verified it; it is due for review on ${FULL.format(until)}.`
        : "Its owner verified it.";
    case "stale":
      return until
        ? `Its review date, ${FULL.format(until)}, has passed: it may be out of date.`
        : "Its review date has passed: it may be out of date.";
    default:
      return "No owner has verified it.";
  }
}

/** Nothing when the service said nothing about freshness (a source from before decision
 * 0111): an old answer is not marked unverified by guesswork. */
export function FreshnessBadge({ verification }: { verification: Verification }) {
  const freshness: Freshness | undefined = verification.freshness;
  if (!freshness) return null;
  return (
    <span
      class={`freshness freshness-${freshness}`}
      data-freshness={freshness}
      title={explanation(verification)}
    >
      {freshnessWords(verification)}
    </span>
  );
}
