interface Props {
  points: readonly { at: number; value: number }[];
  /** The time span drawn, ending at `now`: the chart scrolls left as samples arrive. */
  windowMs: number;
  now: number;
  /** What it shows, in words, for screen readers (the figure itself is decorative to them). */
  label: string;
  tone: 'backlog' | 'lag';
  size?: 'small' | 'large';
}

const WIDTH = 300;
const HEIGHT = 60;

/**
 * A line over the last minutes, scaled to its own largest value (at least 1), drawn as SVG from
 * the page's own samples: no chart library, nothing fetched. Styles come from classes (the CSP
 * allows no inline style).
 */
export function Sparkline({ points, windowMs, now, label, tone, size = 'small' }: Props) {
  const top = Math.max(1, ...points.map((p) => p.value));
  const x = (at: number) => WIDTH - ((now - at) / windowMs) * WIDTH;
  const y = (value: number) => HEIGHT - (value / top) * (HEIGHT - 4) - 2;
  const line = points.map((p) => `${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  return (
    <svg
      class={`sparkline sparkline-${size} tone-${tone}`}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={label}
    >
      <line class="baseline" x1="0" x2={WIDTH} y1={HEIGHT - 1} y2={HEIGHT - 1} />
      {points.length > 1 && <polyline class="trace" points={line} />}
      {points.length === 1 && points[0] !== undefined && (
        <circle class="dot" cx={x(points[0].at)} cy={y(points[0].value)} r="2" />
      )}
    </svg>
  );
}
