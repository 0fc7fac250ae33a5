import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON logs on stderr (stdout belongs to the commands' output). Anything
 * that looks like a credential is redacted by key, and `secrets` (the bot's
 * token) wherever it appears in a message.
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
      ],
      censor: '[redacted]',
    },
    hooks: {
      streamWrite(line) {
        let out = line;
        for (const secret of secrets) out = out.split(secret).join('[redacted]');
        return out;
      },
    },
  };
  return pino(config, (options.destination ?? process.stderr) as pino.DestinationStream);
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
