import { GitlabPausedError } from '../errors.js';

/** GitLab asked the bot to wait before sending this kind of request again. */
export interface Pause {
  /** The endpoint class, e.g. `GET projects/*\/jobs` (see endpointClass). */
  endpoint: string;
  /** Epoch milliseconds. */
  until: number;
  /** The status that asked for it (429 or 503). */
  status: number;
}

export interface PauseBoardOptions {
  now: () => number;
  /** Waits this short are spent in place by the retry; only longer ones become pauses. */
  minPauseMs: number;
  /** A Retry-After beyond this is capped (a broken header must not silence the bot for days). */
  maxPauseMs?: number;
  /** Pauses kept from an earlier run. */
  initial?: readonly Pause[];
  /** Called with every pause still running after one is added (to keep them across restarts). */
  onChange?: (pauses: Pause[]) => void;
}

/**
 * Which requests GitLab asked the bot to hold back, and until when. A pause
 * covers one endpoint class only: a rate-limited job list leaves notes,
 * logs and approvals alone.
 */
export interface PauseBoard {
  /** @throws GitlabPausedError while `endpoint` is paused; no request should be sent. */
  check(endpoint: string): void;
  /** Records GitLab's answer: pauses `endpoint` when it asked for a wait longer than the retry's. */
  observe(endpoint: string, status: number, retryAfterMs: number | undefined): void;
  /** The pauses still running. */
  active(): Pause[];
}

export const DEFAULT_MAX_PAUSE_MS = 60 * 60_000;

export function createPauseBoard(options: PauseBoardOptions): PauseBoard {
  const maxPauseMs = options.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS;
  const pauses = new Map<string, Pause>();
  for (const pause of options.initial ?? []) pauses.set(pause.endpoint, pause);

  function active(): Pause[] {
    const now = options.now();
    for (const [endpoint, pause] of pauses) if (pause.until <= now) pauses.delete(endpoint);
    return [...pauses.values()];
  }

  return {
    check(endpoint) {
      const pause = pauses.get(endpoint);
      if (!pause) return;
      const left = pause.until - options.now();
      if (left <= 0) {
        pauses.delete(endpoint);
        return;
      }
      throw new GitlabPausedError(
        `GitLab asked the bot to wait (${pause.status}) before ${endpoint} again; ` +
          `held back until ${new Date(pause.until).toISOString()}`,
        pause.status,
        left,
      );
    },
    observe(endpoint, status, retryAfterMs) {
      if (status !== 429 && status !== 503) return;
      if (retryAfterMs === undefined || retryAfterMs <= options.minPauseMs) return;
      const until = options.now() + Math.min(retryAfterMs, maxPauseMs);
      pauses.set(endpoint, { endpoint, until, status });
      options.onChange?.(active());
    },
    active,
  };
}

// A path segment that names one thing rather than a kind of thing: a numeric
// id, a percent-encoded full path, or a commit SHA.
const ID_SEGMENT = /^(?:\d+|.*%[0-9a-f]{2}.*|(?=.*\d)[0-9a-f]{7,64})$/i;

/**
 * The class of a request for pausing: its method and its path relative to
 * `/api/v4/`, ids replaced by `*`. `GET projects/12/jobs/7/trace` and
 * `GET projects/13/jobs/8/trace` are one class.
 */
export function endpointClass(method: string, path: string): string {
  const bare = path.split('?', 1)[0]?.replace(/^\/+|\/+$/g, '') ?? '';
  const relative = bare.replace(/^(?:.*\/)?api\/v4\//, '');
  const segments = relative.split('/').map((s) => (ID_SEGMENT.test(s) ? '*' : s));
  return `${method.toUpperCase()} ${segments.join('/')}`;
}
