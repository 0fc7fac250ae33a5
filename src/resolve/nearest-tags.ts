import { editDistance } from '../domain/edit-distance.js';

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
