/**
 * Every setting's default, written out here rather than read from the schema, so a changed
 * default shows up as a failing test.
 */
export const CONFIG_DEFAULTS = {
  databasePath: './data/diagnoser.db',
  schedule: '* * * * *',
  watch: { projects: [], groups: [] },
  lookback: '24h',
  discovery: 'auto',
  offerMaxAge: '14d',
  closeAfter: '30d',
  dryRun: false,
  logLevel: 'info',
  requestTimeoutMs: 30_000,
  maxLogBytes: 4 * 1024 * 1024,
  cacheTtlSeconds: 600,
  patternDirs: [],
  http: { host: '127.0.0.1', port: 8080 },
  oauth: {},
  sessionTtl: '7d',
  sessionIdle: '12h',
  audit: { schedule: '17 3 * * *', maxProjects: 2000, openIssues: false },
} as const;
