/** Tokens per day as an SVG bar chart (no chart library: one series of bars), with the same
 * figures in a table for screen readers. */
export function UsageChart({ daily }: { daily: { date: string; tokens: number }[] }) {
  const width = 600;
  const height = 160;
  const max = Math.max(1, ...daily.map((d) => d.tokens));
  const bar = daily.length ? width / daily.length : width;
  return (
    <figure class="usage-chart">
      <svg viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-labelledby="usage-chart-caption" preserveAspectRatio="none">
        {daily.map((d, i) => {
          const h = (d.tokens / max) * height;
          return (
            <rect key={d.date} x={i * bar + 1} y={height - h} width={Math.max(1, bar - 2)} height={h} class="bar">
              <title>{`${d.date}: ${d.tokens.toLocaleString()} tokens`}</title>
            </rect>
          );
        })}
        <line x1={0} y1={height} x2={width} y2={height} class="axis" />
      </svg>
      <figcaption id="usage-chart-caption">Tokens per day this month (highest: {max.toLocaleString()})</figcaption>
      <table class="visually-hidden">
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
    </figure>
  );
}
