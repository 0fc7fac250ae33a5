import type BetterSqlite3 from 'better-sqlite3';
import { createActionRepository, type ActionRepository } from './actions.js';
import { createAuditIssueRepository, type AuditIssueRepository } from './audit-issues.js';
import { createAuditRepository, type AuditRepository } from './audit.js';
import type { StoreContext } from './context.js';
import { createCursorRepository, type CursorRepository } from './cursors.js';
import { createFeedbackRepository, type FeedbackRepository } from './feedback.js';
import { createIncidentRepository, type IncidentRepository } from './incidents.js';
import { createJobQueueRepository, type JobQueueRepository } from './job-queue.js';
import { createLifecycleRepository, type LifecycleRepository } from './lifecycle.js';
import { createMetaRepository, type MetaRepository } from './meta.js';
import { createNoteRepository, type NoteRepository } from './notes.js';
import { createOccurrenceRepository, type OccurrenceRepository } from './occurrences.js';
import { createRetentionRepository, type RetentionRepository } from './retention.js';
import { createSessionRepository, type SessionRepository } from './sessions.js';
import { createStatsRepository, type StatsRepository } from './stats.js';
import type { Clock } from './time.js';
import { createWriteIntentRepository, type WriteIntentRepository } from './write-intents.js';

/** The incident log: one SQLite database, seen through small repositories. */
export interface Store {
  /** The database file as given to openDatabase, or `:memory:`. */
  readonly path: string;
  readonly cursors: CursorRepository;
  readonly jobQueue: JobQueueRepository;
  readonly incidents: IncidentRepository;
  /** Status changes, each by an event of domain/lifecycle.ts and recorded in the trail. */
  readonly lifecycle: LifecycleRepository;
  readonly occurrences: OccurrenceRepository;
  readonly notes: NoteRepository;
  readonly actions: ActionRepository;
  readonly meta: MetaRepository;
  /** Counts and timings for the dashboard, /metrics and `incidents stats`. */
  readonly stats: StatsRepository;
  /** Removing old closed and fixed incidents (`incidents prune`). */
  readonly retention: RetentionRepository;
  /** The job token readiness audit's latest reports. */
  readonly audit: AuditRepository;
  /** The issues the audit opened in target projects, and what became of them. */
  readonly auditIssues: AuditIssueRepository;
  /** Dashboard sign-ins. */
  readonly sessions: SessionRepository;
  /** Allowlist writes set out on, settled once GitLab's state is known. */
  readonly writeIntents: WriteIntentRepository;
  /** People's judgements that a diagnosis was wrong, and the rules' precision as judged. */
  readonly feedback: FeedbackRepository;
  /**
   * Runs `fn` in one transaction: all its writes land, or none do. Nested calls become
   * savepoints. `fn` must be synchronous (better-sqlite3 refuses a promise).
   */
  transaction<T>(fn: () => T): T;
  /** Closes the database; the store must not be used afterwards. */
  close(): void;
}

export interface CreateStoreOptions {
  path: string;
  /** Defaults to the system clock. */
  now?: Clock;
}

/** Builds the repositories over an open, migrated database. */
export function createStore(db: BetterSqlite3.Database, options: CreateStoreOptions): Store {
  const context: StoreContext = {
    db,
    now: options.now ?? (() => new Date()),
    path: options.path,
  };
  return {
    path: options.path,
    cursors: createCursorRepository(context),
    jobQueue: createJobQueueRepository(context),
    incidents: createIncidentRepository(context),
    lifecycle: createLifecycleRepository(context),
    occurrences: createOccurrenceRepository(context),
    notes: createNoteRepository(context),
    actions: createActionRepository(context),
    meta: createMetaRepository(context),
    stats: createStatsRepository(context),
    retention: createRetentionRepository(context),
    audit: createAuditRepository(context),
    auditIssues: createAuditIssueRepository(context),
    sessions: createSessionRepository(context),
    writeIntents: createWriteIntentRepository(context),
    feedback: createFeedbackRepository(context),
    transaction(fn) {
      return db.transaction(fn)();
    },
    close() {
      db.close();
    },
  };
}
