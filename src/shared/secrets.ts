/**
 * Everything in a connection URL that must never print: the URL itself and its password,
 * both as written (percent-encoded, as it appears in other URLs) and decoded (as a log
 * or an error message may show it).
 */
export function secretsOfUrl(url: string): string[] {
  if (!url) return [];
  try {
    const raw = new URL(url).password;
    let decoded = raw;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      // A malformed escape: the raw form is all there is.
    }
    return [...new Set([url, raw, decoded].filter(Boolean))];
  } catch {
    return [url];
  }
}
