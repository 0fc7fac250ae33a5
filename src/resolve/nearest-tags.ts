/**
 * The existing tags most like the missing one: same prefix first (1.5 →
 * 1.5.1), then by edit distance. At most `limit`, most alike first.
 */
export function nearestTags(missing: string, tags: string[], limit = 5): string[] {
  const scored = tags.map((tag) => ({
    tag,
    prefix: tag.startsWith(missing) || missing.startsWith(tag) ? 0 : 1,
    distance: editDistance(missing, tag),
  }));
  scored.sort(
    (x, y) => x.prefix - y.prefix || x.distance - y.distance || x.tag.localeCompare(y.tag),
  );
  return scored.slice(0, limit).map((s) => s.tag);
}

function editDistance(a: string, b: string): number {
  // Tags are short; cap the work anyway.
  const s = a.slice(0, 128);
  const t = b.slice(0, 128);
  let previous = Array.from({ length: t.length + 1 }, (_, i) => i);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[t.length] as number;
}
