import { STATUS_ACTION } from '../../domain/lifecycle.js';
import type { StatusLine } from '../../render/status-line.js';
import type { Action } from '../../store/index.js';

/** What the note says about the incident's latest move, if the move is worth a line. */
export function statusLineOf(actions: readonly Action[]): StatusLine | undefined {
  const last = [...actions].reverse().find((a) => a.kind === STATUS_ACTION);
  if (!last) return undefined;
  const d = last.detail;
  const job = { jobName: String(d.jobName ?? 'a job'), jobUrl: String(d.jobUrl ?? '') };
  if (d.event === 'recurred') return { kind: 'recurred', at: last.createdAt, ...job };
  if (d.event === 'fixed-by-hand' && d.seen === 'retry-passed') {
    return { kind: 'passed-on-retry', at: last.createdAt, ...job };
  }
  return undefined;
}
