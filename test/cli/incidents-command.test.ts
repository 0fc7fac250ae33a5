import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerIncidentsCommand } from '../../src/cli/incidents-command.js';
import { CliExit } from '../../src/cli/exit.js';
import { openDatabase } from '../../src/store/index.js';
import { builtCli } from '../helpers/cli-build.js';
import { fillStoreWithBot, type FilledStore } from '../web/filled-store.js';

const run = promisify(execFile);
const INJECTION = '=HYPERLINK("http://evil.example","click")';

/** Runs `pipeline-diagnoser <args>` in this process and returns what it wrote to stdout. */
async function cli(args: string[]): Promise<string> {
  const program = new Command('pipeline-diagnoser').exitOverride();
  registerIncidentsCommand(program);
  const out: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    write.mockRestore();
  }
  return out.join('');
}

describe('incidents on an incident log the bot filled', () => {
  let filled: FilledStore;
  let db: string;

  beforeAll(async () => {
    filled = await fillStoreWithBot();
    db = filled.h.dbPath;
    // A closed incident from long ago: written with a clock in 2020, so prune may take it.
    const past = openDatabase(db, { now: () => new Date('2020-01-02T00:00:00Z') });
    past.incidents.upsertIncident({
      rootCauseKey: 'formula',
      patternId: 'registry-pull-denied',
      verdict: 'unverifiable',
      projectId: 9,
      projectPath: '@evil/project',
      summary: INJECTION,
      seenAt: '2020-01-01T00:00:00Z',
      status: 'closed',
    });
    past.close();
  });

  afterAll(async () => {
    await filled.close();
  });

  it('--json writes one incident object per line', async () => {
    const lines = (await cli(['incidents', '--json', '--db', db])).trimEnd().split('\n');
    const incidents = lines.map((line) => JSON.parse(line) as Record<string, unknown>);

    expect(incidents).toHaveLength(5);
    expect(incidents.map((i) => i.verdict)).toEqual(
      expect.arrayContaining(['allowlist-missing', 'user-lacks-access', 'tag-not-found']),
    );
    expect(incidents[0]).not.toHaveProperty('diagnosis');
  });

  it('--csv writes RFC 4180 with a header and defuses formulas', async () => {
    const csv = await cli(['incidents', '--csv', '--db', db]);
    const records = csv.split('\r\n');

    expect(records[0]).toBe(
      'id,first_seen,last_seen,status,pattern,verdict,project,target_project,occurrences,summary,root_cause_key',
    );
    expect(records).toHaveLength(7); // header, 5 incidents, and the empty end
    expect(csv).toContain(`'@evil/project`);
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(csv).not.toMatch(/(^|,)[=+@]/m);
  });

  it('--csv combines with the filters, and --since reads ages', async () => {
    const csv = await cli(['incidents', '--csv', '--verdict', 'tag-not-found', '--db', db]);
    const recent = await cli(['incidents', '--json', '--since', '30d', '--all', '--db', db]);

    expect(csv.split('\r\n').filter((r) => r.includes('tag-not-found'))).toHaveLength(1);
    expect(csv.split('\r\n')).toHaveLength(3);
    expect(recent.trimEnd().split('\n')).toHaveLength(4);
  });

  it('refuses --json with --csv, and a bad --since or --status', async () => {
    await expect(cli(['incidents', '--json', '--csv', '--db', db])).rejects.toThrow(CliExit);
    await expect(cli(['incidents', '--since', 'yesterday', '--db', db])).rejects.toThrow(
      /--since: "yesterday" is not a time/,
    );
    await expect(cli(['incidents', '--status', 'gone', '--db', db])).rejects.toThrow(
      /--status: "gone" is not one of open, fixed, closed, error/,
    );
  });

  it('stats counts per pattern, verdict and day, and times failure → note', async () => {
    const text = await cli(['incidents', 'stats', '--db', db]);
    const json = JSON.parse(await cli(['incidents', 'stats', '--json', '--db', db])) as {
      incidents: number;
      byVerdict: { verdict: string; incidents: number }[];
      perDay: { day: string; incidents: number }[];
      timeToNote: { medianSeconds: number | null; incidents: number };
      noteToFix: { medianSeconds: number | null; incidents: number };
    };

    expect(json.incidents).toBe(5);
    expect(json.byVerdict).toContainEqual(
      expect.objectContaining({ verdict: 'allowlist-missing', incidents: 1 }),
    );
    expect(json.perDay.at(-1)?.incidents).toBe(4);
    // The bot's clock ran 4 and 11 minutes ahead of the failures.
    expect(json.timeToNote.incidents).toBe(4);
    expect(json.timeToNote.medianSeconds).toBeGreaterThan(200);
    expect(json.noteToFix).toEqual({ medianSeconds: null, incidents: 0 });
    expect(text).toMatch(/^5 incidents, 5 failed jobs \(all time/);
    expect(text).toContain('registry-pull-denied');
    expect(text).toMatch(/Failure → first note: median \d+ min \(over 4 incidents\)/);
    expect(text).toContain('Note → fix:           no fix recorded yet');
  });

  it('stats --since narrows the window', async () => {
    const json = JSON.parse(
      await cli(['incidents', 'stats', '--since', '2021-01-01', '--json', '--db', db]),
    ) as { incidents: number; since: string };

    expect(json).toMatchObject({ incidents: 4, since: '2021-01-01T00:00:00.000Z' });
  });

  it('prune removes only old closed and fixed incidents, and vacuums when asked', async () => {
    const dry = await cli(['incidents', 'prune', '--dry-run', '--db', db]);
    const done = await cli(['incidents', 'prune', '--older-than', '90d', '--vacuum', '--db', db]);
    const again = await cli(['incidents', 'prune', '--db', db]);

    expect(dry).toMatch(/^Would remove 1 closed or fixed incident older than 90d/);
    expect(done).toMatch(/^Removed 1 closed or fixed incident older than 90d/);
    expect(done).toMatch(/Vacuumed: .* on disk\./);
    expect(again).toMatch(/^No closed or fixed incident is older than 90d/);
    const store = openDatabase(db);
    expect(store.incidents.listIncidents()).toHaveLength(4);
    store.close();
    await expect(cli(['incidents', 'prune', '--older-than', 'soon', '--db', db])).rejects.toThrow(
      /--older-than: "soon" is not a duration/,
    );
  });
});

describe('incidents prune and the audit retention', () => {
  let folder: string;

  afterEach(() => {
    vi.unstubAllEnvs();
    rmSync(folder, { recursive: true, force: true });
  });

  /** A fixed incident of 2020 whose allowlist write and approval the prune keeps as the record. */
  function oldFixWithWrites(): string {
    folder = mkdtempSync(join(tmpdir(), 'diagnoser-prune-'));
    const db = join(folder, 'prune.db');
    const past = openDatabase(db, { now: () => new Date('2020-01-02T00:00:00Z') });
    const { incident } = past.incidents.upsertIncident({
      rootCauseKey: 'allowlist-missing:31<-88',
      patternId: 'registry-pull-denied',
      verdict: 'allowlist-missing',
      projectId: 88,
      projectPath: 'team/app',
      summary: 'pull access denied',
      seenAt: '2020-01-01T00:00:00Z',
    });
    past.actions.recordAction({ incidentId: incident.id, kind: 'approval', status: 'ok' });
    past.actions.recordAction({ incidentId: incident.id, kind: 'api-write', status: '201' });
    past.lifecycle.moveIncident(incident.id, 'fixed-by-hand');
    past.close();
    return db;
  }

  function keptWrites(db: string): string[] {
    const store = openDatabase(db);
    try {
      return store.actions.listDetachedActions().map((a) => a.kind);
    } finally {
      store.close();
    }
  }

  it('removes the kept record of writes older than DIAGNOSER_AUDIT_RETENTION, as run does', async () => {
    const db = oldFixWithWrites();
    vi.stubEnv('DIAGNOSER_AUDIT_RETENTION', '365d');

    const dry = await cli(['incidents', 'prune', '--dry-run', '--db', db]);
    expect(dry).toContain('Audit retention 365d: would remove 2 recorded writes older than that.');
    expect(keptWrites(db)).toEqual([]);

    const done = await cli(['incidents', 'prune', '--db', db]);

    expect(done).toMatch(/^Removed 1 closed or fixed incident older than 90d/);
    expect(done).toContain('Audit retention 365d: removed 2 recorded writes older than that.');
    expect(keptWrites(db)).toEqual([]);
    const store = openDatabase(db);
    expect(store.incidents.listIncidents()).toEqual([]);
    store.close();
  });

  it('keeps that record for good when DIAGNOSER_AUDIT_RETENTION is not set', async () => {
    const db = oldFixWithWrites();
    vi.stubEnv('DIAGNOSER_AUDIT_RETENTION', undefined);

    const done = await cli(['incidents', 'prune', '--db', db]);

    expect(done).toContain('The record of writes is kept for good');
    expect(keptWrites(db)).toEqual(['approval', 'api-write']);
  });
});

describe('the built CLI', () => {
  let filled: FilledStore;
  let cli: string;

  beforeAll(async () => {
    cli = await builtCli();
    filled = await fillStoreWithBot();
  }, 150_000);

  afterAll(async () => {
    await filled?.close();
  });

  it('prints the incident log as CSV: node dist/src/cli.js incidents --csv --db <file>', async () => {
    filled.bot.store.incidents.upsertIncident({
      rootCauseKey: 'formula',
      patternId: 'registry-pull-denied',
      verdict: 'unverifiable',
      projectId: 9,
      projectPath: 'evil/project',
      summary: INJECTION,
    });

    const { stdout } = await run(
      process.execPath,
      [cli, 'incidents', '--csv', '--db', filled.h.dbPath],
      { env: { PATH: process.env.PATH ?? '' }, timeout: 20_000 },
    );

    const records = stdout.split('\r\n');
    expect(records[0]).toMatch(/^id,first_seen,last_seen,status,pattern,verdict,project,/);
    expect(records).toHaveLength(7);
    expect(stdout).toContain('tag-not-found');
    expect(stdout).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
  });
});
