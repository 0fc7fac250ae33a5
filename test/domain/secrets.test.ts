import fc from 'fast-check';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { toJson } from '../../src/store/json.js';
import { GITLAB_TOKEN_PREFIXES, MASK, maskSecrets } from '../../src/domain/secrets.js';

const tokenChars = fc.constantFrom(
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-',
);
const body = (min: number) => fc.string({ unit: tokenChars, minLength: min, maxLength: 40 });
const prefixed = fc
  .tuple(fc.constantFrom(...GITLAB_TOKEN_PREFIXES), body(20))
  .map(([prefix, rest]) => `${prefix}-${rest}`);
/** Where a job log shows a CI_JOB_TOKEN value (its old 20-character shape has no prefix). */
const jobTokenInContext = fc
  .tuple(body(20), fc.integer({ min: 0, max: 3 }))
  .map(([value, shape]) => ({
    value,
    text: [
      `git clone https://gitlab-ci-token:${value}@gitlab.example.org/a/b.git`,
      `curl --header "JOB-TOKEN: ${value}" https://gitlab.example.org/api/v4/projects/1`,
      `export CI_JOB_TOKEN=${value}`,
      `Authorization: Bearer ${value}`,
    ][shape] as string,
  }));
const logText = fc.string({ unit: 'binary', maxLength: 200 });
/** Log text, a prefixed token or a job token in context. */
const anyPart = fc.oneof(
  logText,
  prefixed,
  jobTokenInContext.map((t) => t.text),
);

describe('maskSecrets: one rule for logs, notes and the database', () => {
  it('masks every GitLab token prefix wherever the token sits in a line', () => {
    fc.assert(
      fc.property(logText, prefixed, logText, (before, token, after) => {
        const masked = maskSecrets(`${before}${token} ${after}`);
        expect(masked).not.toContain(token.slice(token.indexOf('-')));
      }),
    );
  });

  it('masks CI_JOB_TOKEN values in clone URLs, headers and assignments', () => {
    fc.assert(
      fc.property(logText, jobTokenInContext, (before, { value, text }) => {
        expect(maskSecrets(`${before}\n${text}`)).not.toContain(value);
      }),
    );
  });

  it('masks the literal secrets it is given', () => {
    fc.assert(
      fc.property(
        logText,
        body(6).filter((s) => !MASK.includes(s)),
        logText,
        (before, secret, after) => {
          expect(maskSecrets(`${before}${secret}${after}`, [secret])).not.toContain(secret);
        },
      ),
    );
  });

  it('is idempotent and never throws', () => {
    fc.assert(
      fc.property(
        fc.array(anyPart, { maxLength: 6 }),
        fc.array(body(6), { maxLength: 2 }),
        (parts, extra) => {
          const once = maskSecrets(parts.join(' '), extra);
          expect(maskSecrets(once, extra)).toBe(once);
        },
      ),
    );
  });

  it('keeps JSON valid when a whole JSON text is masked', () => {
    fc.assert(
      fc.property(fc.array(anyPart), (values) => {
        const masked = maskSecrets(JSON.stringify(values));
        expect(() => JSON.parse(masked) as unknown).not.toThrow();
      }),
    );
  });

  it.each([
    ['glwt-0123456789abcdefghij', MASK],
    ['acme-glpat-0123456789abcdefghij', `acme-${MASK}`],
    ['glcbt-64_0123456789abcdefghij', MASK],
    ['GR1348941abcdefghijklmnopqrst', MASK],
    ['id token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcm9qZWN0In0.c2lnbmF0dXJlMTIz', `id token ${MASK}`],
    ['glibc-2.31-0ubuntu9.16 installed', 'glibc-2.31-0ubuntu9.16 installed'],
  ])('masks %j', (text, masked) => {
    expect(maskSecrets(text)).toBe(masked);
  });
});

describe('the same rule guards the bot log and the database', () => {
  const token = 'glwt-0123456789abcdefghij';
  const clone = 'https://gitlab-ci-token:abcdefghij0123456789@gitlab.example.org/a/b.git';

  it('the bot log', () => {
    let written = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    });
    const logger = createLogger({ secrets: ['own-bot-token-value'], destination });
    logger.info({ line: `${clone} ${token}` }, 'seen own-bot-token-value');
    expect(written).toContain(MASK);
    expect(written).not.toMatch(/0123456789abcdefghij|abcdefghij0123456789|own-bot-token-value/);
    expect(() => JSON.parse(written) as unknown).not.toThrow();
  });

  it('the database', () => {
    const stored = toJson({ evidence: { line: `${clone} ${token}` } });
    expect(stored).not.toMatch(/0123456789abcdefghij|abcdefghij0123456789/);
    expect(JSON.parse(stored)).toEqual({
      evidence: { line: `https://gitlab-ci-token:${MASK}@gitlab.example.org/a/b.git ${MASK}` },
    });
  });
});
