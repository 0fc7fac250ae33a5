import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { rmSync } from 'node:fs';
import { refreshAudit } from '../src/audit/refresh.js';
import { World, startSimulator } from '../src/simulator/index.js';
import { createBenchBot } from './bench-bot.js';

// What the job token readiness audit costs in GitLab requests as the instance grows: N projects
// in a group `fleet`, each with a CI file using an image of `tools/images`; every second one
// also needs artifacts of `tools/libs`, every fifth clones `tools/shared` as a submodule.

const SIZES = [10, 100, 500];

async function measure(n: number) {
  const world = new World({ version: '17.10.0' });
  const bot = world.addUser({ username: 'diagnoser-bot', bot: true });
  const tools = world.addGroup({ path: 'tools' });
  const fleet = world.addGroup({ path: 'fleet' });
  world.addMember(tools, bot.id, 40);
  world.addMember(fleet, bot.id, 20);
  const images = world.addProject({ path: 'images', namespaceId: tools.id });
  world.addRegistryImage(images.id, 'node', ['20']);
  world.addProject({ path: 'libs', namespaceId: tools.id });
  world.addProject({ path: 'shared', namespaceId: tools.id, inboundJobTokenScope: false });
  for (let i = 0; i < n; i += 1) {
    const project = world.addProject({ path: `service-${i}`, namespaceId: fleet.id });
    const lines = [
      'test:',
      `  image: ${world.registryHost}/tools/images/node:20`,
      '  script: [make]',
    ];
    if (i % 2 === 0) lines.push('  needs: [{ project: tools/libs, job: build, ref: main }]');
    if (i % 5 === 0) {
      lines.push('  variables: { GIT_SUBMODULE_STRATEGY: normal }');
      world.setFile(
        project.id,
        '.gitmodules',
        '[submodule "s"]\n\tpath = s\n\turl = ../../tools/shared.git\n',
      );
    }
    world.setFile(project.id, '.gitlab-ci.yml', `${lines.join('\n')}\n`);
  }
  const sim = await startSimulator({ world });
  const { bot: diagnoser, folder } = createBenchBot(sim.url, world.issueToken(bot.id), {
    audit: { schedule: 'off', maxProjects: 2000, openIssues: false },
  });
  try {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const report = await refreshAudit(diagnoser);
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const again = await refreshAudit(diagnoser);
    console.log(
      `${String(n).padStart(4)} projects: ${report.requests} requests (${(report.requests / n).toFixed(2)} per project), ${report.findings.length} findings, ${(ms / 1000).toFixed(1)} s wall, ${((used.user + used.system) / 1e6).toFixed(1)} s CPU (simulator in the same process); again within the cache TTL: ${again.requests} requests`,
    );
  } finally {
    diagnoser.close();
    await sim.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

async function main() {
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  for (const n of SIZES) await measure(n);
}

await main();
