import { expect } from 'vitest';
import type { ConfigInput } from '../../src/config/index.js';
import type { AuditFinding } from '../../src/domain/audit.js';
import { silentLogger } from '../../src/log.js';
import { createBot, type Bot, type BotOptions } from '../../src/main.js';
import {
  auditWorld,
  runAuditPipelines,
  startSimulator,
  type AuditIds,
  type Simulator,
  type World,
} from '../../src/simulator/index.js';
import { testConfig } from './bot-harness.js';

export interface AuditSimulator {
  sim: Simulator;
  world: World;
  ids: AuditIds;
}

/** The audit story's world on a live simulator, its pipelines run unless `pipelines` is false. */
export async function startAuditSimulator(
  options: { pipelines?: boolean } = {},
): Promise<AuditSimulator> {
  const { world, ids } = auditWorld();
  if (options.pipelines !== false) runAuditPipelines(world, ids);
  return { sim: await startSimulator({ world }), world, ids };
}

/** A bot watching the audit story's groups (web, mobile, apps), its store in memory. */
export function startAuditBot(
  { sim, ids }: Pick<AuditSimulator, 'sim' | 'ids'>,
  overrides: ConfigInput = {},
  options: BotOptions = {},
): Bot {
  return createBot(
    testConfig(sim.url, ids.tokens.bot, ':memory:', {
      watch: { projects: [], groups: ['web', 'mobile', 'apps'] },
      ...overrides,
    }),
    { logger: silentLogger(), ...options },
  );
}

/** Closes the simulator once it has answered every request it had, none with an error. */
export async function closeChecked(sim: Simulator): Promise<void> {
  expect(sim.unhandled).toEqual([]);
  expect(sim.errors).toEqual([]);
  await sim.close();
}

/** The findings in `state`, each as `source → target (kind)`, sorted. */
export function pairs(findings: AuditFinding[], state: AuditFinding['state']): string[] {
  return findings
    .filter((f) => f.state === state)
    .map((f) => `${f.source} → ${f.target} (${f.kind})`)
    .sort();
}

/** What the audit story's jobs are refused now, and what is refused once the allowlist is enforced. */
export const AUDIT_STORY_REFUSED = {
  denied: [
    'apps/api → tools/images (image)',
    'apps/api → tools/libs (artifacts)',
    'mobile/android → tools/images (image)',
    'mobile/ios → tools/images (image)',
    'mobile/web-view → tools/images (image)',
  ],
  deniedAtEnforcement: [
    'apps/worker → tools/config (auth-log)',
    'web/legacy/portal → tools/shared (submodule)',
    'web/shop → tools/shared (submodule)',
  ],
};
