import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedStoryWorld, startSimulator } from '../src/simulator/index.js';
import { createBenchBot } from './bench-bot.js';
import { writeSyntheticLog } from './synthetic-log.js';

// Jobs whose logs are 4 MB (the runner's default output limit), diagnosed by
// the bot end to end against the simulator on 127.0.0.1: the trace download
// through gitbeaker, cleaning, classification, resolving and the note.

const JOBS = 5;
const LOG_BYTES = 4 * 2 ** 20;

async function main() {
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const work = mkdtempSync(join(tmpdir(), 'diagnoser-bench-'));
  const logFile = join(work, 'body.log');
  await writeSyntheticLog(logFile, LOG_BYTES);
  // The body of the synthetic log, as what the script printed.
  const output = readFileSync(logFile, 'utf8').split('\n');

  const { world, ids } = seedStoryWorld();
  const fleet = world.addGroup({ path: 'fleet' });
  world.addMember(fleet.id, ids.users.bot, 30);
  const projects = Array.from({ length: JOBS }, (_, i) =>
    world.addProject({ path: `service-${i}`, namespaceId: fleet.id }),
  );
  for (const project of projects) {
    world.addMember(project.id, ids.users.alice, 30);
    world.runPipeline({
      projectId: project.id,
      ref: 'main',
      userId: ids.users.alice,
      jobs: [{ name: 'test', image: 'alpine:latest' }],
    });
  }
  const sim = await startSimulator({ world });
  const { bot, folder } = createBenchBot(sim.url, ids.tokens.bot);
  await bot.poller.runCycle();

  for (const project of projects) {
    world.runPipeline({
      projectId: project.id,
      ref: 'main',
      userId: ids.users.alice,
      jobs: [
        {
          name: 'test',
          image: 'alpine:latest',
          script: ['npm test'],
          scriptOutput: output,
          exitCode: 1,
        },
      ],
    });
  }
  const sizes = world.jobs.slice(-JOBS).map((j) => j.log.length);
  const started = performance.now();
  let diagnosed = 0;
  const verdicts = new Set<string>();
  while (diagnosed < JOBS) {
    const report = await bot.poller.runCycle();
    diagnosed += report.outcomes.length;
    for (const o of report.outcomes) verdicts.add(`${o.patternId ?? o.status}/${o.verdict ?? '-'}`);
  }
  const ms = performance.now() - started;
  console.log(
    `${JOBS} failed jobs with ${(Math.min(...sizes) / 2 ** 20).toFixed(1)}–${(Math.max(...sizes) / 2 ** 20).toFixed(1)} MB logs: ` +
      `${(ms / 1000).toFixed(2)} s for the cycles that diagnosed them, ${(ms / JOBS).toFixed(0)} ms per job ` +
      `(trace download, cleaning, classification, resolving, note); ${[...verdicts].join(', ')}`,
  );
  bot.close();
  await sim.close();
  rmSync(folder, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}

await main();
