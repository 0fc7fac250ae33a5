import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Copy, Env, type Healthcheck, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV_BINDINGS, defaultOf } from '../../src/config/settings.js';
import {
  aptInstallPackages,
  containerLikeEnv,
  contextSources,
  copySpecOf,
  dockerignoreMatcher,
  envOf,
  execForm,
  findOnPath,
  healthcheckCommand,
  hostPath,
  keywordOf,
  lineOf,
  parseDockerfile,
  performStage,
  runCommand,
  runCommandOf,
  shellParts,
  tail,
  type BuildContext,
  type CommandResult,
  type RunStep,
  type Stage,
} from './dockerfile-steps.js';

// The Dockerfile cannot be built here (no Docker engine), so this file lints it, checks the
// project's policy on it, then performs its build steps in temporary folders and runs the
// result the way the image would.

const repo = join(import.meta.dirname, '../..');
const dockerfileText = readFileSync(join(repo, 'Dockerfile'), 'utf8');
const dockerignorePath = join(repo, '.dockerignore');
const context: BuildContext = {
  dir: repo,
  ignored: dockerignoreMatcher(
    existsSync(dockerignorePath) ? readFileSync(dockerignorePath, 'utf8') : '',
  ),
};
const { stages } = parseDockerfile(dockerfileText);
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
};

const FIXTURE = 'test/fixtures/real-logs/001-qiita-cross-project-image-job-token-allowlist.log';
/** `npm ci` compiles better-sqlite3 from source when no prebuilt binary can be fetched. */
const BUILD_TIMEOUT_MS = 10 * 60_000;
const npm = findOnPath('npm');

function finalStage(): Stage {
  const stage = stages.at(-1);
  if (!stage) throw new Error('the Dockerfile has no FROM');
  return stage;
}

function buildStages(): Stage[] {
  return stages.slice(0, -1);
}

function instructions(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => keywordOf(i) === keyword);
}

/** A RUN step's command as one line of text. */
function runText(instruction: Instruction): string {
  const command = runCommandOf(instruction);
  return 'shell' in command ? command.shell : command.argv.join(' ');
}

function runs(stage: Stage): { line: number; text: string }[] {
  return instructions(stage, 'RUN').map((i) => ({ line: lineOf(i), text: runText(i) }));
}

function finalEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of finalStage().instructions) {
    if (instruction instanceof Env) {
      for (const [name, value] of envOf(instruction)) env[name] = value;
    }
  }
  return env;
}

function volumes(stage: Stage): string[] {
  return instructions(stage, 'VOLUME').flatMap(
    (i) => execForm(i) ?? (i.getArgumentsContent() ?? '').split(/\s+/),
  );
}

function onlyOne(stage: Stage, keyword: string): Instruction {
  const found = instructions(stage, keyword);
  expect(found, `the final stage has ${found.length} ${keyword} lines; it needs one`).toHaveLength(
    1,
  );
  return found[0] as Instruction;
}

function describeDiagnostic(diagnostic: ReturnType<typeof validate>[number]): string {
  const { line, character } = diagnostic.range.start;
  // LSP severities: 1 error, 2 warning, 3 information, 4 hint.
  const severity = diagnostic.severity === 2 ? 'warning' : 'error';
  const code = diagnostic.code === undefined ? '' : ` [${String(diagnostic.code)}]`;
  return `Dockerfile:${line + 1}:${character + 1} ${severity}: ${diagnostic.message}${code}`;
}

const APT_CLEANUP = /^rm\s+-rf\s+\/var\/lib\/apt\/lists/;

/**
 * Performs a build-stage RUN step with bash, except apt-get: a test changes no system
 * packages, so those steps are recorded in `aptSteps` and skipped.
 */
function buildStageRun(aptSteps: string[]): (step: RunStep) => Promise<void> {
  return async (step) => {
    const text = 'shell' in step.command ? step.command.shell : step.command.argv.join(' ');
    if (/\bapt-get\b/.test(text)) {
      const others = shellParts(text).filter(
        (p) => !p.startsWith('apt-get ') && !APT_CLEANUP.test(p),
      );
      if (others.length > 0) {
        throw new Error(
          `line ${step.line}: RUN mixes apt-get with ${others.join(', ')}; the test skips ` +
            'apt-get steps, so put the other commands in a RUN of their own',
        );
      }
      aptSteps.push(text);
      return;
    }
    const [file, ...args] =
      'shell' in step.command ? ['bash', '-c', step.command.shell] : step.command.argv;
    const result = await runCommand(file ?? 'true', args, {
      cwd: step.cwd,
      env: step.env,
      timeoutMs: BUILD_TIMEOUT_MS,
    });
    if (result.code !== 0) {
      const how = result.signal ? `signal ${result.signal}` : `exit code ${String(result.code)}`;
      throw new Error(
        `line ${step.line}: RUN ${text} failed with ${how}\n` +
          `--- stdout (end) ---\n${tail(result.stdout)}\n--- stderr (end) ---\n${tail(result.stderr)}`,
      );
    }
  };
}

/**
 * The final stage's RUN steps need root (they prepare the volume for the runtime user); the
 * folders are made, ownership is left to the lint checks, anything else is refused.
 */
async function finalStageRun(step: RunStep): Promise<void> {
  const text = 'shell' in step.command ? step.command.shell : step.command.argv.join(' ');
  for (const part of shellParts(text)) {
    const [command, ...args] = part.split(/\s+/);
    const paths = args.filter((a) => !a.startsWith('-'));
    if (command === 'mkdir') {
      for (const path of paths) {
        mkdirSync(hostPath(step.root, posix.resolve(step.workdir, path)), { recursive: true });
      }
    } else if (command !== 'chown') {
      throw new Error(
        `line ${step.line}: the final stage's "${part}" is not performed by this test; ` +
          'teach finalStageRun in test/docker/dockerfile.test.ts',
      );
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function commandFailure(what: string, result: CommandResult): string {
  return `${what} exited with ${String(result.code ?? result.signal)}\nstdout:\n${tail(result.stdout)}\nstderr:\n${tail(result.stderr)}`;
}

describe.skipIf(npm === undefined)(
  npm === undefined ? 'Dockerfile (skipped: npm is not on PATH)' : 'Dockerfile',
  () => {
    describe('lint', () => {
      it('has no error or warning from dockerfile-utils', () => {
        const problems = validate(dockerfileText)
          .filter((d) => d.severity === undefined || d.severity <= 2)
          .map(describeDiagnostic);

        expect(problems, `dockerfile-utils:\n${problems.join('\n')}`).toEqual([]);
      });

      it('pins every base image to a tag other than latest', () => {
        const names = new Set(stages.map((s) => s.name));
        const unpinned = stages
          .filter((s) => !names.has(s.from.getImageName() ?? ''))
          .filter((s) => {
            const tag = s.from.getImageTag();
            return (tag === null && s.from.getImageDigest() === null) || tag === 'latest';
          })
          .map((s) => `line ${lineOf(s.from)}: FROM ${s.from.getImage() ?? ''}`);

        expect(stages.length, 'a build stage and a final stage').toBeGreaterThanOrEqual(2);
        expect(unpinned).toEqual([]);
      });

      it('runs the final stage on the base image the native modules were built on', () => {
        const images = stages.map((s) => s.from.getImage());

        expect(new Set(images).size, `FROM lines: ${images.join(', ')}`).toBe(1);
      });

      it('installs apt packages without recommends and drops the lists in the same RUN', () => {
        const problems = stages.flatMap(runs).flatMap(({ line, text }) => {
          const installs = shellParts(text).filter((p) => /^apt-get\s.*\binstall\b/.test(p));
          if (installs.length === 0) return [];
          return [
            ...installs
              .filter((p) => !/\s--no-install-recommends\b/.test(p))
              .map((p) => `line ${line}: "${p}" lacks --no-install-recommends`),
            ...installs
              .filter((p) => !/\s(-y|--yes|--assume-yes)\b/.test(p))
              .map((p) => `line ${line}: "${p}" lacks -y and would wait for an answer`),
            ...(shellParts(text).some((p) => APT_CLEANUP.test(p))
              ? []
              : [`line ${line}: the RUN does not remove /var/lib/apt/lists`]),
          ];
        });

        expect(problems).toEqual([]);
      });

      it('installs the toolchain better-sqlite3 builds with', () => {
        const packages = buildStages()
          .flatMap(runs)
          .flatMap(({ text }) => aptInstallPackages(text));

        expect(packages).toEqual(expect.arrayContaining(['python3', 'make', 'g++']));
      });

      it('installs dependencies with npm ci, never npm install', () => {
        const all = stages.flatMap(runs);
        const installs = all.filter(({ text }) => /\bnpm\s+(install|i|add)\b/.test(text));

        expect(
          all.some(({ text }) => /\bnpm\s+ci\b/.test(text)),
          'no RUN npm ci',
        ).toBe(true);
        expect(installs.map(({ line, text }) => `line ${line}: ${text}`)).toEqual([]);
      });

      it('prunes dev dependencies after the build, in the stage the final one copies from', () => {
        const copies = instructions(finalStage(), 'COPY').filter((i) => i instanceof Copy);
        const modules = copies
          .map((i) => copySpecOf(i as Copy))
          .find((spec) => spec.sources.some((s) => posix.basename(s) === 'node_modules'));
        const from = buildStages().find((s) => s.name === modules?.from);
        const steps = from ? runs(from).map(({ text }) => text) : [];
        const build = steps.findIndex((t) => /\bnpm\s+run\s+build\b/.test(t));
        const prune = steps.findIndex((t) => /\bnpm\s+prune\b.*--omit=dev\b/.test(t));
        const installAfter = steps.slice(prune + 1).some((t) => /\bnpm\s+(ci|install|i)\b/.test(t));

        expect(modules?.from, 'the final stage copies node_modules from a stage').toBeDefined();
        expect(build, 'npm run build').toBeGreaterThanOrEqual(0);
        expect(prune, 'npm prune --omit=dev after npm run build').toBeGreaterThan(build);
        expect(installAfter, 'nothing installs again after the prune').toBe(false);
      });

      it('copies only files that exist in the repository and are not in .dockerignore', () => {
        const problems: string[] = [];
        for (const stage of stages) {
          for (const copy of instructions(stage, 'COPY')) {
            const spec = copySpecOf(copy as Copy);
            if (spec.from !== undefined) continue;
            try {
              contextSources(spec, context, lineOf(copy));
            } catch (error) {
              problems.push((error as Error).message);
            }
          }
        }

        expect(problems).toEqual([]);
      });

      it('copies only the runtime files from the build stage into the final stage', () => {
        const specs = instructions(finalStage(), 'COPY').map((i) => copySpecOf(i as Copy));
        const names = buildStages().map((s) => s.name);
        const copied = specs.flatMap((spec) => spec.sources.map((s) => posix.basename(s)));

        expect(specs.filter((spec) => !names.includes(spec.from))).toEqual([]);
        expect(copied.sort()).toEqual(['dist', 'node_modules', 'package.json', 'patterns']);
      });

      it('runs as a non-root user that owns the /data volume', () => {
        const stage = finalStage();
        const users = instructions(stage, 'USER');
        const user = users.at(-1)?.getArgumentsContent()?.trim() ?? 'root';
        const name = user.split(':')[0] ?? '';
        const chowns = runs(stage)
          .flatMap(({ text }) => shellParts(text))
          .filter((p) => new RegExp(`^chown\\s+(-\\S+\\s+)*${name}(:\\S+)?\\s+.*/data\\b`).test(p));

        expect(['', 'root', '0'], `USER ${user}`).not.toContain(name);
        expect(volumes(stage)).toContain('/data');
        expect(chowns, `no RUN gives /data to ${name}`).not.toEqual([]);
        expect(finalEnv().DIAGNOSER_DB ?? '').toMatch(/^\/data\//);
      });

      it('sets the environment the bot reads, under the names src/config/settings.ts uses', () => {
        const env = finalEnv();
        const known = new Set(Object.values(ENV_BINDINGS).map((b) => b.name));
        const unknown = Object.keys(env).filter(
          (name) => /^(DIAGNOSER_|GITLAB_|LOG_LEVEL)/.test(name) && !known.has(name),
        );

        expect(env).toMatchObject({
          NODE_ENV: 'production',
          DIAGNOSER_DB: '/data/diagnoser.db',
          DIAGNOSER_HTTP_HOST: '0.0.0.0',
        });
        expect(unknown, 'not in ENV_BINDINGS').toEqual([]);
      });

      it('exposes the port the bot listens on', () => {
        const port = finalEnv().DIAGNOSER_HTTP_PORT ?? String(defaultOf('http.port'));
        const exposed = instructions(finalStage(), 'EXPOSE').flatMap((i) =>
          (i.getArgumentsContent() ?? '').split(/\s+/).map((p) => p.replace(/\/tcp$/, '')),
        );

        expect(exposed).toContain(port);
      });

      it('has a HEALTHCHECK in exec form that asks /healthz with Node fetch', () => {
        const healthcheck = onlyOne(finalStage(), 'HEALTHCHECK') as Healthcheck;
        const argv = healthcheckCommand(healthcheck);
        const code = argv?.join(' ') ?? '';

        expect(argv, 'HEALTHCHECK CMD ["node", ...]').toBeDefined();
        expect(argv?.[0]).toBe('node');
        expect(code).toContain('fetch(');
        expect(code).toContain('http://127.0.0.1:');
        expect(code).toContain('/healthz');
        expect(code).not.toMatch(/\b(curl|wget)\b/);
      });

      it('starts the CLI with ENTRYPOINT and CMD in exec form', () => {
        const entrypoint = execForm(onlyOne(finalStage(), 'ENTRYPOINT'));
        const cmd = execForm(onlyOne(finalStage(), 'CMD'));

        expect(entrypoint).toEqual(['node', manifest.bin['pipeline-diagnoser']]);
        expect(cmd).toEqual(['run']);
      });
    });

    describe('the step runner', () => {
      const roots: string[] = [];
      afterAll(() => {
        for (const root of roots) rmSync(root, { recursive: true, force: true });
      });

      async function perform(text: string): Promise<void> {
        const root = mkdtempSync(join(tmpdir(), 'pipeline-diagnoser-docker-check-'));
        roots.push(root);
        const [stage] = parseDockerfile(text).stages;
        if (!stage) throw new Error('no stage');
        await performStage(stage, {
          root,
          context,
          stageRoots: new Map(),
          baseEnv: containerLikeEnv(),
          run: buildStageRun([]),
        });
      }

      it('fails when a RUN step fails', async () => {
        await expect(
          perform('FROM node:20-bookworm-slim AS build\nWORKDIR /app\nRUN echo going && exit 3\n'),
        ).rejects.toThrow(/line 3: RUN .* failed with exit code 3/);
      });

      it('fails when a COPY source is missing', async () => {
        await expect(
          perform('FROM node:20-bookworm-slim AS build\nCOPY no-such-file.json ./\n'),
        ).rejects.toThrow(/no-such-file\.json does not exist/);
      });

      it('refuses to skip other commands along with apt-get', async () => {
        await expect(
          perform('FROM node:20-bookworm-slim AS build\nRUN apt-get update && npm ci\n'),
        ).rejects.toThrow(/RUN mixes apt-get with npm ci/);
      });
    });

    describe('build steps, performed in temporary folders', () => {
      const temps: string[] = [];
      const aptSteps: string[] = [];
      let image: { root: string; cwd: string; env: NodeJS.ProcessEnv; entrypoint: string[] };

      beforeAll(async () => {
        const baseEnv = containerLikeEnv();
        const stageRoots = new Map<string, string>();
        for (const stage of buildStages()) {
          const root = mkdtempSync(join(tmpdir(), 'pipeline-diagnoser-docker-build-'));
          temps.push(root);
          await performStage(stage, {
            root,
            context,
            stageRoots,
            baseEnv,
            run: buildStageRun(aptSteps),
          });
          stageRoots.set(String(stage.index), root);
          if (stage.name !== undefined) stageRoots.set(stage.name, root);
        }
        const root = mkdtempSync(join(tmpdir(), 'pipeline-diagnoser-docker-image-'));
        temps.push(root);
        const stage = finalStage();
        const performed = await performStage(stage, {
          root,
          context,
          stageRoots,
          baseEnv,
          run: finalStageRun,
        });
        // Paths on the volume live in the image folder, as a mounted volume would.
        const env = { ...performed.env };
        for (const [name, value] of Object.entries(env)) {
          if (volumes(stage).some((v) => value === v || value.startsWith(`${v}/`))) {
            env[name] = hostPath(root, value);
          }
        }
        image = {
          root,
          cwd: hostPath(root, performed.workdir),
          env: { ...baseEnv, ...env },
          entrypoint: execForm(onlyOne(stage, 'ENTRYPOINT')) ?? [],
        };
      }, BUILD_TIMEOUT_MS);

      afterAll(() => {
        for (const root of temps) rmSync(root, { recursive: true, force: true });
      });

      function cli(...args: string[]): Promise<CommandResult> {
        const [file = 'node', ...rest] = image.entrypoint;
        return runCommand(file, [...rest, ...args], {
          cwd: image.cwd,
          env: image.env,
          timeoutMs: 60_000,
        });
      }

      it('has the toolchain the skipped apt-get steps install', (ctx) => {
        const packages = aptSteps.flatMap(aptInstallPackages);
        const missing = packages.filter((p) => findOnPath(p, image.env.PATH) === undefined);

        expect(packages, 'the apt-get steps name packages').not.toEqual([]);
        ctx.skip(
          missing.length > 0,
          `apt-get steps were skipped and ${missing.join(', ')} is not on PATH here; ` +
            'npm ci used a prebuilt better-sqlite3 binary or the system toolchain',
        );
      });

      it('holds only the runtime files', () => {
        expect(readdirSync(image.cwd).sort()).toEqual([
          'dist',
          'node_modules',
          'package.json',
          'patterns',
        ]);
      });

      it('has no dev dependency in node_modules', () => {
        const modules = join(image.cwd, 'node_modules');
        const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as {
          packages: Record<string, { dev?: boolean }>;
        };
        const dev = Object.entries(lock.packages)
          .filter(([path, entry]) => entry.dev === true && path.startsWith('node_modules/'))
          .map(([path]) => path.slice('node_modules/'.length));
        const present = dev.filter((path) => existsSync(join(modules, path)));

        expect(dev).toEqual(expect.arrayContaining(['vitest', 'typescript']));
        expect(existsSync(join(modules, 'better-sqlite3')), 'runtime dependencies stay').toBe(true);
        expect(present).toEqual([]);
      });

      it('loads the compiled better-sqlite3 binding', async () => {
        const [node = 'node'] = image.entrypoint;
        const result = await runCommand(
          node,
          [
            '-e',
            "const Database = require('better-sqlite3'); " +
              "process.stdout.write(JSON.stringify(new Database(':memory:').prepare('select 41 + 1 as n').get()))",
          ],
          { cwd: image.cwd, env: image.env, timeoutMs: 60_000 },
        );

        expect(result.code, commandFailure('require(better-sqlite3)', result)).toBe(0);
        expect(JSON.parse(result.stdout)).toEqual({ n: 42 });
      });

      it('starts the CLI: --help exits 0', async () => {
        const result = await cli('--help');

        expect(result.code, commandFailure('--help', result)).toBe(0);
        expect(result.stdout).toContain('Usage: pipeline-diagnoser');
      });

      it('lists the built-in patterns', async () => {
        const result = await cli('patterns', 'list');
        const ids = result.stdout.split('\n').map((line) => line.split(/\s+/)[0]);

        expect(result.code, commandFailure('patterns list', result)).toBe(0);
        expect(ids).toContain('registry-pull-denied');
      });

      it('classifies a real job log', async () => {
        const index = readFileSync(join(repo, 'test/fixtures/real-logs/INDEX.tsv'), 'utf8');
        const row = index.split('\n').find((r) => r.startsWith(`${posix.basename(FIXTURE)}\t`));
        const accepted = (row?.split('\t')[3] ?? '').split('|');
        const result = await cli('classify', '--json', join(repo, FIXTURE));
        const output = JSON.parse(result.stdout.trim().split('\n')[0] ?? 'null') as {
          diagnosis: { pattern: string } | null;
        } | null;

        expect(result.code, commandFailure('classify --json', result)).toBe(0);
        expect(output?.diagnosis, 'a diagnosis').not.toBeNull();
        expect(accepted).toContain(output?.diagnosis?.pattern);
      });

      it('runs the bot, passes its HEALTHCHECK, and stops on SIGTERM', async () => {
        const healthcheck = healthcheckCommand(onlyOne(finalStage(), 'HEALTHCHECK') as Healthcheck);
        const [file = 'node', ...rest] = image.entrypoint;
        const env: NodeJS.ProcessEnv = {
          ...image.env,
          // As `docker run -e ...` would set them; GitLab is a closed port, writes are off.
          GITLAB_URL: `http://127.0.0.1:${await freePort()}`,
          GITLAB_TOKEN: 'not-a-real-token',
          DIAGNOSER_WATCH_PROJECTS: 'group/project',
          DIAGNOSER_DRY_RUN: 'true',
          DIAGNOSER_HTTP_PORT: String(await freePort()),
        };
        const bot = spawn(file, [...rest, ...(execForm(onlyOne(finalStage(), 'CMD')) ?? [])], {
          cwd: image.cwd,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        bot.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
        bot.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
        const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
          (resolve) => bot.on('close', (code, signal) => resolve({ code, signal })),
        );
        try {
          const [check = 'node', ...checkArgs] = healthcheck ?? [];
          let last: CommandResult | undefined;
          for (
            let attempt = 0;
            attempt < 60 && bot.exitCode === null && bot.signalCode === null;
            attempt++
          ) {
            last = await runCommand(check, checkArgs, { cwd: image.cwd, env, timeoutMs: 10_000 });
            if (last.code === 0) break;
            await sleep(500);
          }

          expect(last?.code, `HEALTHCHECK failed; the bot said:\n${tail(output)}`).toBe(0);
          expect(existsSync(env.DIAGNOSER_DB ?? ''), 'the database is on the volume').toBe(true);
        } finally {
          if (bot.exitCode === null && bot.signalCode === null) bot.kill('SIGTERM');
        }
        const stopped = await Promise.race([exited, sleep(15_000, undefined)]);
        if (stopped === undefined) bot.kill('SIGKILL');

        // Before the first cycle ends the bot has no SIGTERM handler yet, so the signal ends it.
        expect(
          stopped?.code === 0 || stopped?.signal === 'SIGTERM',
          `exit after SIGTERM: ${JSON.stringify(stopped)}; the bot said:\n${tail(output)}`,
        ).toBe(true);
      }, 60_000);
    });
  },
);
