import type { StoreContext } from './context.js';
import { toIso } from './time.js';

export type WriteOp = 'add' | 'remove';
/** What a write changes: an allowlist entry, or the permissions of one. */
export type WriteChange = 'allowlist' | 'policies';
export type WriteIntentState = 'pending' | 'done' | 'failed';

/**
 * An allowlist change (an entry, or its permissions) the bot set out to make for an approval. It is stored before any request
 * goes out and settled once the bot knows what GitLab holds, so a change is never lost between
 * GitLab applying it and the bot recording it.
 */
export interface WriteIntent {
  id: number;
  incidentId: number;
  op: WriteOp;
  change: WriteChange;
  entry: 'project' | 'group';
  targetId: number;
  targetPath: string;
  /** A: the project added or removed (0 for a permissions change, whose entry is named by path). */
  sourceId: number;
  sourcePath: string;
  /** The group added or removed, once known. */
  groupId: number | null;
  via: 'rest' | 'graphql' | null;
  approvedBy: string;
  /** Tries that ended without GitLab's answer (a try a crash cut short does not count). */
  unanswered: number;
  /** When the write request last went out; null while none did. */
  sentAt: string | null;
  state: WriteIntentState;
  createdAt: string;
  updatedAt: string;
}

export type WriteIntentInput = Pick<
  WriteIntent,
  | 'incidentId'
  | 'op'
  | 'change'
  | 'entry'
  | 'targetId'
  | 'targetPath'
  | 'sourceId'
  | 'sourcePath'
  | 'approvedBy'
>;

export interface WriteIntentRepository {
  /** Records a pending intent, before anything is asked of GitLab. */
  openIntent(input: WriteIntentInput): WriteIntent;
  /** Counts a try that GitLab left unanswered. */
  countUnanswered(id: number): void;
  /** Says the write request is about to go out, with what it changes. */
  markSent(id: number, write: { groupId?: number; via: 'rest' | 'graphql' }): void;
  settleIntent(id: number, state: Exclude<WriteIntentState, 'pending'>): void;
  getIntent(id: number): WriteIntent | undefined;
  /** Intents not settled yet, oldest first. */
  listPending(): WriteIntent[];
  /** The incident's unsettled intent, if any. */
  pendingFor(incidentId: number): WriteIntent | undefined;
}

interface IntentRow {
  id: number;
  incident_id: number;
  op: WriteOp;
  change: WriteChange;
  entry: 'project' | 'group';
  target_id: number;
  target_path: string;
  source_id: number;
  source_path: string;
  group_id: number | null;
  via: 'rest' | 'graphql' | null;
  approved_by: string;
  unanswered: number;
  sent_at: string | null;
  state: WriteIntentState;
  created_at: string;
  updated_at: string;
}

function toIntent(row: IntentRow): WriteIntent {
  return {
    id: row.id,
    incidentId: row.incident_id,
    op: row.op,
    change: row.change,
    entry: row.entry,
    targetId: row.target_id,
    targetPath: row.target_path,
    sourceId: row.source_id,
    sourcePath: row.source_path,
    groupId: row.group_id,
    via: row.via,
    approvedBy: row.approved_by,
    unanswered: row.unanswered,
    sentAt: row.sent_at,
    state: row.state,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function createWriteIntentRepository({ db, now }: StoreContext): WriteIntentRepository {
  const insert = db.prepare<Record<string, unknown>, IntentRow>(
    `INSERT INTO write_intents (incident_id, op, change, entry, target_id, target_path,
       source_id, source_path, approved_by, created_at, updated_at)
     VALUES (@incidentId, @op, @change, @entry, @targetId, @targetPath, @sourceId, @sourcePath,
       @approvedBy, @at, @at)
     RETURNING *`,
  );
  const addUnanswered = db.prepare<[string, number]>(
    'UPDATE write_intents SET unanswered = unanswered + 1, updated_at = ? WHERE id = ?',
  );
  const sent = db.prepare<{ id: number; groupId: number | null; via: string; at: string }>(
    `UPDATE write_intents SET sent_at = @at, group_id = coalesce(@groupId, group_id), via = @via,
       updated_at = @at WHERE id = @id`,
  );
  const settle = db.prepare<[string, string, number]>(
    `UPDATE write_intents SET state = ?, updated_at = ? WHERE id = ? AND state = 'pending'`,
  );
  const byId = db.prepare<[number], IntentRow>('SELECT * FROM write_intents WHERE id = ?');
  const pending = db.prepare<[], IntentRow>(
    `SELECT * FROM write_intents WHERE state = 'pending' ORDER BY id`,
  );
  const pendingOf = db.prepare<[number], IntentRow>(
    `SELECT * FROM write_intents WHERE state = 'pending' AND incident_id = ? ORDER BY id LIMIT 1`,
  );

  return {
    openIntent(input) {
      const row = insert.get({ ...input, at: toIso(now()) });
      if (row === undefined) throw new Error('INSERT ... RETURNING gave no row');
      return toIntent(row);
    },
    countUnanswered(id) {
      addUnanswered.run(toIso(now()), id);
    },
    markSent(id, write) {
      sent.run({ id, groupId: write.groupId ?? null, via: write.via, at: toIso(now()) });
    },
    settleIntent(id, state) {
      settle.run(state, toIso(now()), id);
    },
    getIntent(id) {
      const row = byId.get(id);
      return row ? toIntent(row) : undefined;
    },
    listPending() {
      return pending.all().map(toIntent);
    },
    pendingFor(incidentId) {
      const row = pendingOf.get(incidentId);
      return row ? toIntent(row) : undefined;
    },
  };
}
