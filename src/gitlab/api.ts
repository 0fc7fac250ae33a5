import type { Gitlab } from '@gitbeaker/rest';

/** gitbeaker's client, as the REST areas use it. */
export type Api = InstanceType<typeof Gitlab>;

// Bounded pages everywhere: gitbeaker follows every `next` link unless told.
export const LIST_LIMIT = { perPage: 100, maxPages: 20 } as const;

/**
 * Every page: for the watched projects, which must be complete however many
 * there are (the bounded limit above stopped at 2,000).
 */
export const ALL_PAGES = { perPage: 100 } as const;
