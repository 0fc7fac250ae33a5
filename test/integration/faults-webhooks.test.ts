import { afterEach, describe, expect, it } from 'vitest';
import { HOOK_EVENTS } from '../../src/simulator/types.js';
import { runSeedPipeline, type HookEvent } from '../../src/simulator/index.js';
import { expectFaultedCalls } from '../helpers/fault-coverage.js';
import {
  closeAfterRun,
  closeFaultRun,
  FAULTS,
  faultStoryWorld,
  isMadeWrite,
  runFaulted,
} from '../helpers/fault-run.js';
import { serveWebhooks, WEBHOOK_SECRET, type Served } from '../helpers/webhook-harness.js';

/**
 * Cycles started by GitLab's webhooks: the bot's endpoint gets the Job and Pipeline hooks of the
 * seed story's failed pipeline, then the Emoji hook of bob's 👍, from the simulator's own
 * delivery, and the work each starts meets the faults of the other stories (the first request of
 * every kind fails once). After that work settles a poll cycle runs, as `run`'s schedule does (the
 * safety net). GitLab's state must then hold one bot note, the entry written once, the job
 * retried once: nothing lost or twice; and the faults must have met the work the hooks started.
 */
afterEach(closeFaultRun);

/**
 * Request kinds the work the hooks started (before any poll) met the fault in: the diagnosis and
 * the note; under a 503 with Retry-After, whose pause ends that work at its first request, the
 * first request and the allowlist write the 👍's Emoji Hook started.
 */
function hookStarted(fault: string): string[] {
  if (fault === '503 with Retry-After') {
    return ['GET /user', 'POST /projects/:id/job_token_scope/allowlist'];
  }
  return [
    'GET /projects/:id/jobs/:id',
    'GET /projects/:id/job_token_scope/allowlist',
    'GET /projects/:id/merge_requests/:id/notes',
    'POST /projects/:id/merge_requests/:id/notes',
  ];
}

describe('a fault at the first request of every kind: cycles started by webhooks', () => {
  it.each(Object.keys(FAULTS))(
    'the seed story told by webhooks, %s: one note, the entry added once, the job retried once',
    async (name) => {
      const { world, ids } = faultStoryWorld();
      const iid = ids.mergeRequest.iid;
      const notes = () =>
        world.notesOn(ids.projects.app, iid).filter((n) => n.authorId === ids.users.bot);
      let served: Served | undefined;
      let kinds = new Set<string>();
      /** Kinds that failed while only the work the hooks started ran, and during polls. */
      const byHooks = new Set<string>();
      const byPolls = new Set<string>();
      const note = (into: Set<string>) => {
        for (const kind of kinds) if (!byHooks.has(kind) && !byPolls.has(kind)) into.add(kind);
      };
      let failed = 0;
      let approved = false;
      const run = await runFaulted(name, {
        world,
        ids,
        projects: ['team/app'],
        config: { webhookSecret: WEBHOOK_SECRET },
        start: async (bot, gitlab, faulted) => {
          served = await serveWebhooks({ sim: gitlab }, bot);
          closeAfterRun({ server: served.web });
          world.addHook({
            projectId: ids.projects.app,
            url: served.url,
            name: 'diagnoser',
            token: WEBHOOK_SECRET,
            enableSslVerification: false,
            events: Object.fromEntries(HOOK_EVENTS.map((e) => [e, e !== 'push_events'])) as Record<
              HookEvent,
              boolean
            >,
          });
          kinds = faulted.kinds;
          [failed = 0] = world.jobsOf(runSeedPipeline(world, ids).id).map((j) => j.id);
        },
        // What the hooks started, settled; then the poll `run` makes on its schedule.
        cycle: async (bot) => {
          await served?.settle();
          note(byHooks);
          await bot.poller.runCycle().finally(() => note(byPolls));
        },
        afterCycle: () => {
          const note = notes()[0];
          if (approved || !note?.body.includes('Accept with one click')) return;
          world.awardEmoji(ids.projects.app, iid, note.id, ids.users.bob, 'thumbsup');
          approved = true;
        },
        finished: (bot) =>
          bot.store.writeIntents.listPending().length === 0 &&
          (notes()[0]?.body ?? '').includes('(success)'),
      });
      const entry = new RegExp(`/projects/${ids.projects.poetry}/job_token_scope/allowlist$`);
      const found = {
        notes: notes().length,
        adds: run.gitlab.requests.filter(isMadeWrite('POST', entry, 201)).length,
        retries: run.gitlab.requests.filter(
          isMadeWrite('POST', new RegExp(`/jobs/${failed}/retry$`), 201),
        ).length,
        fixedByBot: (notes()[0]?.body ?? '').includes('**Fixed.** `bob` accepted the change'),
        diagnosed: run.bot.store.jobQueue.getJob(failed)?.status,
        deliveriesRefused: run.gitlab.hookDeliveries.filter((d) => d.status !== 200).length,
      };
      process.stdout.write(
        `faults, webhooks (${name}): ${run.faulted.size} request kinds failed once (${byHooks.size} in work the hooks started, ${byPolls.size} in polls), ${run.cycles} cycles, ${run.ms} ms; ${JSON.stringify(found)}\n`,
      );
      expect(found).toEqual({
        notes: 1,
        adds: 1,
        retries: 1,
        fixedByBot: true,
        diagnosed: 'done',
        deliveriesRefused: 0,
      });
      expect(run.gitlab.hookDeliveries.map((d) => d.event)).toEqual(
        expect.arrayContaining(['Job Hook', 'Pipeline Hook', 'Emoji Hook']),
      );
      expect([...byHooks]).toEqual(expect.arrayContaining(hookStarted(name)));
      expectFaultedCalls(run.calls, 'webhooks', name);
      expect(run.gitlab.errors).toEqual([]);
      expect(run.gitlab.unhandled).toEqual([]);
    },
    60_000,
  );
});
