import {
  nextStatus,
  STATUS_ACTION,
  type IncidentStatus,
  type LifecycleEvent,
} from '../domain/lifecycle.js';
import type { StoreContext } from './context.js';
import { toJson } from './json.js';
import { toIso, type Timestamp } from './time.js';

/** One status change, as recorded in the incident's trail. */
export interface Transition {
  incidentId: number;
  from: IncidentStatus;
  to: IncidentStatus;
  event: LifecycleEvent;
  at: string;
}

export interface LifecycleRepository {
  /**
   * Moves the incident by `event` (domain/lifecycle.ts) and records the change and `why`
   * in its trail, in one transaction. Undefined when there is no such incident or the
   * event does not apply in its status: nothing changes then.
   */
  moveIncident(
    id: number,
    event: LifecycleEvent,
    why?: Readonly<Record<string, unknown>>,
  ): Transition | undefined;
  /**
   * Incidents that have not ended for good (open, fixed, error) and were not reviewed
   * at or after `before`, the longest unreviewed first.
   */
  dueForReview(before: Timestamp, limit: number): number[];
  markReviewed(id: number): void;
}

interface StatusRow {
  status: IncidentStatus;
}

export function createLifecycleRepository({ db, now }: StoreContext): LifecycleRepository {
  const statusOf = db.prepare<[number], StatusRow>('SELECT status FROM incidents WHERE id = ?');
  const setStatus = db.prepare<[string, string, string, number]>(
    'UPDATE incidents SET status = ?, status_since = ?, updated_at = ? WHERE id = ?',
  );
  const record = db.prepare<[number, string, string, string]>(
    `INSERT INTO actions (incident_id, kind, status, detail, created_at)
     VALUES (?, '${STATUS_ACTION}', ?, ?, ?)`,
  );
  const due = db
    .prepare<[string, number], number>(
      `SELECT id FROM incidents
       WHERE status IN ('open', 'fixed', 'error') AND (reviewed_at IS NULL OR reviewed_at < ?)
       ORDER BY reviewed_at IS NOT NULL, reviewed_at, id
       LIMIT ?`,
    )
    .pluck();
  const reviewed = db.prepare<[string, number]>(
    'UPDATE incidents SET reviewed_at = ? WHERE id = ?',
  );

  const move = db.transaction(
    (id: number, event: LifecycleEvent, why: Readonly<Record<string, unknown>>) => {
      const row = statusOf.get(id);
      if (!row) return undefined;
      const to = nextStatus(row.status, event);
      if (to === undefined) return undefined;
      const at = toIso(now());
      setStatus.run(to, at, at, id);
      record.run(id, to, toJson({ ...why, from: row.status, event }), at);
      return { incidentId: id, from: row.status, to, event, at };
    },
  );

  return {
    moveIncident: (id, event, why = {}) => move(id, event, why),
    dueForReview: (before, limit) => due.all(toIso(before), limit),
    markReviewed(id) {
      reviewed.run(toIso(now()), id);
    },
  };
}
