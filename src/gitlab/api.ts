import type { Gitlab } from '@gitbeaker/rest';

/** gitbeaker's client, as the REST areas use it. */
export type Api = InstanceType<typeof Gitlab>;

// Bounded pages everywhere: gitbeaker follows every `next` link unless told.
export const LIST_LIMIT = { perPage: 100, maxPages: 20 } as const;
