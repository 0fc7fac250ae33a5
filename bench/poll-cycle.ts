import { rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { seedStoryWorld, startSimulator } from '../src/simulator/index.js';
import { createBenchBot } from './bench-bot.js';

// A poll cycle over 1,000 watched projects against the GitLab simulator on
// 127.0.0.1, through the real gitbeaker client, listing each project through
// REST (the per-project mode, where GraphQL is missing): API requests made
// when idle and with 10 new failures, and the time from a job's failure to its
// note. bench/discovery.ts measures the GraphQL modes.

const PROJECTS = 1_000;
const FAILURES = 10;

async function main() {
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  );
  const { world, ids } = seedStoryWorld();
  world.addMember(ids.projects.poetry, ids.users.bot, 40);
  const fleet = world.addGroup({ path: 'fleet' });
  world.addMember(fleet.id, ids.users.bot, 30);
  const projects = Array.from({ length: PROJECTS }, (_, i) =>
    world.addProject({ path: `service-${String(i).padStart(4, '0')}`, namespaceId: fleet.id }),
  );
  // Every project has some history: one passing pipeline.
  for (const project of projects) {
    world.runPipeline({
      projectId: project.id,
      ref: 'main',
      userId: ids.users.root,
      jobs: [{ name: 'test', image: 'alpine:latest' }],
    });
  }
  const sim = await startSimulator({ world });
  const { bot, folder } = createBenchBot(sim.url, ids.tokens.bot, { discovery: 'per-project' });

  const measure = async (label: string) => {
    sim.requests.length = 0;
    const started = performance.now();
    const report = await bot.poller.runCycle();
    const ms = performance.now() - started;
    const byKind = new Map<string, number>();
    for (const r of sim.requests) {
      const kind = `${r.method} ${r.path
        .replace(/\/api\/v4/, '')
        .replace(/\/commits\/[0-9a-f]{40}/, '/commits/:sha')
        .replace(/\d+/g, ':id')}`;
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    }
    console.log(
      `${label}: ${sim.requests.length} API requests, ${(ms / 1000).toFixed(2)} s, ${report.projectsSkipped ?? 0} quiet project(s) skipped, ${report.newJobs} new failed job(s), ${report.outcomes.length} diagnosed`,
    );
    for (const [kind, n] of [...byKind].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
      console.log(`    ${String(n).padStart(5)}  ${kind}`);
    }
    return report;
  };

  await measure('first cycle (learns 1,000 projects, sets cursors)');
  await measure('idle cycle (nothing new)');
  await measure('idle cycle (nothing new, quiet projects start being skipped)');

  for (const project of projects.slice(0, FAILURES)) {
    world.addMember(project.id, ids.users.alice, 30);
    world.runPipeline({
      projectId: project.id,
      ref: 'main',
      userId: ids.users.alice,
      jobs: [{ name: 'build', image: ids.image }],
    });
  }
  // The failing projects may be among the quiet ones left out: measure until all are noted.
  const busy = await measure(`busy cycle (${FAILURES} new failures in quiet projects)`);
  while (bot.store.incidents.listIncidents().reduce((n, i) => n + i.occurrences, 0) < FAILURES) {
    const more = await measure('next cycle (catching the rest)');
    busy.outcomes.push(...more.outcomes);
  }
  // Per job: from the job's end (GitLab's time) to the bot recording it, right before its note.
  const latencies = bot.store.incidents
    .listIncidents()
    .flatMap((i) => bot.store.occurrences.listOccurrences(i.id))
    .map((o) => Date.parse(o.recordedAt) - Date.parse(o.failedAt))
    .sort((a, b) => a - b);
  console.log(
    `failure → note (cycles run back to back): median ${(latencies[Math.floor(latencies.length / 2)] ?? 0).toFixed(0)} ms, max ${(latencies.at(-1) ?? 0).toFixed(0)} ms; with the default one-minute schedule add the wait for the next tick`,
  );
  console.log(`verdicts: ${[...new Set(busy.outcomes.map((o) => o.verdict))].join(', ')}`);
  await measure('idle cycle with 10 open one-click offers (approval polling)');

  bot.close();
  await sim.close();
  rmSync(folder, { recursive: true, force: true });
}

await main();
