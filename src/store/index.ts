export type { Action, ActionInput, ActionRepository } from './actions.js';
export type { CursorRepository } from './cursors.js';
export { openDatabase, type OpenDatabaseOptions } from './db.js';
export { StoreError } from './errors.js';
export {
  Evidence,
  IncidentCheck,
  type Incident,
  type IncidentFilter,
  type IncidentInput,
  type IncidentRepository,
  type IncidentStatus,
} from './incidents.js';
export type { JobQueueRepository, NewQueuedJob, QueuedJob, QueueStatus } from './job-queue.js';
export type { MetaRepository } from './meta.js';
export type { Note, NoteInput, NoteRepository, NoteTargetKind } from './notes.js';
export type { Occurrence, OccurrenceInput, OccurrenceRepository } from './occurrences.js';
export type { Store } from './store.js';
export type { Clock, Timestamp } from './time.js';
