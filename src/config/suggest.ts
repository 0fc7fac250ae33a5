function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function normalise(text: string): string {
  return text.toLowerCase().replace(/[_-]/g, '');
}

/** The candidate closest to `word` (ignoring case and `_`/`-`), if it is close enough to be a typo. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const target = normalise(word);
  const limit = Math.max(2, Math.floor(target.length / 4));
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of candidates) {
    const score = distance(target, normalise(candidate));
    if (score <= limit && (best === undefined || score < best.score)) {
      best = { candidate, score };
    }
  }
  return best?.candidate;
}
