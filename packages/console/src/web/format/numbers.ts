const grouped = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** 1234567 → "1,234,567" in the viewer's locale. */
export function formatCount(n: number): string {
  return grouped.format(n);
}

/** A duration for people: "0 s", "4.2 s", "3 min 05 s", "2 h 10 min". */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${oneDecimal.format(seconds)} s`;
  const whole = Math.floor(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  const hours = Math.floor(whole / 3600);
  return `${grouped.format(hours)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')} min`;
}
