/**
 * Delivers webhooks the way GitLab does: a POST per subscribed project hook,
 * with GitLab's delivery headers, after the change that caused it (GitLab
 * sends from a background worker), a 10 s timeout and no redelivery.
 */
import { randomUUID } from 'node:crypto';
import { hookEventOf } from './hook-payloads.js';
import { versionAtLeast } from './rules.js';
import type { WorldEvent } from './types.js';
import type { World } from './world.js';

/** One delivery attempt, as sent. */
export interface HookDelivery {
  hookId: number;
  url: string;
  /** X-Gitlab-Event, e.g. `Job Hook`. */
  event: string;
  headers: Record<string, string>;
  /** The receiver's HTTP status, or how the attempt failed. */
  status: number | 'timeout' | 'error';
  ms: number;
}

export interface HookDeliveryOptions {
  /** GitLab's `webhook_timeout`, 10 s by default. */
  timeoutMs?: number;
}

function projectOf(event: WorldEvent): number {
  switch (event.kind) {
    case 'job':
      return event.job.projectId;
    case 'pipeline':
      return event.pipeline.projectId;
    case 'note':
    case 'emoji':
      return event.note.projectId;
  }
}

export function startHookDelivery(world: World, options: HookDeliveryOptions = {}) {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deliveries: HookDelivery[] = [];
  const inFlight = new Set<Promise<void>>();

  async function send(
    hook: World['hooks'][number],
    event: string,
    body: string,
    eventUuid: string,
  ): Promise<void> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': `GitLab/${world.version}`,
      'X-Gitlab-Event': event,
      'X-Gitlab-Webhook-UUID': randomUUID(),
      'X-Gitlab-Event-UUID': eventUuid,
      'X-Gitlab-Instance': world.externalUrl,
    };
    if (hook.token) headers['X-Gitlab-Token'] = hook.token;
    if (versionAtLeast(world.version, '17.4.0')) headers['Idempotency-Key'] = randomUUID();
    // After the API call that caused it has answered, as from a background job.
    await new Promise((resolve) => setImmediate(resolve));
    const started = Date.now();
    let status: HookDelivery['status'];
    try {
      const response = await fetch(hook.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer();
      status = response.status;
    } catch (error) {
      status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'error';
    }
    deliveries.push({
      hookId: hook.id,
      url: hook.url,
      event,
      headers,
      status,
      ms: Date.now() - started,
    });
  }

  const stop = world.onEvent((change) => {
    // Emoji events are on by default from 16.4 (behind a flag before).
    if (change.kind === 'emoji' && !versionAtLeast(world.version, '16.4.0')) return;
    const projectId = projectOf(change);
    const hooks = world.hooks.filter((h) => h.projectId === projectId);
    if (hooks.length === 0) return;
    // The payload shows the state when the event happened, not when it is sent.
    const { flag, header, payload } = hookEventOf(world, change);
    const body = JSON.stringify(payload);
    const eventUuid = randomUUID();
    for (const hook of hooks) {
      if (!hook.events[flag as keyof typeof hook.events]) continue;
      const sending: Promise<void> = send(hook, header, body, eventUuid).finally(() =>
        inFlight.delete(sending),
      );
      inFlight.add(sending);
    }
  });

  return {
    /** Every attempt so far, oldest first. */
    deliveries,
    /** Resolves when no delivery is in flight. */
    async settled(): Promise<void> {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    stop,
  };
}
