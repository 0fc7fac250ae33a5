import { editDistance } from '../domain/edit-distance.js';

function normalise(text: string): string {
  return text.toLowerCase().replace(/[_-]/g, '');
}

/** The candidate closest to `word` (ignoring case and `_`/`-`), if it is close enough to be a typo. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const target = normalise(word);
  const limit = Math.max(2, Math.floor(target.length / 4));
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of candidates) {
    const score = editDistance(target, normalise(candidate));
    if (score <= limit && (best === undefined || score < best.score)) {
      best = { candidate, score };
    }
  }
  return best?.candidate;
}
