import { isNoteworthy, type Diagnosis } from '../../domain/diagnosis.js';
import { latestOffer, offerHash } from '../../fix/offer.js';
import { retryStateOf } from '../../fix/retry-offer.js';
import { ACTION, fixStateOf, lastFailureAt, revertsIn } from '../../fix/state.js';
import type { GitlabUser } from '../../gitlab/port.js';
import { renderNote, type NoteEntry } from '../../render/comment.js';
import type { Note as StoredNote, Store } from '../../store/index.js';
import type { PipelineDeps } from '../deps.js';
import { statusLineOf } from '../lifecycle/status-line.js';
import type { NoteTarget } from './target.js';
import { bodyHash, upsertNote, type HeldVersion, type PublishResult } from './upsert.js';

/** Every incident seen on this merge request or commit, with its failed jobs and fix state. */
export function noteEntries(store: Store, target: NoteTarget, bot: GitlabUser): NoteEntry[] {
  const occurrences = store.occurrences.listOccurrencesForTarget(
    target.projectId,
    target.mrIid !== undefined ? { mrIid: target.mrIid } : { sha: target.sha },
  );
  const byIncident = new Map<number, typeof occurrences>();
  for (const o of occurrences) {
    byIncident.set(o.incidentId, [...(byIncident.get(o.incidentId) ?? []), o]);
  }
  const entries: NoteEntry[] = [];
  for (const [incidentId, list] of byIncident) {
    const incident = store.incidents.getIncident(incidentId);
    const diagnosis = incident?.diagnosis as unknown as Diagnosis | null | undefined;
    if (!incident || !diagnosis || !isNoteworthy(diagnosis)) continue;
    const actions = store.actions.listActions(incidentId);
    const options = { botUsername: bot.username, reactions: target.kind === 'merge_request' };
    const fixState = fixStateOf(actions, diagnosis, {
      ...options,
      ...failureSeen(store, incidentId),
    });
    const retryState = retryStateOf(actions, diagnosis, options);
    const statusLine = statusLineOf(actions);
    entries.push({
      incidentId,
      diagnosis,
      jobs: list.map((o) => ({
        jobId: o.jobId,
        jobName: o.jobName,
        jobUrl: o.jobUrl,
        pipelineId: o.pipelineId,
        pipelineUrl: o.pipelineUrl,
      })),
      ...(fixState ? { fixState } : {}),
      ...(statusLine ? { statusLine } : {}),
      ...(retryState ? { retryState } : {}),
    });
  }
  // Several offers on one note: each names its incident, so one approval makes one change.
  if (entries.filter(isOffered).length > 1) {
    for (const e of entries) {
      if (e.fixState?.kind === 'offered') e.fixState = { ...e.fixState, choose: e.incidentId };
      if (e.retryState?.kind === 'offered') {
        e.retryState = { ...e.retryState, choose: e.incidentId };
      }
    }
  }
  return entries.sort((a, b) => a.incidentId - b.incidentId);
}

/**
 * Renders and posts (or edits) the one note of a target, and records in
 * each incident's trail that the note changed and, the first time, that the
 * one-click fix was offered.
 */
export async function publishNote(
  deps: PipelineDeps,
  target: NoteTarget,
  bot: GitlabUser,
): Promise<PublishResult | undefined> {
  const { gitlab, store } = deps;
  const entries = noteEntries(store, target, bot);
  if (entries.length === 0) return undefined;
  const body = renderNote(entries, {
    gitlabUrl: gitlab.baseUrl,
    secrets: deps.secrets,
    now: deps.now(),
    botUsername: bot.username,
  });
  const ids = entries.map((e) => e.incidentId);
  const where = { target: `${target.kind}:${target.key}` };
  const newOffers = offersToRecord(store, entries, where.target);
  const hash = bodyHash(body);
  // What this version offers is recorded before GitLab is asked: after a crash or a lost answer,
  // GitLab's version is recognised by its body and keeps the time GitLab showed it.
  store.transaction(() => {
    for (const [incidentId, offer] of newOffers) {
      store.actions.recordAction({
        incidentId,
        kind: ACTION.offerPending,
        status: 'ok',
        detail: { ...where, offer, bodyHash: hash },
      });
    }
  });
  const offered = (incidentId: number, offer: string, at: string, noteId: number, url: string) =>
    store.actions.recordAction({
      incidentId,
      kind: ACTION.offered,
      status: 'ok',
      detail: { url, ...where, noteId, offer, offeredAt: at },
    });
  // A version GitLab already shows with this very offer (written by the bot before a crash or a
  // lost answer) sets the offer's time, whatever is written next.
  const held = (version: HeldVersion) =>
    store.transaction(() => {
      for (const [incidentId, offer] of [...newOffers]) {
        if (!heldOffer(store, incidentId, where.target, offer, version)) continue;
        offered(incidentId, offer, version.at, version.noteId, version.url);
        newOffers.delete(incidentId);
      }
    });
  const record = (note: PublishResult) => {
    if (note.heldBack) {
      recordHeldBack(store, target, entries, hash);
      return;
    }
    const written = { url: note.url, ...where, noteId: note.noteId };
    for (const entry of entries) {
      store.actions.recordAction({
        incidentId: entry.incidentId,
        kind: note.action === 'edited' ? 'note-edited' : 'note-created',
        status: 'ok',
        detail: note.adopted ? { ...written, adopted: true } : written,
      });
      // Each version of an offer is recorded with the time GitLab wrote it: only approvals given
      // after that time count (fix/offer.ts).
      const offer = newOffers.get(entry.incidentId);
      const at = note.at ?? deps.now().toISOString();
      if (offer !== undefined) offered(entry.incidentId, offer, at, note.noteId, note.url);
    }
  };
  return upsertNote(gitlab, store, target, body, ids, bot.id, {
    checkHeld: newOffers.size > 0,
    onHeld: held,
    onStored: record,
  });
}

/** The offers of a version that differ from the last one recorded for the note: incident → offer. */
function offersToRecord(store: Store, entries: NoteEntry[], target: string): Map<number, string> {
  const offers = entries.filter(isOffered).length;
  const found = new Map<number, string>();
  for (const entry of entries.filter(isOffered)) {
    const actions = store.actions.listActions(entry.incidentId);
    const offer = offerHash(entry, offers, revertsIn(actions));
    if (latestOffer(actions, target)?.offer !== offer) found.set(entry.incidentId, offer);
  }
  return found;
}

/** Whether GitLab's version of the note is one the bot wrote with this very offer. */
function heldOffer(
  store: Store,
  incidentId: number,
  target: string,
  offer: string,
  held: { bodyHash: string },
): boolean {
  return store.actions
    .listActions(incidentId)
    .some(
      (a) =>
        a.kind === ACTION.offerPending &&
        a.detail.target === target &&
        a.detail.offer === offer &&
        a.detail.bodyHash === held.bodyHash,
    );
}

/**
 * A note dry-run held back: recorded as `dry-run` with its target (no note id: there is none),
 * so a bot that writes for real later posts it (held-back.ts). No offer is recorded: none was
 * shown. The same body held back again is not recorded twice.
 */
function recordHeldBack(store: Store, target: NoteTarget, entries: NoteEntry[], hash: string) {
  const detail = {
    target: `${target.kind}:${target.key}`,
    projectId: target.projectId,
    targetKind: target.kind,
    targetKey: target.key,
    sha: target.sha,
    projectWebUrl: target.projectWebUrl,
    bodyHash: hash,
  };
  for (const entry of entries) {
    const last = store.actions
      .listActions(entry.incidentId)
      .filter((a) => a.kind === 'note-created' && a.detail.target === detail.target)
      .at(-1);
    if (last?.status === 'dry-run' && last.detail.bodyHash === hash) continue;
    store.actions.recordAction({
      incidentId: entry.incidentId,
      kind: 'note-created',
      status: 'dry-run',
      detail,
    });
  }
}

/** When the incident last failed, as `fixStateOf` takes it (a reverted change is offered again after). */
export function failureSeen(store: Store, incidentId: number): { lastFailureAt?: string } {
  const at = lastFailureAt(store.occurrences.listOccurrences(incidentId));
  return at === undefined ? {} : { lastFailureAt: at };
}

/** Whether the entry offers a one-click change or retry. */
function isOffered(entry: NoteEntry): boolean {
  return entry.fixState?.kind === 'offered' || entry.retryState?.kind === 'offered';
}

/** The target of a stored note, to render it again. */
export function targetOfStoredNote(note: StoredNote, sha?: string): NoteTarget {
  const projectWebUrl = note.url.replace(/\/-\/(?:merge_requests|commit)\/.*$/, '');
  return note.targetKind === 'merge_request'
    ? {
        projectId: note.projectId,
        kind: 'merge_request',
        key: note.targetKey,
        mrIid: Number(note.targetKey),
        sha: sha ?? '',
        projectWebUrl,
      }
    : {
        projectId: note.projectId,
        kind: 'commit',
        key: note.targetKey,
        sha: note.targetKey,
        projectWebUrl,
      };
}

/** Renders again every note that shows one of these incidents (after a fix or a retry). */
export async function refreshNotes(
  deps: PipelineDeps,
  incidentIds: Iterable<number>,
  bot: GitlabUser,
): Promise<void> {
  const seen = new Set<string>();
  for (const incidentId of incidentIds) {
    for (const note of deps.store.notes.listNotesForIncident(incidentId)) {
      const key = `${note.projectId}:${note.targetKind}:${note.targetKey}`;
      if (seen.has(key)) continue;
      seen.add(key);
      await publishNote(deps, targetOfStoredNote(note), bot);
    }
  }
}
