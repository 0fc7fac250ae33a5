import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditWorld,
  runAuditPipelines,
  startSimulator,
  type AuditIds,
  type Simulator,
} from '../../src/simulator/index.js';
import { openDatabase } from '../../src/store/index.js';
import { runCli } from './run-cli.js';

let sim: Simulator;
let ids: AuditIds;
let dir: string;

beforeAll(async () => {
  const built = auditWorld();
  ids = built.ids;
  runAuditPipelines(built.world, ids);
  sim = await startSimulator({ world: built.world });
  dir = mkdtempSync(join(tmpdir(), 'diagnoser-audit-'));
});

afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

function env() {
  return {
    GITLAB_URL: sim.url,
    GITLAB_TOKEN: ids.tokens.bot,
    DIAGNOSER_DB: join(dir, 'diagnoser.db'),
    DIAGNOSER_WATCH_PROJECTS: undefined,
    DIAGNOSER_WATCH_GROUPS: 'web,mobile,apps',
    LOG_LEVEL: 'error',
  };
}

describe('pipeline-diagnoser audit', () => {
  it('prints what breaks, the entries to add and the problems, and keeps the report', async () => {
    const { code, stdout } = await runCli(['audit'], env());

    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^Job token readiness of 8 project\(s\) on GitLab 17\.10\.0: \d+ request\(s\) to GitLab\.\n5 refused now, 3 refused once the allowlist is enforced \(18\.0\), 4 allowed/,
    );
    expect(stdout).toContain(
      '  tools/images: add group mobile (for mobile/android, mobile/ios, mobile/web-view)',
    );
    expect(stdout).toContain('  apps/broken: The CI configuration cannot be read');
    expect(stdout).not.toMatch(/^allowed /m);
    const store = openDatabase(join(dir, 'diagnoser.db'));
    try {
      expect(store.audit.auditStateCounts()).toEqual([
        { state: 'allowed', findings: 4 },
        { state: 'denied', findings: 5 },
        { state: 'denied-at-enforcement', findings: 3 },
      ]);
    } finally {
      store.close();
    }
  });

  it('answers JSON with findings and problems, and CSV with one row per finding', async () => {
    const json = await runCli(['audit', '--json', '--project', 'apps/api'], env());
    const csv = await runCli(['audit', '--csv', '--group', 'apps'], env());
    const both = await runCli(['audit', '--json', '--csv'], env());

    const parsed = JSON.parse(json.stdout) as {
      findings: {
        source: string;
        target: string;
        kind: string;
        state: string;
        fix: { call: string };
      }[];
      problems: unknown[];
    };
    expect(parsed.findings.map((f) => [f.source, f.target, f.kind, f.state])).toEqual([
      ['apps/api', 'tools/images', 'image', 'denied'],
      ['apps/api', 'tools/libs', 'artifacts', 'denied'],
    ]);
    expect(parsed.findings[0]?.fix.call).toBe(
      `POST /api/v4/projects/${ids.projects['tools/images']}/job_token_scope/allowlist target_project_id=${ids.projects['apps/api']}`,
    );
    expect(parsed.problems).toEqual([]);
    expect(csv.stdout.split('\r\n')[0]).toBe(
      'source,target,kind,state,reason,fix_entry,fix_add,fix_call,last_used,via',
    );
    expect(csv.stdout.trimEnd().split('\r\n')).toHaveLength(1 + 4);
    expect(both).toMatchObject({ code: 2, stderr: 'Choose one of --json and --csv.\n' });
  });
});
