/** Host and port of a URL only, for messages: a URL may carry a password. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(unparsable URL)';
  }
}
