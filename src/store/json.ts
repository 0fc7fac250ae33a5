import type * as z from 'zod';
import { StoreError } from './errors.js';

// GitLab token prefixes (personal, OAuth, deploy, runner, CI job, trigger, feed, ...).
const GITLAB_TOKEN = /\bgl(?:pat|oas|dt|rt|rtr|cbt|ptt|ft|imt|agent|soat|ffct|tst|wt)-[\w.-]{8,}/g;

/** Masks GitLab tokens in free text before it is stored: secrets never reach the database. */
export function redactTokens(text: string): string {
  return text.replace(GITLAB_TOKEN, '[redacted token]');
}

/** Serialises a JSON column, masking any token that slipped into it. */
export function toJson(value: unknown): string {
  return redactTokens(JSON.stringify(value) ?? 'null');
}

/** Parses a JSON column back; a row edited by hand into a bad shape is reported, not guessed at. */
export function fromJson<T>(schema: z.ZodType<T>, text: string, where: string, path: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new StoreError(`${where} in ${path} is not valid JSON: fix or delete that row`, {
      path,
      cause: error,
    });
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    throw new StoreError(`${where} in ${path} has an unexpected shape: fix or delete that row`, {
      path,
      cause: result.error,
    });
  }
  return result.data;
}
