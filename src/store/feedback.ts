import type { StoreContext } from './context.js';
import { toIso } from './time.js';

/** One person's judgement that an incident's diagnosis named the wrong cause. */
export interface Feedback {
  id: number;
  incidentId: number;
  /** The rule that made the diagnosis. */
  patternId: string;
  userId: number;
  username: string;
  via: 'reaction' | 'reply';
  /** `award:<id>` or `note:<id>`: the reaction or reply it was read from. */
  sourceKey: string;
  /** The stored note (notes.id) it was given on. */
  noteRef: number;
  /** When the person gave it (GitLab's time). */
  givenAt: string;
  recordedAt: string;
  /** When the reaction or reply was seen gone; null while it stands. */
  withdrawnAt: string | null;
}

export type FeedbackInput = Omit<Feedback, 'id' | 'recordedAt' | 'withdrawnAt'>;

/** Per rule: how many diagnoses it made and how many people judged wrong. */
export interface RuleJudgement {
  patternId: string;
  /** Incidents the rule diagnosed (kept ones: retention removes old fixed or closed ones). */
  diagnoses: number;
  /** The failed jobs of those incidents. */
  failedJobs: number;
  /** Incidents at least one person judged wrong. */
  judgedWrong: number;
  /** The people's judgements behind them (one per person and incident). */
  judgements: number;
  /** (diagnoses - judgedWrong) / diagnoses. */
  precision: number;
}

export interface FeedbackRepository {
  /**
   * Records a judgement, once per person and incident: a repeat changes nothing
   * (`repeat`); one given again after it was withdrawn stands again (`renewed`).
   */
  recordFeedback(input: FeedbackInput): 'recorded' | 'renewed' | 'repeat';
  /** Every judgement read from one stored note, withdrawn ones too. */
  listFeedbackOnNote(noteRef: number): Feedback[];
  listFeedbackForIncident(incidentId: number): Feedback[];
  /** Marks judgements withdrawn; returns how many stood until now. */
  withdrawFeedback(ids: readonly number[]): number;
  /** Whether the bot already answered under this key (it answers each once). */
  wasAnswered(key: string): boolean;
  markAnswered(key: string): void;
  /** Every rule with a diagnosis, the rules people judged wrong most first. */
  ruleJudgements(): RuleJudgement[];
}

interface FeedbackRow {
  id: number;
  incident_id: number;
  pattern_id: string;
  user_id: number;
  username: string;
  via: 'reaction' | 'reply';
  source_key: string;
  note_ref: number;
  given_at: string;
  recorded_at: string;
  withdrawn_at: string | null;
}

function toFeedback(row: FeedbackRow): Feedback {
  return {
    id: row.id,
    incidentId: row.incident_id,
    patternId: row.pattern_id,
    userId: row.user_id,
    username: row.username,
    via: row.via,
    sourceKey: row.source_key,
    noteRef: row.note_ref,
    givenAt: row.given_at,
    recordedAt: row.recorded_at,
    withdrawnAt: row.withdrawn_at,
  };
}

export function createFeedbackRepository({ db, now }: StoreContext): FeedbackRepository {
  const byPerson = db.prepare<[number, number], FeedbackRow>(
    'SELECT * FROM feedback WHERE incident_id = ? AND user_id = ?',
  );
  const insert = db.prepare<Omit<FeedbackRow, 'id' | 'withdrawn_at'>>(
    `INSERT INTO feedback (incident_id, pattern_id, user_id, username, via, source_key, note_ref,
       given_at, recorded_at)
     VALUES (@incident_id, @pattern_id, @user_id, @username, @via, @source_key, @note_ref,
       @given_at, @recorded_at)`,
  );
  const renew = db.prepare<
    Omit<FeedbackRow, 'incident_id' | 'pattern_id' | 'user_id' | 'withdrawn_at'>
  >(
    `UPDATE feedback SET username = @username, via = @via, source_key = @source_key,
       note_ref = @note_ref, given_at = @given_at, recorded_at = @recorded_at, withdrawn_at = NULL
     WHERE id = @id`,
  );
  const onNote = db.prepare<[number], FeedbackRow>(
    'SELECT * FROM feedback WHERE note_ref = ? ORDER BY id',
  );
  const forIncident = db.prepare<[number], FeedbackRow>(
    'SELECT * FROM feedback WHERE incident_id = ? ORDER BY id',
  );
  const withdraw = db.prepare<[string, string]>(
    `UPDATE feedback SET withdrawn_at = ?
     WHERE withdrawn_at IS NULL AND id IN (SELECT value FROM json_each(?))`,
  );
  const answered = db.prepare<[string], number>('SELECT 1 FROM feedback_answers WHERE key = ?');
  const answer = db.prepare<[string, string]>(
    'INSERT OR IGNORE INTO feedback_answers (key, answered_at) VALUES (?, ?)',
  );
  // A rule with feedback but no incident left (pruned) has nothing to measure against.
  const rules = db.prepare<[], Omit<RuleJudgement, 'precision'>>(
    `SELECT i.pattern_id AS patternId, count(*) AS diagnoses,
       coalesce(sum(i.occurrences), 0) AS failedJobs,
       count(f.incident_id) AS judgedWrong, coalesce(sum(f.people), 0) AS judgements
     FROM incidents i
     LEFT JOIN (SELECT incident_id, count(*) AS people FROM feedback
                WHERE withdrawn_at IS NULL GROUP BY incident_id) f
       ON f.incident_id = i.id
     GROUP BY i.pattern_id`,
  );

  return {
    recordFeedback(input) {
      const row = {
        username: input.username,
        via: input.via,
        source_key: input.sourceKey,
        note_ref: input.noteRef,
        given_at: toIso(input.givenAt),
        recorded_at: toIso(now()),
      };
      const existing = byPerson.get(input.incidentId, input.userId);
      if (!existing) {
        insert.run({
          ...row,
          incident_id: input.incidentId,
          pattern_id: input.patternId,
          user_id: input.userId,
        });
        return 'recorded';
      }
      if (existing.withdrawn_at === null) return 'repeat';
      renew.run({ ...row, id: existing.id });
      return 'renewed';
    },
    listFeedbackOnNote(noteRef) {
      return onNote.all(noteRef).map(toFeedback);
    },
    listFeedbackForIncident(incidentId) {
      return forIncident.all(incidentId).map(toFeedback);
    },
    withdrawFeedback(ids) {
      if (ids.length === 0) return 0;
      return withdraw.run(toIso(now()), JSON.stringify(ids)).changes;
    },
    wasAnswered(key) {
      return answered.get(key) !== undefined;
    },
    markAnswered(key) {
      answer.run(key, toIso(now()));
    },
    ruleJudgements() {
      return rules
        .all()
        .map((r) => ({ ...r, precision: (r.diagnoses - r.judgedWrong) / r.diagnoses }))
        .sort(
          (a, b) =>
            b.judgedWrong - a.judgedWrong ||
            a.precision - b.precision ||
            b.diagnoses - a.diagnoses ||
            a.patternId.localeCompare(b.patternId),
        );
    },
  };
}
