import type { StoreContext } from './context.js';
import { toIso, type Timestamp } from './time.js';

/** How a dashboard session was started. */
export type SessionKind = 'gitlab' | 'token' | 'local';

/** A dashboard sign-in, kept on the server; the browser holds only a random id. */
export interface Session {
  kind: SessionKind;
  userId?: number;
  username?: string;
  createdAt: string;
  expiresAt: string;
}

export interface SessionRepository {
  /** `idHash` is a hash of the cookie's value: the value itself is never stored. */
  createSession(idHash: string, session: Omit<Session, 'createdAt'>): void;
  /** The session, if it exists, has not expired and was not ended. */
  activeSession(idHash: string): Session | undefined;
  /** Ends one session (sign out); true when there was one. */
  endSession(idHash: string): boolean;
  /** Ends every session; returns how many were active. */
  endAllSessions(): number;
  listActiveSessions(): Session[];
  /** A GitLab sign-in under way: its PKCE verifier, by a hash of its `state`. */
  saveSignInAttempt(stateHash: string, verifier: string): void;
  /** The verifier, once: the attempt is removed; undefined when missing or older than `since`. */
  takeSignInAttempt(stateHash: string, since: Timestamp): string | undefined;
}

interface SessionRow {
  kind: SessionKind;
  user_id: number | null;
  username: string | null;
  created_at: string;
  expires_at: string;
}

function toSession(row: SessionRow): Session {
  return {
    kind: row.kind,
    ...(row.user_id !== null ? { userId: row.user_id } : {}),
    ...(row.username !== null ? { username: row.username } : {}),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

export function createSessionRepository({ db, now }: StoreContext): SessionRepository {
  const insert = db.prepare(
    `INSERT INTO sessions (id_hash, kind, user_id, username, created_at, expires_at)
     VALUES (@idHash, @kind, @userId, @username, @createdAt, @expiresAt)`,
  );
  const active = db.prepare<[string, string], SessionRow>(
    'SELECT * FROM sessions WHERE id_hash = ? AND ended_at IS NULL AND expires_at > ?',
  );
  const end = db.prepare<[string, string, string]>(
    'UPDATE sessions SET ended_at = ? WHERE id_hash = ? AND ended_at IS NULL AND expires_at > ?',
  );
  const endAll = db.prepare<[string, string]>(
    'UPDATE sessions SET ended_at = ? WHERE ended_at IS NULL AND expires_at > ?',
  );
  const listActive = db.prepare<[string], SessionRow>(
    'SELECT * FROM sessions WHERE ended_at IS NULL AND expires_at > ? ORDER BY created_at',
  );
  // Sessions over a day past their end are of no use to anyone.
  const prune = db.prepare<[string, string]>(
    'DELETE FROM sessions WHERE expires_at < ? OR (ended_at IS NOT NULL AND ended_at < ?)',
  );
  const saveAttempt = db.prepare<[string, string, string]>(
    'INSERT OR REPLACE INTO sign_in_attempts (state_hash, verifier, created_at) VALUES (?, ?, ?)',
  );
  const takeAttempt = db.prepare<[string], { verifier: string; created_at: string }>(
    'DELETE FROM sign_in_attempts WHERE state_hash = ? RETURNING verifier, created_at',
  );
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
    activeSession(idHash) {
      const row = active.get(idHash, toIso(now()));
      return row ? toSession(row) : undefined;
    },
    endSession(idHash) {
      const at = toIso(now());
      return end.run(at, idHash, at).changes > 0;
    },
    endAllSessions() {
      const at = toIso(now());
      return endAll.run(at, at).changes;
    },
    listActiveSessions() {
      return listActive.all(toIso(now())).map(toSession);
    },
    saveSignInAttempt(stateHash, verifier) {
      pruneAttempts.run(dayAgo());
      saveAttempt.run(stateHash, verifier, toIso(now()));
    },
    takeSignInAttempt(stateHash, since) {
      const row = takeAttempt.get(stateHash);
      return row && row.created_at >= toIso(since) ? row.verifier : undefined;
    },
  };
}
