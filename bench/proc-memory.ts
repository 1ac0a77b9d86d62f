import { readFileSync } from 'node:fs';

/** Peak resident set size of a live process in MB (`VmHWM`, Linux), or undefined elsewhere. */
export function peakRssMb(pid: number): number | undefined {
  return statusField(pid, 'VmHWM');
}

/** Current resident set size in MB (`VmRSS`, Linux). */
export function rssMb(pid: number): number | undefined {
  return statusField(pid, 'VmRSS');
}

function statusField(pid: number, field: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]) / 1024;
}
