import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDuration, parseDuration } from '../../src/config/duration.js';
import { deriveImageFields, parseImageRef } from '../../src/patterns/image-ref.js';
import {
  apiTarget,
  cleanUrl,
  instanceOf,
  locate,
  npmPackageName,
  repositoryPath,
} from '../../src/resolve/gitlab-urls.js';
import { ownerCandidates } from '../../src/resolve/registry-host.js';

/** Text as a job log may hold it: any characters, with URL and reference pieces mixed in. */
const piece = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    '%',
    '%E0%A4%A',
    '%zz',
    '%2F',
    '%',
    '/',
    '://',
    '@',
    ':',
    '.git/',
    '$CI_API_V4_URL',
    '${CI_PROJECT_ID}',
    'api/v4/projects/',
    'packages/npm/',
    '@scope%2f',
    'https://gitlab.example.org/',
    'sha256:',
    '@sha256:abc',
    ':1.5',
    'registry.example.org:5000/',
  ),
);
const logValue = fc.array(piece, { maxLength: 8 }).map((parts) => parts.join(''));
const instance = instanceOf(
  { webUrl: 'https://gitlab.example.org/team/app', pathWithNamespace: 'team/app' },
  'https://gitlab.example.org/api/v4',
);

describe('parsers of log values never throw', () => {
  it('image references', () => {
    fc.assert(
      fc.property(logValue, logValue, (image, ref) => {
        parseImageRef(image);
        deriveImageFields({ image, imageRef: ref });
        deriveImageFields({ registry: image, repository: ref });
        ownerCandidates(image);
      }),
    );
  });

  it('URLs: clone, API and package registry paths, malformed % escapes included', () => {
    fc.assert(
      fc.property(logValue, (url) => {
        cleanUrl(url);
        const where = locate(url, instance);
        repositoryPath(url);
        apiTarget(url);
        npmPackageName(url);
        if (where.on === 'instance') {
          repositoryPath(where.path);
          apiTarget(where.path);
        }
      }),
    );
  });

  it('keeps a malformed escape as written', () => {
    expect(repositoryPath('group/%E0%A4%A/project.git')).toBe('group/%E0%A4%A/project');
    expect(locate('https://gitlab.example.org/a/%zz.git', instance)).toEqual({
      on: 'instance',
      path: 'a/%zz.git',
    });
  });

  it('durations: isDuration never throws, parseDuration only refuses what isDuration refuses', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 30 }), fc.stringMatching(/^(?:\d{1,25}[smhdw]){1,4}$/)),
        (text) => {
          const valid = isDuration(text);
          if (valid) expect(Number.isSafeInteger(parseDuration(text))).toBe(true);
          else expect(() => parseDuration(text)).toThrow(RangeError);
        },
      ),
    );
  });
});
