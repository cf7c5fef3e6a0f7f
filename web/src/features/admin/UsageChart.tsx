/** Tokens per day as an SVG bar chart (no chart library: one series of bars), with the same
 * figures in a table for screen readers. Every day of the month has its slot, so one busy day
 * is one narrow bar, not the whole chart. */
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
  const max = Math.max(1, ...daily.map((d) => d.tokens));
  const bar = width / days.length;
  return (
    <figure class="usage-chart">
      <svg
        viewBox={`0 0 ${width} ${height + 20}`}
        role="img"
        aria-labelledby="usage-chart-caption"
        preserveAspectRatio="none"
      >
        {days.map((date, i) => {
          const tokens = tokensOn.get(date) ?? 0;
          const h = (tokens / max) * height;
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
      <figcaption id="usage-chart-caption">
        Tokens per day this month (highest: {max.toLocaleString()})
      </figcaption>
      {/* A table keeps its content's width whatever its own width says, so it is hidden inside
          a block: on the table itself, `visually-hidden` would still widen a phone's page. */}
      <div class="visually-hidden">
        <table>
          <caption>Tokens per day</caption>
          <tbody>
            {daily.map((d) => (
              <tr key={d.date}>
                <th scope="row">{d.date}</th>
                <td>{d.tokens}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
