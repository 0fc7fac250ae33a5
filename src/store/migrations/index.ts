import { migration as initial } from './001-initial.js';
import { migration as incidentDiagnosis } from './002-incident-diagnosis.js';
import { migration as reportIndexes } from './003-report-indexes.js';
import { migration as auditAndSessions } from './004-audit-and-sessions.js';
import { migration as sessionActivity } from './005-session-activity.js';
import { migration as incidentLifecycle } from './006-incident-lifecycle.js';
import { migration as auditIssues } from './007-audit-issues.js';
import { migration as webhookDeliveries } from './008-webhook-deliveries.js';
import { migration as writeIntents } from './009-write-intents.js';
import { migration as feedback } from './010-feedback.js';
import { migration as writeIntentChange } from './011-write-intent-change.js';
import type { Migration } from './migration.js';

/** Every migration, oldest first. Append new ones; the last version is the code's schema. */
export const migrations: readonly Migration[] = [
  initial,
  incidentDiagnosis,
  reportIndexes,
  auditAndSessions,
  sessionActivity,
  incidentLifecycle,
  auditIssues,
  webhookDeliveries,
  writeIntents,
  feedback,
  writeIntentChange,
];
