export type { Action, ActionInput, ActionRepository } from './actions.js';
export type { AuditRepository } from './audit.js';
export type {
  AuditIssue,
  AuditIssueEvent,
  AuditIssueRepository,
  AuditIssueStatus,
} from './audit-issues.js';
export type { CursorRepository } from './cursors.js';
export type { Feedback, FeedbackInput, FeedbackRepository, RuleJudgement } from './feedback.js';
export { openDatabase, type OpenDatabaseOptions } from './db.js';
export { StoreError, isStoreFailure } from './errors.js';
export {
  Evidence,
  IncidentCheck,
  type Incident,
  type IncidentFilter,
  type IncidentInput,
  type IncidentPage,
  type IncidentSearch,
  type IncidentRepository,
  type IncidentStatus,
} from './incidents.js';
export type { LifecycleRepository, Transition } from './lifecycle.js';
export type { JobQueueRepository, NewQueuedJob, QueuedJob, QueueStatus } from './job-queue.js';
export { GITLAB_PAUSES_KEY, LAST_CYCLE_KEY, type LastCycle, type MetaRepository } from './meta.js';
export type { HeldBackTarget, Note, NoteInput, NoteRepository, NoteTargetKind } from './notes.js';
export type { Occurrence, OccurrenceInput, OccurrenceRepository } from './occurrences.js';
export type { PruneOptions, PruneResult, RetentionRepository } from './retention.js';
export type { Session, SessionKind, SessionRepository, SignInPurpose } from './sessions.js';
export { parseSince } from './since.js';
export {
  FIX_ACTION_KINDS,
  FIX_OUTCOME_KINDS,
  FIX_OUTCOME_STATUSES,
  FIX_WRITE_KIND,
  NOTE_ACTION_KINDS,
  median,
  summarizeTimings,
  type DailyCount,
  type FilterValues,
  type IncidentCount,
  type IncidentTiming,
  type MedianOf,
  type ProjectCount,
  type StatsRepository,
  type TimingSummary,
} from './stats.js';
export type { Store } from './store.js';
export type { Clock, Timestamp } from './time.js';
export type {
  WriteIntent,
  WriteIntentInput,
  WriteIntentRepository,
  WriteOp,
} from './write-intents.js';
