import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { serveWebhooks } from '../src/cli/serve-webhooks.js';
import { loadConfig } from '../src/config/index.js';
import { silentLogger } from '../src/log.js';
import { createBot } from '../src/main.js';
import { installHooks } from '../src/pipeline/discover/project-hooks.js';
import { seedStoryWorld, startSimulator } from '../src/simulator/index.js';

// With webhooks, on the GitLab simulator over 127.0.0.1: the time from a
// job's failure to the bot's note on its merge request, and from a
// Maintainer's 👍 to the allowlist entry written, over 100 failures in 100
// projects, one at a time. Goal: median ≤ 2 s, p95 ≤ 5 s.

const FAILURES = 100;
const TIMEOUT_MS = 30_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function summary(label: string, values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return `${label}: median ${percentile(sorted, 50).toFixed(0)} ms, p95 ${percentile(sorted, 95).toFixed(0)} ms, max ${(sorted.at(-1) ?? 0).toFixed(0)} ms over ${sorted.length}`;
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + TIMEOUT_MS;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function main() {
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  );
  const { world, ids } = seedStoryWorld();
  world.allowLocalNetworkHooks = true;
  world.addMember(ids.projects.poetry, ids.users.bot, 40);
  const fleet = world.addGroup({ path: 'fleet' });
  // Maintainer to install the hooks (and retry); bob must see a project to allowlist it.
  world.addMember(fleet.id, ids.users.bot, 40);
  world.addMember(fleet.id, ids.users.alice, 30);
  world.addMember(fleet.id, ids.users.bob, 10);
  const services = Array.from({ length: FAILURES }, (_, i) => {
    const project = world.addProject({
      path: `service-${String(i).padStart(3, '0')}`,
      namespaceId: fleet.id,
    });
    const mr = world.addMergeRequest({
      projectId: project.id,
      sourceBranch: 'use-poetry',
      title: 'Build with the poetry image',
      authorId: ids.users.alice,
      sha: randomBytes(20).toString('hex'),
    });
    return { project, mr };
  });
  const sim = await startSimulator({ world });
  const folder = mkdtempSync(join(tmpdir(), 'diagnoser-bench-'));
  const result = loadConfig({
    env: {},
    overrides: {
      gitlabUrl: sim.url,
      gitlabToken: ids.tokens.bot,
      databasePath: join(folder, 'bench.db'),
      watch: { projects: [], groups: ['fleet'] },
      webhookSecret: randomBytes(24).toString('hex'),
    },
  });
  if (!result.config) throw new Error(result.errors.map((e) => e.message).join('\n'));
  const bot = createBot(result.config, { logger: silentLogger() });
  const { url, web } = await serveWebhooks(bot);
  const installed = await installHooks(
    bot.gitlab,
    services.map(({ project }) => ({
      id: project.id,
      pathWithNamespace: project.pathWithNamespace,
      webUrl: '',
    })),
    { url, token: result.config.webhookSecret ?? '' },
  );
  console.log(`hooks: ${installed.filter((o) => o.status === 'created').length} created`);

  const noteAt = new Map<number, { at: number; noteId: number }>();
  world.onEvent((event) => {
    if (event.kind === 'note' && event.note.authorId === ids.users.bot) {
      if (!noteAt.has(event.note.projectId)) {
        noteAt.set(event.note.projectId, { at: performance.now(), noteId: event.note.id });
      }
    }
  });

  const toNote: number[] = [];
  for (const { project, mr } of services) {
    const started = performance.now();
    world.runPipeline({
      projectId: project.id,
      ref: `refs/merge-requests/${mr.iid}/head`,
      userId: ids.users.alice,
      source: 'merge_request_event',
      jobs: [{ name: 'build', stage: 'build', image: ids.image }],
    });
    await until(() => noteAt.has(project.id), `the note on ${project.pathWithNamespace}`);
    toNote.push((noteAt.get(project.id)?.at ?? NaN) - started);
  }
  console.log(summary('failure → note (webhook)', toNote));

  const allowlist = () => world.project(ids.projects.poetry)?.jobTokenAllowlist.projectIds ?? [];
  const toAllowlist: number[] = [];
  for (const { project, mr } of services) {
    const note = noteAt.get(project.id);
    if (!note) throw new Error(`no note on ${project.pathWithNamespace}`);
    const started = performance.now();
    world.awardEmoji(project.id, mr.iid, note.noteId, ids.users.bob, 'thumbsup');
    await until(() => allowlist().includes(project.id), `the allowlist entry for ${project.id}`);
    toAllowlist.push(performance.now() - started);
  }
  console.log(summary('approval 👍 → allowlist written (webhook)', toAllowlist));
  const failedDeliveries = sim.hookDeliveries.filter((d) => d.status !== 200).length;
  console.log(`deliveries: ${sim.hookDeliveries.length}, not answered 200: ${failedDeliveries}`);

  await sim.hooksSettled();
  await bot.webhooks?.idle();
  await bot.poller.idle();
  await web.close();
  bot.close();
  await sim.close();
  rmSync(folder, { recursive: true, force: true });
}

await main();
