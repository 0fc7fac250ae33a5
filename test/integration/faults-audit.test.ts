import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptFixIssues } from '../../src/audit/accept-issues.js';
import { openFixIssues } from '../../src/audit/fix-issues.js';
import { refreshAudit } from '../../src/audit/refresh.js';
import { silentLogger } from '../../src/log.js';
import { createBot } from '../../src/main.js';
import {
  auditWorld,
  awardIssueEmoji,
  runAuditPipelines,
  startSimulator,
} from '../../src/simulator/index.js';
import { testConfig } from '../helpers/bot-harness.js';
import {
  closeAfterRun,
  closeFaultRun,
  FAULTS,
  faultFirstOfEachKind,
} from '../helpers/fault-run.js';

/**
 * The audit carries its entries to each target project as an issue, and applies them once a
 * Maintainer there gives a 👍. The first request of every kind on issues (open, read, edit, read
 * its reactions) fails once with one kind of fault; the bot tries again a cycle later, as its
 * schedule would. Each target must end with exactly one issue of the bot's, accepted and closed,
 * and the allowlists must hold every entry: nothing lost, nothing twice.
 */
const TARGETS = ['tools/images', 'tools/shared', 'tools/config', 'tools/libs'];
const ISSUE_REQUESTS = [
  'GET /projects/:id/issues',
  'POST /projects/:id/issues',
  'GET /projects/:id/issues/:id',
  'PUT /projects/:id/issues/:id',
  'GET /projects/:id/issues/:id/award_emoji',
];
const MOST_CYCLES = 12;

afterEach(closeFaultRun);

describe('the audit’s issues, with a fault at the first request of every kind on issues', () => {
  it.each(Object.keys(FAULTS))(
    '%s: one issue per target, accepted once, every entry added',
    async (name) => {
      const started = performance.now();
      const { world, ids } = auditWorld();
      runAuditPipelines(world, ids);
      const sim = await startSimulator({ world });
      const folder = mkdtempSync(join(tmpdir(), 'diagnoser-audit-faults-'));
      const clock = { now: new Date() };
      const bot = createBot(
        testConfig(sim.url, ids.tokens.bot, join(folder, 'diagnoser.db'), {
          watch: { projects: [], groups: ['web', 'mobile', 'apps'] },
          requestTimeoutMs: 300,
        }),
        {
          logger: silentLogger(),
          now: () => clock.now,
          retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 1_000 },
        },
      );
      closeAfterRun({ sim, bot, folder });
      const first = await refreshAudit(bot);
      const faulted = faultFirstOfEachKind(sim, name, /\/issues/);
      const id = (path: string) => ids.projects[path] as number;
      const botIssues = (path: string) =>
        world.project(id(path))?.issues.filter((i) => i.authorId === ids.users.bot) ?? [];
      const approved = new Set<number>();

      let cycles = 0;
      const done = () =>
        TARGETS.every(
          (t) => botIssues(t).length > 0 && botIssues(t).every((i) => i.state === 'closed'),
        );
      while (cycles < MOST_CYCLES && !done()) {
        // As the audit's schedule does: the audit again, then its issues.
        const report = cycles === 0 ? first : await refreshAudit(bot);
        await openFixIssues(bot, report).catch(() => undefined);
        // tina maintains tools: one 👍 on each issue of the bot's she sees open.
        for (const path of TARGETS) {
          for (const issue of botIssues(path)) {
            if (issue.state !== 'opened' || approved.has(issue.id)) continue;
            awardIssueEmoji(world, id(path), issue.iid, ids.users.tina, 'thumbsup');
            approved.add(issue.id);
          }
        }
        await acceptFixIssues(bot).catch(() => undefined);
        cycles += 1;
        clock.now = new Date(clock.now.getTime() + 61 * 60_000);
      }

      const issues = Object.fromEntries(TARGETS.map((t) => [t, botIssues(t).length]));
      const accepted = TARGETS.filter((t) =>
        botIssues(t).some(
          (i) => i.state === 'closed' && /^\*\*Accepted by `@tina`\.\*\*/.test(i.description),
        ),
      );
      const allowlists = Object.fromEntries(
        TARGETS.map((t) => {
          const list = world.project(id(t))?.jobTokenAllowlist;
          return [t, (list?.projectIds.length ?? 0) + (list?.groupIds.length ?? 0)];
        }),
      );
      process.stdout.write(
        `faults, audit issues (${name}): ${faulted.size} request kinds failed once, ${cycles} cycles, ${Math.round(performance.now() - started)} ms; ${JSON.stringify({ issues, accepted: accepted.length, allowlists })}\n`,
      );
      expect(issues).toEqual(Object.fromEntries(TARGETS.map((t) => [t, 1])));
      expect(accepted).toEqual(TARGETS);
      expect(allowlists).toEqual({
        'tools/images': 4,
        'tools/shared': 2,
        'tools/config': 1,
        'tools/libs': 2,
      });
      expect([...faulted]).toEqual(expect.arrayContaining(ISSUE_REQUESTS));
      expect(sim.errors).toEqual([]);
      expect(sim.unhandled).toEqual([]);
    },
    20_000,
  );
});
