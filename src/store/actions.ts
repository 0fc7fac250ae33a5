import * as z from 'zod';
import type { StoreContext } from './context.js';
import { fromJson, toJson } from './json.js';
import { toIso, type Timestamp } from './time.js';

/** One audit row: an offer, an approval attempt, an API write, a retry, an outcome. */
export interface Action {
  id: number;
  incidentId: number | null;
  /** What happened, e.g. `offer`, `approval`, `api-write`, `retry`, `outcome`. */
  kind: string;
  /** The GitLab username behind it, or null for the bot itself. */
  actor: string | null;
  /** How it went, e.g. `ok`, `denied`, `failed`, or an HTTP status. */
  status: string;
  detail: Record<string, unknown>;
  createdAt: string;
}

export interface ActionInput {
  incidentId?: number | null;
  kind: string;
  actor?: string | null;
  status: string;
  /** Stored as JSON; anything that looks like a GitLab token is masked. */
  detail?: Readonly<Record<string, unknown>>;
  /** Defaults to now. */
  at?: Timestamp;
}

export interface ActionRepository {
  recordAction(input: ActionInput): Action;
  /** Oldest first, as an audit trail reads. */
  listActions(incidentId: number): Action[];
  /** Actions of no incident (writes kept after theirs was pruned), oldest first. */
  listDetachedActions(): Action[];
}

interface ActionRow {
  id: number;
  incident_id: number | null;
  kind: string;
  actor: string | null;
  status: string;
  detail: string;
  created_at: string;
}

const Detail = z.record(z.string(), z.unknown());

export function createActionRepository({ db, now, path }: StoreContext): ActionRepository {
  const insert = db.prepare<Omit<ActionRow, 'id'>, ActionRow>(
    `INSERT INTO actions (incident_id, kind, actor, status, detail, created_at)
     VALUES (@incident_id, @kind, @actor, @status, @detail, @created_at)
     RETURNING *`,
  );
  const byIncident = db.prepare<[number], ActionRow>(
    'SELECT * FROM actions WHERE incident_id = ? ORDER BY id',
  );
  const detached = db.prepare<[], ActionRow>(
    'SELECT * FROM actions WHERE incident_id IS NULL ORDER BY id',
  );

  function toAction(row: ActionRow): Action {
    return {
      id: row.id,
      incidentId: row.incident_id,
      kind: row.kind,
      actor: row.actor,
      status: row.status,
      detail: fromJson(Detail, row.detail, `action ${row.id} detail`, path),
      createdAt: row.created_at,
    };
  }

  return {
    recordAction(input) {
      const row = insert.get({
        incident_id: input.incidentId ?? null,
        kind: input.kind,
        actor: input.actor ?? null,
        status: input.status,
        detail: toJson(input.detail ?? {}),
        created_at: toIso(input.at ?? now()),
      });
      if (row === undefined) {
        throw new Error('INSERT ... RETURNING gave no row');
      }
      return toAction(row);
    },
    listActions(incidentId) {
      return byIncident.all(incidentId).map(toAction);
    },
    listDetachedActions() {
      return detached.all().map(toAction);
    },
  };
}
