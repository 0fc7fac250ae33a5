import { GitlabStoppedError, GitlabUnreachableError } from '../errors.js';
import type { Pause } from '../gitlab/pauses.js';
import { GITLAB_PAUSES_KEY, type MetaRepository } from '../store/index.js';

/** Something that went wrong in a cycle, and where; the cycle goes on with the rest. */
export interface Problem {
  where: string;
  message: string;
}

/**
 * Whether the rest of the cycle would fail the same way: GitLab cannot be
 * reached at all, or the bot is stopping. A 500 or a pause on one kind of
 * request delays only what it touches.
 */
export function endsTheCycle(error: unknown): boolean {
  return error instanceof GitlabUnreachableError || error instanceof GitlabStoppedError;
}

interface StoredPauses {
  /** The GitLab that asked: a pause never outlives a change of GITLAB_URL. */
  url: string;
  pauses: Pause[];
}

/**
 * GitLab's requests to wait, kept in the store so a restart honours them too,
 * but only for the same GitLab: a pause stored by a run against a wrong URL
 * does not hold back the corrected one.
 */
export function storedPauses(
  store: { readonly meta: Pick<MetaRepository, 'getMeta' | 'setMeta'> },
  gitlabUrl: string,
  now: () => number,
): { initial: Pause[]; onChange: (pauses: Pause[]) => void } {
  let initial: Pause[] = [];
  try {
    const stored = JSON.parse(
      store.meta.getMeta(GITLAB_PAUSES_KEY) ?? 'null',
    ) as StoredPauses | null;
    if (stored?.url === gitlabUrl && Array.isArray(stored.pauses)) {
      initial = stored.pauses.filter((p) => typeof p.until === 'number' && p.until > now());
    }
  } catch {
    // an unreadable row holds nothing back
  }
  return {
    initial,
    onChange(pauses) {
      try {
        store.meta.setMeta(GITLAB_PAUSES_KEY, JSON.stringify({ url: gitlabUrl, pauses }));
      } catch {
        // A store that cannot be written keeps the pause in memory only;
        // the cycle reports the store's failure itself.
      }
    },
  };
}
