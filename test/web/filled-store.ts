import type { Bot } from '../../src/main.js';
import type { CycleReport } from '../../src/pipeline/cycle.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';

export interface FilledStore {
  h: Harness;
  bot: Bot;
  reports: CycleReport[];
  close(): Promise<void>;
}

/**
 * A real incident log: the real bot, over HTTP, against the simulator, with the pipelines of
 * the seed-story tests, so there are several patterns and verdicts, merge request and commit
 * notes, and `note-created` actions. The bot's clock runs a few minutes ahead of each
 * failure, so "time to note" has a value.
 */
export async function fillStoreWithBot(): Promise<FilledStore> {
  const h = await startHarness({ botRole: 40 });
  const { ids, world } = h;
  h.runSeed(); // allowlist-missing, on team/app!1
  // carol sees containers/poetry as a Guest, who may not pull its images.
  world.addMember(ids.projects.poetry, ids.users.carol, 10);
  world.runPipeline({
    projectId: ids.projects.app,
    ref: 'refs/merge-requests/1/head',
    userId: ids.users.carol,
    jobs: [{ name: 'build-app', image: ids.image, script: ['poetry build'] }],
  }); // user-lacks-access
  world.runPipeline({
    projectId: ids.projects.app,
    ref: 'refs/merge-requests/1/head',
    userId: ids.users.alice,
    jobs: [{ name: 'deploy', image: 'deployphp/deployer:7', script: ['dep deploy'] }],
  }); // not-instance-registry
  world.runPipeline({
    projectId: ids.projects.app,
    ref: 'main',
    userId: ids.users.alice,
    jobs: [{ name: 'build-app', image: ids.image, script: ['poetry build'] }],
  }); // allowlist-missing again, on a commit outside any merge request
  h.clock.advance(4 * 60_000);
  const bot = h.startBot();
  const reports = [await bot.poller.runCycle()];

  world.allowlistProject(ids.projects.poetry, ids.projects.app);
  world.runPipeline({
    projectId: ids.projects.app,
    ref: 'refs/merge-requests/1/head',
    userId: ids.users.alice,
    jobs: [
      { name: 'build-app', image: ids.image.replace(':1.5', ':1.6'), script: ['poetry build'] },
    ],
  }); // tag-not-found
  h.clock.advance(7 * 60_000);
  reports.push(await bot.poller.runCycle());
  return { h, bot, reports, close: () => h.close() };
}

const HISTORY: readonly {
  patternId: string;
  verdict: string;
  project: string;
  target?: string;
  summary: string;
}[] = [
  {
    patternId: 'registry-rate-limited',
    verdict: 'log-only',
    project: 'platform/api',
    summary: 'Docker Hub rate limit reached: log-only (platform/api)',
  },
  {
    patternId: 'out-of-memory',
    verdict: 'log-only',
    project: 'data/etl',
    summary: 'The job ran out of memory: log-only (data/etl)',
  },
  {
    patternId: 'dns-resolution-failed',
    verdict: 'log-only',
    project: 'platform/web',
    summary: 'A host name could not be resolved: log-only (platform/web)',
  },
  {
    patternId: 'repo-access-denied',
    verdict: 'allowlist-missing',
    project: 'platform/web',
    target: 'platform/shared',
    summary: 'Clone with the job token refused: allowlist-missing (platform/shared ← platform/web)',
  },
  {
    patternId: 'disk-full',
    verdict: 'log-only',
    project: 'data/etl',
    summary: 'No space left on the runner: log-only (data/etl)',
  },
  {
    patternId: 'image-not-found',
    verdict: 'tag-not-found',
    project: 'platform/api',
    target: 'containers/base-images',
    summary: 'Image or tag not found: tag-not-found (containers/base-images ← platform/api)',
  },
];

/**
 * Four weeks of earlier incidents, written through the store: the simulator runs in real
 * time, so the bot alone can only fill today. Deterministic, for stable screenshots.
 */
export function addHistory(store: Bot['store'], now: Date, count = 24): void {
  let seed = 7;
  const random = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  let job = 900_000;
  for (let n = 0; n < count; n++) {
    const kind = HISTORY[Math.floor(random() * HISTORY.length)] ?? HISTORY[0];
    if (!kind) return;
    const daysAgo = 1 + Math.floor(random() * 27);
    const failedAt = new Date(now.getTime() - daysAgo * 86_400_000 - random() * 36_000_000);
    const { incident } = store.incidents.upsertIncident({
      rootCauseKey: `history:${kind.patternId}:${n}`,
      patternId: kind.patternId,
      verdict: kind.verdict,
      projectId: 500 + (n % 4),
      projectPath: kind.project,
      targetProjectPath: kind.target ?? null,
      summary: kind.summary,
      evidence: {
        line: `history line ${n}`,
        lineNumber: 10 + n,
        section: null,
        runnerPrefix: true,
      },
      checks: [],
      seenAt: failedAt,
    });
    const jobs = 1 + Math.floor(random() * 3);
    for (let j = 0; j < jobs; j++) {
      job += 1;
      const at = new Date(failedAt.getTime() + j * 86_400_000 * random());
      store.occurrences.addOccurrence({
        incidentId: incident.id,
        projectId: 500 + (n % 4),
        pipelineId: job + 10_000,
        jobId: job,
        jobName: 'build',
        jobUrl: `https://gitlab.example.com/${kind.project}/-/jobs/${job}`,
        pipelineUrl: `https://gitlab.example.com/${kind.project}/-/pipelines/${job + 10_000}`,
        ref: 'main',
        sha: `${'ab'.repeat(19)}${String(n).padStart(2, '0')}`,
        failedAt: at.toISOString(),
      });
    }
    const notedAt = new Date(failedAt.getTime() + (1 + random() * 20) * 60_000);
    store.actions.recordAction({
      incidentId: incident.id,
      kind: 'note-created',
      status: 'ok',
      detail: {
        url: `https://gitlab.example.com/${kind.project}/-/merge_requests/${n + 1}#note_${n}`,
      },
      at: notedAt,
    });
    if (random() < 0.5) {
      const fixedAt = new Date(notedAt.getTime() + (0.5 + random() * 30) * 3_600_000);
      // As the one-click flow records it: the approval, then the write that fixed it.
      store.actions.recordAction({
        incidentId: incident.id,
        kind: 'approval',
        actor: 'bob',
        status: 'accepted',
        detail: { via: 'award_emoji' },
        at: new Date(fixedAt.getTime() - 60_000),
      });
      store.actions.recordAction({
        incidentId: incident.id,
        kind: 'api-write',
        actor: 'bob',
        status: '201',
        detail: { op: 'add', entry: 'project', approvedBy: 'bob' },
        at: fixedAt,
      });
      store.lifecycle.moveIncident(incident.id, 'fixed-by-bot');
    }
  }
}
