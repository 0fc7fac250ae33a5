import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../src/config/loopback.js';

describe('isLoopbackHost: one rule for bind addresses, plain-http URLs and the local-only dashboard', () => {
  it.each([
    'localhost',
    'LOCALHOST',
    'app.localhost',
    '127.0.0.1',
    '127.8.9.10',
    '::1',
    '[::1]',
    '::ffff:127.0.0.1',
  ])('%s stays on this machine', (host) => expect(isLoopbackHost(host)).toBe(true));

  it.each([
    '0.0.0.0',
    '::',
    '10.0.0.1',
    '128.0.0.1',
    'localhost.example.com',
    'mylocalhost',
    '[::2]',
    '',
    '127.0.0.1.nip.io',
  ])('%s does not', (host) => expect(isLoopbackHost(host)).toBe(false));
});
