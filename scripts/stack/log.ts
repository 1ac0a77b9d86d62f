/** The stack's own lines (one per step), apart from the apps' JSON logs. */
export function say(message: string): void {
  process.stdout.write(`stack: ${message}\n`);
}

export function complain(message: string): void {
  process.stderr.write(`stack: ${message}\n`);
}
