import { rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { createWorld, startSimulator, type Simulator } from '../src/simulator/index.js';
import { createBenchBot } from './bench-bot.js';

// What finding failed jobs costs at 1,000 and 10,000 watched projects, with
// an administrator's token (one GraphQL list of the instance) and without
// (GraphQL, 100 projects per query), against the simulator on 127.0.0.1
// through the real client: requests per idle cycle, and the time of a full
// reconcile (a cycle that sweeps every watched project).

const SIZES = [1_000, 10_000];
/** GitLab's (and gitbeaker's) limit on GET /projects/:id/jobs, per user and minute. */
const JOBS_ENDPOINT_PER_MINUTE = 600;

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
}

async function fleet(projects: number) {
  const world = createWorld();
  world.addDockerHubImage('alpine', ['latest']);
  const root = world.addUser({ username: 'root', admin: true });
  const bot = world.addUser({ username: 'diagnoser-bot', bot: true });
  const adminBot = world.addUser({ username: 'diagnoser-admin', bot: true, admin: true });
  const group = world.addGroup({ path: 'fleet' });
  world.addMember(group.id, bot.id, 20);
  world.addMember(group.id, adminBot.id, 20);
  for (let i = 0; i < projects; i++) {
    const project = world.addProject({ path: `service-${i}`, namespaceId: group.id });
    // Some history: every tenth project has a failed pipeline from before the bot started.
    if (i % 10 === 0) {
      world.runPipeline({
        projectId: project.id,
        ref: 'main',
        userId: root.id,
        jobs: [{ name: 'test', image: 'alpine:latest', exitCode: 1 }],
      });
    }
  }
  const sim = await startSimulator({ world });
  return { sim, tokens: { admin: world.issueToken(adminBot.id), user: world.issueToken(bot.id) } };
}

async function measure(sim: Simulator, token: string, label: string) {
  // The bot's clock runs a minute ahead and looks back 30 s: the history is older than its first look.
  const clock = { now: new Date(Date.now() + 60_000) };
  const { bot, folder } = createBenchBot(
    sim.url,
    token,
    // The first look would diagnose the history; only discovery is measured here.
    { lookback: '30s' },
    { now: () => clock.now },
  );
  const cycle = async () => {
    sim.requests.length = 0;
    const started = performance.now();
    const report = await bot.poller.runCycle();
    const seconds = (performance.now() - started) / 1000;
    const graphql = sim.requests.filter((r) => r.path === '/api/graphql').length;
    return {
      report,
      seconds,
      requests: sim.requests.length,
      graphql,
      rest: sim.requests.length - graphql,
    };
  };
  const first = await cycle();
  const idle = await cycle();
  // Past the sweep interval of the instance mode, so every project is swept.
  clock.now = new Date(clock.now.getTime() + 11 * 60_000);
  const reconcile = await cycle();
  bot.close();
  rmSync(folder, { recursive: true, force: true });
  const problems = [first, idle, reconcile].flatMap((c) => c.report.problems);
  if (problems.length > 0) throw new Error(JSON.stringify(problems));
  console.log(
    `${label.padEnd(26)} ${String(idle.report.discovery).padEnd(8)} idle cycle: ${idle.requests} request(s), ${idle.seconds.toFixed(2)} s; ` +
      `full reconcile: ${reconcile.graphql} GraphQL + ${reconcile.rest} REST (watched projects listed again) request(s), ${reconcile.seconds.toFixed(2)} s; ` +
      `first cycle: ${first.requests} requests, ${first.seconds.toFixed(1)} s`,
  );
}

async function main() {
  console.log(`machine: ${machine()}`);
  for (const size of SIZES) {
    const setup = performance.now();
    const { sim, tokens } = await fleet(size);
    console.log(
      `${size.toLocaleString('en')} watched projects (simulator world built in ${((performance.now() - setup) / 1000).toFixed(1)} s):`,
    );
    await measure(sim, tokens.admin, `  ${size.toLocaleString('en')}, admin token`);
    await measure(sim, tokens.user, `  ${size.toLocaleString('en')}, Reporter token`);
    const minutes = size / JOBS_ENDPOINT_PER_MINUTE;
    console.log(
      `  ${size.toLocaleString('en')}, per-project REST        idle cycle: up to ${size.toLocaleString('en')} requests; a full sweep needs ${minutes.toFixed(1)} min at GitLab's ${JOBS_ENDPOINT_PER_MINUTE} requests a minute (computed)`,
    );
    await sim.close();
  }
}

await main();
