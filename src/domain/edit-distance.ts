/**
 * Levenshtein distance (insert, delete, substitute: 1 each), for "did you mean" lists: setting
 * names, image tags, project paths. Both texts are cut to 256 characters to bound the work.
 */
export function editDistance(a: string, b: string): number {
  const s = a.slice(0, 256);
  const t = b.slice(0, 256);
  let previous = Array.from({ length: t.length + 1 }, (_, i) => i);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (s[i - 1] === t[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[t.length] ?? 0;
}
