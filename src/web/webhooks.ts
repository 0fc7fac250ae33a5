import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Delivery, DeliveryAnswer } from '../pipeline/discover/webhook.js';

export interface WebhookOptions {
  /** What GitLab must send in X-Gitlab-Token (DIAGNOSER_WEBHOOK_SECRET). */
  secret: string;
  /** Takes an authenticated delivery; must answer at once (GitLab waits 10 s at most). */
  receive: (delivery: Delivery) => DeliveryAnswer;
}

export const WEBHOOK_PATH = '/webhooks/gitlab';
// A pipeline event lists every job of the pipeline; large ones pass 1 MiB.
const BODY_LIMIT = 16 * 1024 * 1024;

/** Compares in constant time; hashing first hides the secret's length too. */
function sameSecret(given: string, secret: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}

function header(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

/**
 * POST /webhooks/gitlab, in a plugin of its own: it is GitLab that calls it,
 * with the hook's secret token, so the dashboard's guard does not apply.
 * The token is checked before the body is read; a wrong or missing one gets
 * 401 and nothing is queued. GitLab signs nothing before 19.0, so the token
 * (over TLS) is the whole authentication.
 */
export function webhookRoutes(options: WebhookOptions) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.addHook('onRequest', async (request, reply) => {
      const token = header(request.headers['x-gitlab-token']);
      if (token === undefined || !sameSecret(token, options.secret)) {
        request.log.warn({ event: header(request.headers['x-gitlab-event']) }, 'webhook refused');
        return reply
          .code(401)
          .send({ error: 'X-Gitlab-Token is missing or wrong: set the hook secret token' });
      }
      return undefined;
    });

    app.post(WEBHOOK_PATH, { bodyLimit: BODY_LIMIT }, async (request) => {
      const answer = options.receive({
        event: header(request.headers['x-gitlab-event']),
        idempotencyKey: header(request.headers['idempotency-key']),
        eventUuid: header(request.headers['x-gitlab-event-uuid']),
        body: request.body,
      });
      request.log.debug(
        { event: header(request.headers['x-gitlab-event']), ...answer },
        'webhook received',
      );
      return answer;
    });
  };
}
