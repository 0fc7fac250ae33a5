import { afterEach, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit/run-audit.js';
import { acceptAuditIssues, scheduledAudit } from '../../src/audit/refresh.js';
import type { AuditFinding, AuditReport } from '../../src/domain/audit.js';
import { createGitlabAdapter } from '../../src/gitlab/client.js';
import { auditWorld, awardIssueEmoji, runAuditPipelines } from '../../src/simulator/index.js';
import { expectFaultedCalls } from '../helpers/fault-coverage.js';
import { closeFaultRun, FAULTS, madeWith, runFaulted } from '../helpers/fault-run.js';

/**
 * The audit, as `run` makes it: on its schedule it reads what the watched projects' jobs reach
 * (CI files, the targets' authentication logs, allowlists, group members) and opens one issue per
 * target project listing the entries its allowlist lacks; on each poll cycle it applies an issue's
 * entries once a Maintainer there gives a 👍. The first request of every kind it makes fails once
 * with one kind of fault. Every audit that finishes must find what one without faults finds;
 * each target must end with exactly one issue of the bot's, accepted and closed, and each entry
 * must have been written exactly once: nothing lost, nothing twice.
 */
const TARGETS = ['tools/images', 'tools/shared', 'tools/config', 'tools/libs'];
/** The entries the audit offers (and a 👍 adds): two in tools/images, two in tools/shared. */
const ENTRIES = 6;
/** Request kinds that must have met the fault: the audit's reads, the issues, the writes. */
const AUDIT_REQUESTS = [
  'GET /metadata',
  'GET /groups/web/projects',
  'GET /projects/:id',
  'GET /projects/:id/ci/lint',
  'GET /projects/:id/repository/files/.gitlab-ci.yml/raw',
  'GET /projects/:id/repository/files/.gitmodules/raw',
  // The projects the bot maintains, then their job token authentication logs.
  'GET /projects',
  'graphql project',
  'GET /projects/:id/job_token_scope',
  'GET /projects/:id/job_token_scope/allowlist',
  'GET /projects/:id/job_token_scope/groups_allowlist',
  'GET /groups/:id',
  'GET /projects/:id/members/all/:id',
  'GET /groups/mobile/members/all/:id',
  'GET /projects/:id/issues',
  'POST /projects/:id/issues',
  'GET /projects/:id/issues/:id',
  'PUT /projects/:id/issues/:id',
  'GET /projects/:id/issues/:id/award_emoji',
  'POST /projects/:id/job_token_scope/allowlist',
  'POST /projects/:id/job_token_scope/groups_allowlist',
];

afterEach(closeFaultRun);

const key = (f: AuditFinding) => `${f.source} → ${f.target} (${f.kind})`;

describe('the audit, its issues and their acceptance, with a fault at the first request of every kind', () => {
  it.each(Object.keys(FAULTS))(
    '%s: every finding reported, one issue per target, accepted once, each entry written once',
    async (name) => {
      const { world, ids } = auditWorld();
      runAuditPipelines(world, ids);
      const id = (path: string) => ids.projects[path] as number;
      const botIssues = (path: string) =>
        world.project(id(path))?.issues.filter((i) => i.authorId === ids.users.bot) ?? [];
      let expected: AuditReport | undefined;
      const reports: AuditReport[] = [];
      const approved = new Set<number>();
      const run = await runFaulted(name, {
        world,
        ids,
        projects: [],
        groups: ['web', 'mobile', 'apps'],
        config: { audit: { schedule: 'off', maxProjects: 2000, openIssues: true } },
        beforeFaults: async (gitlab) => {
          expected = await runAudit({
            gitlab: createGitlabAdapter({ url: gitlab.url, token: ids.tokens.bot }),
            watch: { projects: [], groups: ['web', 'mobile', 'apps'] },
            now: () => new Date(),
            requestCount: () => 0,
          });
        },
        // An audit on its schedule, then a poll cycle's look at the issues' reactions.
        cycle: async (bot) => {
          await scheduledAudit(bot);
          await acceptAuditIssues(bot);
        },
        afterCycle: (bot) => {
          const report = bot.store.audit.latestAuditReport();
          if (report && report.at !== reports.at(-1)?.at) reports.push(report);
          // tina maintains tools: one 👍 on each issue of the bot's she sees open.
          for (const path of TARGETS) {
            for (const issue of botIssues(path)) {
              if (issue.state !== 'opened' || approved.has(issue.id)) continue;
              awardIssueEmoji(world, id(path), issue.iid, ids.users.tina, 'thumbsup');
              approved.add(issue.id);
            }
          }
        },
        finished: () =>
          TARGETS.every(
            (t) => botIssues(t).length > 0 && botIssues(t).every((i) => i.state === 'closed'),
          ),
      });

      const entryWrites = new Map<string, number>();
      for (const r of run.gitlab.requests) {
        if (r.method !== 'POST' || !/\/job_token_scope\/\w+$/.test(r.path) || !madeWith(201)(r)) {
          continue;
        }
        const entry = `${r.path} ${JSON.stringify(r.body)}`;
        entryWrites.set(entry, (entryWrites.get(entry) ?? 0) + 1);
      }
      const wanted = expected?.findings.map(key) ?? [];
      const problems = (r: AuditReport) => r.problems.map((p) => `${p.where}: ${p.message}`);
      const found = {
        findingsLost: reports.flatMap((r) =>
          wanted.filter((k) => !r.findings.some((f) => key(f) === k)),
        ),
        // A read that failed must not leave a finding's state unknown.
        unknownAdded: reports.flatMap((r) =>
          r.findings
            .filter((f) => f.state === 'unknown')
            .map(key)
            .filter((k) => !expected?.findings.some((f) => f.state === 'unknown' && key(f) === k)),
        ),
        problemsAdded: reports.flatMap((r) =>
          problems(r).filter((p) => !problems(expected as AuditReport).includes(p)),
        ),
        issues: Object.fromEntries(TARGETS.map((t) => [t, botIssues(t).length])),
        accepted: TARGETS.filter((t) =>
          botIssues(t).some(
            (i) => i.state === 'closed' && /^\*\*Accepted by `@tina`\.\*\*/.test(i.description),
          ),
        ).length,
        // Nobody adds an entry by hand here: an outcome saying so took the bot's write for another's.
        saidThereAlready: TARGETS.filter((t) =>
          botIssues(t).some((i) => i.description.includes('was on the allowlist already')),
        ),
        entriesWritten: entryWrites.size,
        writtenTwice: [...entryWrites].filter(([, n]) => n > 1).map(([entry]) => entry),
        allowlists: Object.fromEntries(
          TARGETS.map((t) => {
            const list = world.project(id(t))?.jobTokenAllowlist;
            return [t, (list?.projectIds.length ?? 0) + (list?.groupIds.length ?? 0)];
          }),
        ),
      };
      process.stdout.write(
        `faults, audit (${name}): ${run.faulted.size} request kinds failed once, ${run.cycles} cycles (${reports.length} audits finished), ${run.ms} ms; ${JSON.stringify(found)}\n`,
      );
      expect(wanted.length).toBeGreaterThan(0);
      expect(reports.length).toBeGreaterThan(0);
      expect(found).toEqual({
        findingsLost: [],
        unknownAdded: [],
        problemsAdded: [],
        issues: Object.fromEntries(TARGETS.map((t) => [t, 1])),
        accepted: TARGETS.length,
        saidThereAlready: [],
        entriesWritten: ENTRIES,
        writtenTwice: [],
        allowlists: { 'tools/images': 4, 'tools/shared': 2, 'tools/config': 1, 'tools/libs': 2 },
      });
      expect([...run.faulted]).toEqual(expect.arrayContaining(AUDIT_REQUESTS));
      expectFaultedCalls(run.calls, 'audit', name);
      expect(run.gitlab.errors).toEqual([]);
      expect(run.gitlab.unhandled).toEqual([]);
    },
    30_000,
  );
});
