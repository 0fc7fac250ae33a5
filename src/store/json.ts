import type * as z from 'zod';
import { maskSecrets } from '../domain/secrets.js';
import { StoreError } from './errors.js';

/** Serialises a JSON column, masking any secret that slipped into one of its strings. */
export function toJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? maskSecrets(v) : v)) ??
    'null'
  );
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
