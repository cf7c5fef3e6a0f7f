/** Tokens per day as an SVG bar chart (no chart library: one series of bars) with its days
 * labelled under it, and the same figures in a table with the month's total. Every day of the
 * month has its slot, so one busy day is one narrow bar, not the whole chart. The days are UTC
 * days, like the month (the service's one period, engageiq_tenancy.usage_keys), and their sum
 * is the month's total the page shows above the chart. */

/** Days labelled under the chart: weekly from the 1st, so labels never crowd on a phone. */
const LABELLED_DAY = (day: number) => day % 7 === 1;

function monthName(year: number, month: number): string {
  return new Date(Date.UTC(year, month - 1, 1)).toLocaleDateString(undefined, {
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });
}

function dayName(date: string): string {
  return new Date(`${date}T00:00:00Z`).toLocaleDateString(undefined, {
    day: "numeric",
    month: "long",
    timeZone: "UTC",
  });
}

export function UsageChart({
  month,
  daily,
}: {
  month: string;
  daily: { date: string; tokens: number }[];
}) {
  const width = 600;
  const height = 160;
  const tokensOn = new Map(daily.map((d) => [d.date, d.tokens]));
  const year = Number(month.slice(0, 4));
  const monthNumber = Number(month.slice(5, 7));
  // Day 0 of the next month is the last day of this one (UTC, like the service's days).
  const daysInMonth = new Date(Date.UTC(year, monthNumber, 0)).getUTCDate() || 31;
  const days = Array.from(
    { length: daysInMonth },
    (_, i) => `${month}-${String(i + 1).padStart(2, "0")}`,
  );
  const total = daily.reduce((sum, d) => sum + d.tokens, 0);
  const busiest = daily.reduce<{ date: string; tokens: number } | null>(
    (best, d) => (best === null || d.tokens > best.tokens ? d : best),
    null,
  );
  // The bars' scale; a month without usage has no highest day (and the caption says so).
  const scale = Math.max(1, busiest?.tokens ?? 0);
  const bar = width / days.length;
  const name = monthName(year, monthNumber);
  return (
    <figure class="usage-chart">
      <svg
        viewBox={`0 0 ${width} ${height + 1}`}
        role="img"
        aria-labelledby="usage-chart-caption"
        preserveAspectRatio="none"
      >
        {days.map((date, i) => {
          const tokens = tokensOn.get(date) ?? 0;
          const h = (tokens / scale) * height;
          return (
            <rect
              key={date}
              x={i * bar + 1}
              y={height - h}
              width={Math.max(1, bar - 2)}
              height={h}
              class="bar"
            >
              <title>{`${date}: ${tokens.toLocaleString()} tokens`}</title>
            </rect>
          );
        })}
        <line x1={0} y1={height} x2={width} y2={height} class="axis" />
      </svg>
      {/* The day of the month under each bar; the table below says the same to screen readers. */}
      <ol class="usage-chart-days" aria-hidden="true" data-testid="usage-chart-days">
        {days.map((date, i) => (
          <li key={date}>{LABELLED_DAY(i + 1) ? i + 1 : ""}</li>
        ))}
      </ol>
      <figcaption id="usage-chart-caption">
        Tokens per day in {name} (UTC days).{" "}
        {busiest
          ? `Busiest day: ${dayName(busiest.date)}, ${busiest.tokens.toLocaleString()} of the ` +
            `month's ${total.toLocaleString()} tokens.`
          : "No tokens used yet this month."}
      </figcaption>
      <details class="usage-chart-figures">
        <summary>Tokens per day as a table</summary>
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Tokens per day in {name}</caption>
            <thead>
              <tr>
                <th scope="col">Day (UTC)</th>
                <th scope="col">Tokens</th>
              </tr>
            </thead>
            <tbody>
              {daily.map((d) => (
                <tr key={d.date}>
                  <th scope="row">{dayName(d.date)}</th>
                  <td>{d.tokens.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">Month</th>
                <td>{total.toLocaleString()}</td>
              </tr>
            </tfoot>
          </table>
        </div>
      </details>
    </figure>
  );
}
