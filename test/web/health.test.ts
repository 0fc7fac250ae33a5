import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { createCycleHealth, healthBounds } from '../../src/pipeline/health.js';
import { schedulePeriodMs } from '../../src/pipeline/scheduler.js';
import { createWebServer } from '../../src/web/server.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function bodyOf(app: ReturnType<typeof createWebServer>, url: string) {
  const response = await app.inject({ url });
  return { status: response.statusCode, body: response.json<Record<string, unknown>>() };
}

describe('/healthz and /readyz follow the schedule', () => {
  it('reads the period from the cron expression', () => {
    expect(schedulePeriodMs('* * * * *')).toBe(60_000);
    expect(schedulePeriodMs('*/15 * * * *')).toBe(15 * 60_000);
    expect(schedulePeriodMs('*/10 * * * * *')).toBe(10_000);
  });

  it('a process whose cycles stop finishing fails /healthz; a finished cycle heals it', async () => {
    const harness = await startHarness({ botRole: 40 });
    h = harness;
    harness.runSeed();
    const bot = harness.startBot();
    const clock = harness.clock;
    const now = () => clock.now.getTime();
    const cycles = createCycleHealth({
      runCycle: bot.poller.runCycle,
      logger: silentLogger(),
      now,
    });
    const bounds = healthBounds(schedulePeriodMs('*/15 * * * *'));
    const app = createWebServer({
      store: bot.store,
      logger: silentLogger(),
      now: () => clock.now,
      maxCycleAgeMs: bounds.maxCycleAgeMs,
      cycles: { state: cycles.state, bounds },
    });

    await cycles.run();
    expect((await bodyOf(app, '/healthz')).status).toBe(200);
    expect((await bodyOf(app, '/readyz')).status).toBe(200);

    // Two periods and a minute: still ready under a 15-minute schedule (a fixed 15 min would not be).
    clock.advance(2 * 15 * 60_000);
    expect((await bodyOf(app, '/readyz')).status).toBe(200);
    clock.advance(2 * 60_000);
    const stale = await bodyOf(app, '/readyz');
    expect(stale.status).toBe(503);
    expect(JSON.stringify(stale.body)).toContain('expected within');
    expect((await bodyOf(app, '/healthz')).status).toBe(200);

    // Five periods without a finished cycle: stuck.
    clock.advance(3 * 15 * 60_000);
    const stuck = await bodyOf(app, '/healthz');
    expect(stuck).toMatchObject({ status: 503, body: { status: 'stuck' } });

    await cycles.run();
    expect((await bodyOf(app, '/healthz')).status).toBe(200);
    await app.close();
  });
});
