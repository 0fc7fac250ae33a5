import type { Migration } from './migration.js';

/**
 * Webhook deliveries already received, by key (GitLab's Idempotency-Key, or the event UUID
 * with the object), so a delivery repeated after a restart is dropped too.
 */
export const migration: Migration = {
  version: 8,
  name: 'webhook-deliveries',
  sql: `
CREATE TABLE webhook_deliveries (
  key TEXT PRIMARY KEY,
  received_at TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_received ON webhook_deliveries (received_at);
`,
};
