import { statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createBot } from '../../src/main.js';
import { createCycleHealth } from '../../src/pipeline/health.js';
import { openDatabase } from '../../src/store/index.js';
import { startHarness, testConfig, type Harness } from '../helpers/bot-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

describe('a database whose disk fills up while the bot runs', () => {
  it("fails the cycle with run's words: SQLITE_FULL, the file and the fix; no note is posted", async () => {
    h = await startHarness({ botRole: 40 });
    h.runSeed();
    openDatabase(h.dbPath).close();
    // Not one page more than the migrated file has: the cycle's first big write finds it full.
    const pages = statSync(h.dbPath).size / 4096;
    const store = openDatabase(h.dbPath, { maxPageCount: pages, now: () => h.clock.now });
    let logged = '';
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          logged += chunk.toString();
          done();
        },
      }),
    });
    const bot = createBot(testConfig(h.sim.url, h.ids.tokens.bot, h.dbPath), {
      store,
      logger,
      now: () => h.clock.now,
    });
    // The cycle runner and failure words of `run` (cli/run-command.ts).
    const cycles = createCycleHealth({
      runCycle: () => bot.poller.runCycle(),
      logger,
      now: Date.now,
      describe: bot.describeFailure,
      recover: bot.recover,
    });

    try {
      expect(await cycles.run()).toBeUndefined();

      const message = cycles.state().lastFailure?.message ?? '';
      expect(message).toContain(`The database ${h.dbPath} failed (SQLITE_FULL`);
      expect(message).toContain(
        'the disk is full: free space on the volume that holds DIAGNOSER_DB',
      );
      expect(logged).toContain(`"msg":"cycle failed: The database ${h.dbPath} failed (SQLITE_FULL`);
      expect(h.botNotes()).toEqual([]);
      // The failed job waits with its attempts intact, not counted against the job.
      expect(store.jobQueue.countJobs()).toMatchObject({ pending: 1, failed: 0 });
    } finally {
      store.close();
    }

    // Room again: the next run diagnoses the job and posts its note.
    await h.startBot().poller.runCycle();
    expect(h.botNotes()).toHaveLength(1);
  });
});
