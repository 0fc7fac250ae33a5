import { pino, type Logger, type LoggerOptions } from 'pino';
import { maskSecrets } from './domain/secrets.js';

export type { Logger } from 'pino';

/**
 * JSON logs on stderr (stdout belongs to the commands' output). Anything
 * that looks like a credential is redacted by key; `secrets` (the bot's
 * token) and anything shaped like a token are masked wherever they appear.
 */
export function createLogger(options: {
  level?: string;
  secrets?: readonly string[];
  destination?: NodeJS.WritableStream;
}): Logger {
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 6);
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    base: { name: 'pipeline-diagnoser' },
    redact: {
      paths: [
        'token',
        '*.token',
        'gitlabToken',
        '*.gitlabToken',
        'headers.authorization',
        'headers["private-token"]',
        '*.headers["private-token"]',
        'config.gitlabToken',
        'adminToken',
        '*.adminToken',
        'config.adminToken',
        'webhookSecret',
        '*.webhookSecret',
        'config.webhookSecret',
        'headers["x-gitlab-token"]',
        '*.headers["x-gitlab-token"]',
      ],
      censor: '[redacted]',
    },
    hooks: {
      streamWrite(line) {
        return maskSecrets(line, secrets);
      },
    },
  };
  return pino(config, (options.destination ?? process.stderr) as pino.DestinationStream);
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
