import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/bot-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const noteTrail = (bot: ReturnType<Harness['startBot']>, incidentId: number) =>
  bot.store.actions
    .listActions(incidentId)
    .filter((a) => a.kind.startsWith('note-') || a.kind === 'fix-offered')
    .map((a) => ({ kind: a.kind, status: a.status, noteId: a.detail.noteId }));

describe('going live after --dry-run on the same database', () => {
  it('posts the note the dry run held back, once, and the trail says dry-run', async () => {
    h = await startHarness({ botRole: 40 });
    h.runSeed();
    const dry = h.startBot({ dryRun: true });
    await dry.poller.runCycle();
    await dry.poller.runCycle();
    dry.close();

    expect(h.botNotes()).toEqual([]);
    // Held back once: the same note is not tried again in the same process.
    expect(dry.skippedWrites.map((w) => w.method)).toEqual(['createMergeRequestNote']);

    const live = h.startBot();
    const report = await live.poller.runCycle();
    await live.poller.runCycle();

    // No new failure: the job the dry run diagnosed is not diagnosed again.
    expect(report.newJobs).toBe(0);
    const notes = h.botNotes();
    expect(notes).toHaveLength(1);
    expect(notes[0]?.body).toContain('**Accept with one click.**');
    const [incident] = live.store.incidents.listIncidents();
    expect(noteTrail(live, incident?.id ?? 0)).toEqual([
      { kind: 'note-created', status: 'dry-run', noteId: undefined },
      { kind: 'note-created', status: 'ok', noteId: notes[0]?.id },
      { kind: 'fix-offered', status: 'ok', noteId: notes[0]?.id },
    ]);
    expect(live.store.notes.listHeldBackTargets()).toEqual([]);
  });

  it('a second dry run on that database posts nothing and records the held-back note once', async () => {
    h = await startHarness({ botRole: 40 });
    h.runSeed();
    await h.startBot({ dryRun: true }).poller.runCycle();

    const again = h.startBot({ dryRun: true });
    await again.poller.runCycle();
    await again.poller.runCycle();

    expect(h.botNotes()).toEqual([]);
    const [incident] = again.store.incidents.listIncidents();
    expect(noteTrail(again, incident?.id ?? 0)).toEqual([
      { kind: 'note-created', status: 'dry-run', noteId: undefined },
    ]);
  });
});
