import type { StoreContext } from './context.js';
import { toIso, type Timestamp } from './time.js';

/** How a dashboard session was started. */
export type SessionKind = 'gitlab' | 'token' | 'local';

/** What a sign-in attempt is for: a GitLab sign-in, or a one-time local link. */
export type SignInPurpose = 'gitlab' | 'local';

/** A dashboard sign-in, kept on the server; the browser holds only a random id. */
export interface Session {
  kind: SessionKind;
  userId?: number;
  username?: string;
  createdAt: string;
  /** The latest request made with it. */
  lastSeenAt: string;
  /** When it ends however much it is used. */
  expiresAt: string;
}

export interface SessionRepository {
  /** `idHash` is a hash of the cookie's value: the value itself is never stored. */
  createSession(idHash: string, session: Omit<Session, 'createdAt' | 'lastSeenAt'>): void;
  /**
   * The session, if it exists, has not expired, was not ended, and (given `idleSince`) was
   * used after `idleSince`.
   */
  activeSession(idHash: string, idleSince?: Timestamp): Session | undefined;
  /** Records a request made with the session, which keeps it from going idle. */
  touchSession(idHash: string): void;
  /** Ends one session (sign out); true when there was one. */
  endSession(idHash: string): boolean;
  /** Ends every session; returns how many were active. */
  endAllSessions(): number;
  listActiveSessions(idleSince?: Timestamp): Session[];
  /** A sign-in under way, by a hash of its `state` (or link code); `data` is its PKCE verifier. */
  saveSignInAttempt(stateHash: string, data: string, purpose?: SignInPurpose): void;
  /**
   * The attempt's data, once: the attempt is removed; undefined when missing, made for
   * another purpose, or older than `since`.
   */
  takeSignInAttempt(
    stateHash: string,
    since: Timestamp,
    purpose?: SignInPurpose,
  ): string | undefined;
}

interface SessionRow {
  kind: SessionKind;
  user_id: number | null;
  username: string | null;
  created_at: string;
  last_seen_at: string | null;
  expires_at: string;
}

function toSession(row: SessionRow): Session {
  return {
    kind: row.kind,
    ...(row.user_id !== null ? { userId: row.user_id } : {}),
    ...(row.username !== null ? { username: row.username } : {}),
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at ?? row.created_at,
    expiresAt: row.expires_at,
  };
}

// The earliest possible time: with it the idle condition holds for every session.
const NEVER = '0000-01-01T00:00:00.000Z';
const LIVE = `ended_at IS NULL AND expires_at > @now AND COALESCE(last_seen_at, created_at) > @idleSince`;

export function createSessionRepository({ db, now }: StoreContext): SessionRepository {
  const insert = db.prepare(
    `INSERT INTO sessions (id_hash, kind, user_id, username, created_at, last_seen_at, expires_at)
     VALUES (@idHash, @kind, @userId, @username, @createdAt, @createdAt, @expiresAt)`,
  );
  const active = db.prepare<[{ idHash: string; now: string; idleSince: string }], SessionRow>(
    `SELECT * FROM sessions WHERE id_hash = @idHash AND ${LIVE}`,
  );
  const touch = db.prepare<[string, string]>(
    'UPDATE sessions SET last_seen_at = ? WHERE id_hash = ? AND ended_at IS NULL',
  );
  const end = db.prepare<[string, string, string]>(
    'UPDATE sessions SET ended_at = ? WHERE id_hash = ? AND ended_at IS NULL AND expires_at > ?',
  );
  const endAll = db.prepare<[string, string]>(
    'UPDATE sessions SET ended_at = ? WHERE ended_at IS NULL AND expires_at > ?',
  );
  const listActive = db.prepare<[{ now: string; idleSince: string }], SessionRow>(
    `SELECT * FROM sessions WHERE ${LIVE} ORDER BY created_at`,
  );
  // Sessions over a day past their end are of no use to anyone.
  const prune = db.prepare<[string, string]>(
    'DELETE FROM sessions WHERE expires_at < ? OR (ended_at IS NOT NULL AND ended_at < ?)',
  );
  const saveAttempt = db.prepare<[string, string, string, string]>(
    `INSERT OR REPLACE INTO sign_in_attempts (state_hash, verifier, purpose, created_at)
     VALUES (?, ?, ?, ?)`,
  );
  const takeAttempt = db.prepare<
    [string],
    { verifier: string; purpose: SignInPurpose; created_at: string }
  >('DELETE FROM sign_in_attempts WHERE state_hash = ? RETURNING verifier, purpose, created_at');
  const pruneAttempts = db.prepare<[string]>('DELETE FROM sign_in_attempts WHERE created_at < ?');

  const dayAgo = () => toIso(new Date(now().getTime() - 86_400_000));

  return {
    createSession(idHash, session) {
      prune.run(dayAgo(), dayAgo());
      insert.run({
        idHash,
        kind: session.kind,
        userId: session.userId ?? null,
        username: session.username ?? null,
        createdAt: toIso(now()),
        expiresAt: toIso(session.expiresAt),
      });
    },
    activeSession(idHash, idleSince) {
      const row = active.get({
        idHash,
        now: toIso(now()),
        idleSince: idleSince === undefined ? NEVER : toIso(idleSince),
      });
      return row ? toSession(row) : undefined;
    },
    touchSession(idHash) {
      touch.run(toIso(now()), idHash);
    },
    endSession(idHash) {
      const at = toIso(now());
      return end.run(at, idHash, at).changes > 0;
    },
    endAllSessions() {
      const at = toIso(now());
      return endAll.run(at, at).changes;
    },
    listActiveSessions(idleSince) {
      return listActive
        .all({ now: toIso(now()), idleSince: idleSince === undefined ? NEVER : toIso(idleSince) })
        .map(toSession);
    },
    saveSignInAttempt(stateHash, data, purpose = 'gitlab') {
      pruneAttempts.run(dayAgo());
      saveAttempt.run(stateHash, data, purpose, toIso(now()));
    },
    takeSignInAttempt(stateHash, since, purpose = 'gitlab') {
      const row = takeAttempt.get(stateHash);
      return row && row.purpose === purpose && row.created_at >= toIso(since)
        ? row.verifier
        : undefined;
    },
  };
}
