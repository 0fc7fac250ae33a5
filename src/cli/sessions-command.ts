import type { Command } from 'commander';
import { parseDuration } from '../config/index.js';
import { openDatabase, type Session } from '../store/index.js';
import { localAddress } from '../web/access-config.js';
import { LOCAL_LINK_PATH, LOCAL_LINK_TTL_MS, createLocalLinkCode } from '../web/local-access.js';
import { localConfigOrExit } from './config-or-exit.js';

interface SessionsOptions {
  config?: string;
  db?: string;
}

function describe(session: Session): string {
  const who = session.username ? `@${session.username}` : '-';
  return [
    session.kind.padEnd(6),
    who.padEnd(24),
    session.createdAt,
    session.lastSeenAt,
    session.expiresAt,
  ].join('  ');
}

export function registerSessionsCommand(program: Command): void {
  const sessions = program
    .command('sessions')
    .description('dashboard sign-ins: list them, end them all, or make a one-time local link');
  const withOptions = (command: Command) =>
    command
      .option('--config <file>', 'YAML configuration file (or DIAGNOSER_CONFIG)')
      .option('--db <file>', 'SQLite incident log (or DIAGNOSER_DB)');

  withOptions(sessions.command('list').description('the dashboard sessions still live')).action(
    (options: SessionsOptions) => {
      const config = localConfigOrExit(options);
      const store = openDatabase(config.databasePath);
      try {
        const idleSince = new Date(Date.now() - parseDuration(config.sessionIdle));
        const live = store.sessions.listActiveSessions(idleSince);
        const header = [
          'kind  ',
          'user'.padEnd(24),
          'started'.padEnd(24),
          'last request'.padEnd(24),
          'ends',
        ];
        process.stdout.write(`${[header.join('  '), ...live.map(describe)].join('\n')}\n`);
        process.stdout.write(`${live.length} live session${live.length === 1 ? '' : 's'}\n`);
      } finally {
        store.close();
      }
    },
  );

  withOptions(sessions.command('end-all').description('sign everyone out of the dashboard')).action(
    (options: SessionsOptions) => {
      const store = openDatabase(localConfigOrExit(options).databasePath);
      try {
        const ended = store.sessions.endAllSessions();
        process.stdout.write(`ended ${ended} session${ended === 1 ? '' : 's'}\n`);
      } finally {
        store.close();
      }
    },
  );

  withOptions(
    sessions
      .command('link')
      .description(
        'print a one-time link that opens the dashboard in a browser on this host (10 minutes)',
      ),
  ).action((options: SessionsOptions) => {
    const config = localConfigOrExit(options);
    const store = openDatabase(config.databasePath);
    try {
      const code = createLocalLinkCode(store.sessions);
      const minutes = LOCAL_LINK_TTL_MS / 60_000;
      process.stdout.write(
        `${localAddress(config)}${LOCAL_LINK_PATH}?code=${code}\n` +
          `Open it within ${minutes} minutes in a browser on this host; it works once, and only without a proxy.\n`,
      );
    } finally {
      store.close();
    }
  });
}
