import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NoteInput } from '../../src/store/notes.js';
import { STORE_KINDS, openTestStore, type TestStore } from './open-test-store.js';

function noteInput(overrides: Partial<NoteInput> = {}): NoteInput {
  return {
    projectId: 88,
    targetKind: 'merge_request',
    targetKey: 7,
    noteId: 5001,
    discussionId: 'abc123',
    url: 'https://gitlab.example.com/team/app/-/merge_requests/7#note_5001',
    bodyHash: 'hash-1',
    incidentIds: [1],
    ...overrides,
  };
}

describe.each(STORE_KINDS)('notes, actions and meta (%s)', (kind) => {
  let t: TestStore;
  let incidentId: number;

  beforeEach(() => {
    t = openTestStore(kind);
    incidentId = t.store.incidents.upsertIncident({
      rootCauseKey: 'k',
      patternId: 'p',
      verdict: 'v',
      projectId: 88,
      projectPath: 'team/app',
      summary: 's',
    }).incident.id;
  });

  afterEach(() => {
    t.cleanup();
  });

  describe('notes', () => {
    it('saves a note and finds it by project, kind and key', () => {
      const saved = t.store.notes.saveNote(noteInput({ incidentIds: [incidentId] }));

      expect(saved).toEqual({
        id: expect.any(Number),
        projectId: 88,
        targetKind: 'merge_request',
        targetKey: '7',
        noteId: 5001,
        discussionId: 'abc123',
        url: 'https://gitlab.example.com/team/app/-/merge_requests/7#note_5001',
        bodyHash: 'hash-1',
        incidentIds: [incidentId],
        createdAt: '2025-01-01T00:00:00.000Z',
        updatedAt: '2025-01-01T00:00:00.000Z',
      });
      expect(t.store.notes.findNote(88, 'merge_request', '7')).toEqual(saved);
      expect(t.store.notes.findNote(88, 'merge_request', 7)).toEqual(saved);
      expect(t.store.notes.findNote(88, 'commit', '7')).toBeUndefined();
      expect(t.store.notes.findNote(89, 'merge_request', '7')).toBeUndefined();
    });

    it('updates the note for the same target instead of adding one', () => {
      const first = t.store.notes.saveNote(noteInput());
      t.tick(60_000);

      const second = t.store.notes.saveNote(
        noteInput({ bodyHash: 'hash-2', incidentIds: [1, 2, 2] }),
      );

      expect(second).toEqual({
        ...first,
        bodyHash: 'hash-2',
        incidentIds: [1, 2],
        updatedAt: '2025-01-01T00:01:00.000Z',
      });
    });

    it('lists the notes that mention an incident', () => {
      t.store.notes.saveNote(noteInput({ targetKey: 7, incidentIds: [1, 2] }));
      t.store.notes.saveNote(noteInput({ targetKey: 8, incidentIds: [2] }));
      t.store.notes.saveNote(
        noteInput({
          targetKind: 'commit',
          targetKey: 'abcdef0',
          discussionId: null,
          incidentIds: [3],
        }),
      );

      expect(
        t.store.notes
          .listNotesForIncident(2)
          .map((note) => note.targetKey)
          .sort(),
      ).toEqual(['7', '8']);
      expect(t.store.notes.listNotesForIncident(3)).toEqual([
        expect.objectContaining({ targetKind: 'commit', targetKey: 'abcdef0', discussionId: null }),
      ]);
      expect(t.store.notes.listNotesForIncident(4)).toEqual([]);
    });
  });

  describe('actions', () => {
    it('records the audit trail in order, with JSON detail', () => {
      t.store.actions.recordAction({
        incidentId,
        kind: 'offer',
        status: 'ok',
        detail: { noteId: 5001 },
      });
      t.tick();
      t.store.actions.recordAction({
        incidentId,
        kind: 'approval',
        actor: 'alice',
        status: 'denied',
        detail: { accessLevel: 30, needed: 40 },
      });
      t.store.actions.recordAction({ kind: 'cycle', status: 'ok' });

      const actions = t.store.actions.listActions(incidentId);

      expect(actions).toEqual([
        {
          id: expect.any(Number),
          incidentId,
          kind: 'offer',
          actor: null,
          status: 'ok',
          detail: { noteId: 5001 },
          createdAt: '2025-01-01T00:00:00.000Z',
        },
        {
          id: expect.any(Number),
          incidentId,
          kind: 'approval',
          actor: 'alice',
          status: 'denied',
          detail: { accessLevel: 30, needed: 40 },
          createdAt: '2025-01-01T00:00:01.000Z',
        },
      ]);
    });

    it('masks GitLab tokens in the detail', () => {
      const action = t.store.actions.recordAction({
        incidentId,
        kind: 'api-write',
        status: '401',
        detail: { header: 'PRIVATE-TOKEN: glpat-AbCdEf1234567890xyz_' },
      });

      expect(action.detail).toEqual({ header: 'PRIVATE-TOKEN: [MASKED]' });
    });

    it('refuses an action for an incident that does not exist', () => {
      expect(() =>
        t.store.actions.recordAction({ incidentId: 999, kind: 'offer', status: 'ok' }),
      ).toThrow(/FOREIGN KEY/);
    });
  });

  describe('meta', () => {
    it('gets and overwrites values', () => {
      expect(t.store.meta.getMeta('last-cycle-at')).toBeUndefined();

      t.store.meta.setMeta('last-cycle-at', '2025-01-01T00:00:00.000Z');
      t.store.meta.setMeta('last-cycle-at', '2025-01-01T00:01:00.000Z');

      expect(t.store.meta.getMeta('last-cycle-at')).toBe('2025-01-01T00:01:00.000Z');
    });
  });
});
