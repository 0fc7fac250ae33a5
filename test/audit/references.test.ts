import { describe, expect, it } from 'vitest';
import { parseGitmodules, submoduleProject } from '../../src/audit/gitmodules.js';
import { parseCiYaml, referencesOf } from '../../src/audit/references.js';

const known = {
  CI_REGISTRY: 'registry.example.com',
  CI_REGISTRY_IMAGE: 'registry.example.com/team/app',
};

describe('referencesOf', () => {
  it('reads GitLab merged YAML with Ruby symbol keys: default image, services, needs:project', () => {
    const merged = [
      '---',
      ':default:',
      '  :image: registry.example.com/tools/node:20',
      ':variables:',
      '  :GIT_SUBMODULE_STRATEGY: recursive',
      ':.template:',
      '  :image: registry.example.com/unused/image:1',
      ':test:',
      '  :services:',
      '    - :name: registry.example.com/tools/postgres:16',
      '      :alias: db',
      '  :needs:',
      '    - :project: tools/libs',
      '      :job: build',
      '      :ref: main',
      '  :script:',
      '    - make',
    ].join('\n');

    const { references, problems } = referencesOf(parseCiYaml(merged), { resolved: true, known });

    expect(problems).toEqual([]);
    expect(references).toEqual([
      { kind: 'image', job: 'test', image: 'registry.example.com/tools/node:20', service: false },
      {
        kind: 'image',
        job: 'test',
        image: 'registry.example.com/tools/postgres:16',
        service: true,
      },
      { kind: 'artifacts', job: 'test', project: 'tools/libs', neededJob: 'build', ref: 'main' },
      { kind: 'submodules', job: 'test' },
    ]);
  });

  it('counts hidden templates in a file read alone, and expands variables it can', () => {
    const file = [
      'variables:',
      '  BASE: $CI_REGISTRY/tools',
      '.node:',
      '  image: ${BASE}/node:20',
      'build:',
      '  extends: .node',
      '  image: $CI_REGISTRY_IMAGE/builder:1',
      '  script: [make]',
      'deploy:',
      '  image: $SECRET_REGISTRY/deployer',
      '  script: [make]',
    ].join('\n');

    const { references, problems } = referencesOf(parseCiYaml(file), { resolved: false, known });

    expect(references.map((r) => (r.kind === 'image' ? r.image : r.kind))).toEqual([
      'registry.example.com/tools/node:20',
      'registry.example.com/team/app/builder:1',
    ]);
    expect(problems).toEqual([
      'job deploy: $SECRET_REGISTRY/deployer uses a variable the audit cannot expand',
    ]);
  });

  it('ignores jobs that clone no submodules and keywords that are not jobs', () => {
    const file =
      'stages: [build]\nworkflow:\n  rules: [{when: always}]\nbuild:\n  script: [make]\n';

    expect(referencesOf(parseCiYaml(file), { resolved: false, known }).references).toEqual([]);
  });

  it('refuses text that is not a mapping', () => {
    expect(() => parseCiYaml('- just\n- a list\n')).toThrow(/not a YAML mapping/);
    expect(() => parseCiYaml('build: [make\n')).toThrow();
  });
});

describe('.gitmodules', () => {
  const instance = { bases: ['https://gitlab.example.org'] };

  it('parses sections and resolves relative, https and ssh URLs on this instance', () => {
    const modules = parseGitmodules(
      [
        '[submodule "shared"]',
        '\tpath = shared',
        '\turl = ../../tools/shared.git',
        '[submodule "vendor/lib"]',
        '  path = vendor/lib',
        '  url = https://gitlab.example.org/tools/lib.git',
        '[submodule "ssh"]',
        '  path = ssh',
        '  url = git@gitlab.example.org:tools/ssh-lib.git',
        '[submodule "elsewhere"]',
        '  path = x',
        '  url = https://github.com/org/x.git',
        '[core]',
        '  bare = false',
      ].join('\n'),
    );

    const projects = modules.map((m) =>
      submoduleProject(m.url, 'https://gitlab.example.org/web/shop', instance),
    );

    expect(modules.map((m) => m.path)).toEqual(['shared', 'vendor/lib', 'ssh', 'x']);
    expect(projects).toEqual(['tools/shared', 'tools/lib', 'tools/ssh-lib', undefined]);
  });
});
