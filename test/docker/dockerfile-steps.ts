import { spawn } from 'node:child_process';
import { accessSync, constants, cpSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, delimiter, join, posix, relative, sep } from 'node:path';
import {
  Copy,
  DockerfileParser,
  Env,
  From,
  JSONInstruction,
  type Dockerfile,
  type Healthcheck,
  type Instruction,
} from 'dockerfile-ast';

// Reads a Dockerfile with dockerfile-ast and performs its steps on this machine: each stage's
// filesystem is a temporary folder standing for the container's "/", RUN steps run there with
// bash, COPY copies from the build context (honouring .dockerignore) or from an earlier stage.

/** One build stage: its FROM and the instructions after it. */
export interface Stage {
  readonly index: number;
  /** The `AS` name, if any. */
  readonly name: string | undefined;
  readonly from: From;
  readonly instructions: readonly Instruction[];
}

export interface ParsedDockerfile {
  readonly dockerfile: Dockerfile;
  readonly stages: readonly Stage[];
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const dockerfile = DockerfileParser.parse(text);
  const stages: Stage[] = [];
  let current: { from: From; instructions: Instruction[] } | undefined;
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction instanceof From) {
      current = { from: instruction, instructions: [] };
      stages.push({
        index: stages.length,
        name: instruction.getBuildStage() ?? undefined,
        from: instruction,
        instructions: current.instructions,
      });
    } else if (current) {
      current.instructions.push(instruction);
    } else if (instruction.getKeyword() !== 'ARG') {
      throw new Error(`line ${lineOf(instruction)}: ${instruction.getKeyword()} before any FROM`);
    }
  }
  return { dockerfile, stages };
}

/** One-based line number, as an editor shows it. */
export function lineOf(instruction: Instruction): number {
  return instruction.getRange().start.line + 1;
}

export function keywordOf(instruction: Instruction): string {
  return instruction.getKeyword().toUpperCase();
}

/** The argv of an exec-form (JSON) instruction, or undefined in shell form. */
export function execForm(instruction: Instruction): string[] | undefined {
  if (!(instruction instanceof JSONInstruction) || instruction.getOpeningBracket() === null) {
    return undefined;
  }
  return instruction.getJSONStrings().map((s) => JSON.parse(s.getValue()) as string);
}

/** The command a RUN step runs: argv in exec form, else the shell text without continuations. */
export function runCommandOf(instruction: Instruction): { argv: string[] } | { shell: string } {
  const argv = execForm(instruction);
  if (argv) return { argv };
  return { shell: instruction.getArgumentsContent() ?? '' };
}

export interface CopySpec {
  /** The `--from` stage or image; undefined for the build context. */
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly dest: string;
}

export function copySpecOf(copy: Copy): CopySpec {
  const args = execForm(copy) ?? copy.getArguments().map((a) => a.getValue());
  const unsupported = copy.getFlags().filter((f) => f.getName() !== 'from');
  if (unsupported.length > 0) {
    throw new Error(
      `line ${lineOf(copy)}: COPY flag --${unsupported[0]?.getName()} is not performed by ` +
        'test/docker/dockerfile-steps.ts; teach it there',
    );
  }
  if (args.length < 2) throw new Error(`line ${lineOf(copy)}: COPY needs a source and a dest`);
  return {
    from: copy.getFromFlag()?.getValue() ?? undefined,
    sources: args.slice(0, -1),
    dest: args[args.length - 1] as string,
  };
}

/** The variables an ENV instruction sets, in order. */
export function envOf(env: Env): [string, string][] {
  return env.getProperties().map((p) => [p.getName(), p.getUnescapedValue() ?? '']);
}

/** The argv of `HEALTHCHECK ... CMD [...]`, or undefined when it is in shell form or NONE. */
export function healthcheckCommand(healthcheck: Healthcheck): string[] | undefined {
  const content = healthcheck.getArgumentsContent() ?? '';
  const match = /^CMD\s+(\[[\s\S]*\])\s*$/i.exec(content.trim());
  if (!match?.[1]) return undefined;
  const parsed: unknown = JSON.parse(match[1]);
  return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? parsed : undefined;
}

/** The `&&`-joined parts of a shell command. */
export function shellParts(shell: string): string[] {
  return shell
    .split(/&&|;|\|\|/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** Packages named by `apt-get install` in a shell command. */
export function aptInstallPackages(shell: string): string[] {
  const packages: string[] = [];
  for (const part of shellParts(shell)) {
    const words = part.split(/\s+/);
    if (words[0] !== 'apt-get' || !words.includes('install')) continue;
    packages.push(...words.slice(words.indexOf('install') + 1).filter((w) => !w.startsWith('-')));
  }
  return packages;
}

/**
 * A matcher for .dockerignore: true when a context-relative path is left out of the build
 * context, either itself or through a folder it is in. Later lines win; `!` brings paths back.
 */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = posix.normalize((negated ? line.slice(1) : line).trim()).replace(/^\/+/, '');
      return { negated, regex: globToRegex(pattern.replace(/\/+$/, '')) };
    });
  return (path) => {
    const parts = path.split(/[\\/]/).filter((p) => p !== '' && p !== '.');
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) {
      if (candidates.some((c) => rule.regex.test(c))) excluded = !rule.negated;
    }
    return excluded;
  };
}

function globToRegex(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === '*' && glob[i + 1] === '*') {
      source += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

export interface BuildContext {
  readonly dir: string;
  readonly ignored: (path: string) => boolean;
}

/** Host paths of a COPY's context sources; throws when one is missing, ignored or outside. */
export function contextSources(spec: CopySpec, context: BuildContext, line: number): string[] {
  return spec.sources.map((source) => {
    if (/[*?[]/.test(source)) {
      throw new Error(`line ${line}: COPY source ${source}: wildcards are not performed here`);
    }
    const rel = posix.normalize(source.replace(/^\/+/, ''));
    if (rel === '..' || rel.startsWith('../')) {
      throw new Error(`line ${line}: COPY source ${source} is outside the build context`);
    }
    const host = join(context.dir, rel);
    if (!existsSync(host)) {
      throw new Error(`line ${line}: COPY source ${source} does not exist in ${context.dir}`);
    }
    if (rel !== '.' && context.ignored(rel)) {
      throw new Error(`line ${line}: COPY source ${source} is excluded by .dockerignore`);
    }
    return host;
  });
}

/** Where a container path lives under a stage's root folder. */
export function hostPath(root: string, containerPath: string): string {
  return join(root, ...posix.resolve('/', containerPath).split('/'));
}

/** Copies like COPY does: a folder's contents into dest, a file into dest or dest/name. */
function copyInto(
  sources: readonly string[],
  destHost: string,
  destIsDir: boolean,
  filter: (src: string) => boolean,
): void {
  for (const source of sources) {
    if (statSync(source).isDirectory()) {
      mkdirSync(destHost, { recursive: true });
      cpSync(source, destHost, { recursive: true, verbatimSymlinks: true, filter });
    } else {
      const target = destIsDir ? join(destHost, basename(source)) : destHost;
      mkdirSync(destIsDir ? destHost : join(target, '..'), { recursive: true });
      cpSync(source, target, { verbatimSymlinks: true });
    }
  }
}

export interface RunStep {
  readonly line: number;
  readonly command: { argv: string[] } | { shell: string };
  /** Host folder for the stage's WORKDIR. */
  readonly cwd: string;
  /** The stage's WORKDIR as a container path. */
  readonly workdir: string;
  readonly env: NodeJS.ProcessEnv;
  /** The stage's root folder, standing for "/". */
  readonly root: string;
}

export interface PerformOptions {
  /** Folder standing for the stage's "/"; created if missing. */
  readonly root: string;
  readonly context: BuildContext;
  /** Root folders of stages performed earlier, by name and by index. */
  readonly stageRoots: ReadonlyMap<string, string>;
  /** The environment the base image would give; ENV and ARG lines are added to it. */
  readonly baseEnv: NodeJS.ProcessEnv;
  /** Performs (or knowingly skips) one RUN step; must throw when the step fails. */
  readonly run: (step: RunStep) => Promise<void>;
}

export interface PerformedStage {
  readonly root: string;
  /** The container path of the last WORKDIR. */
  readonly workdir: string;
  /** What the stage's ENV lines set. */
  readonly env: Readonly<Record<string, string>>;
}

/** Instructions that only describe the image; nothing to perform. */
const METADATA = new Set([
  'USER',
  'VOLUME',
  'EXPOSE',
  'HEALTHCHECK',
  'ENTRYPOINT',
  'CMD',
  'LABEL',
  'STOPSIGNAL',
]);

/** Performs a stage's instructions in `options.root`; throws on the first failing one. */
export async function performStage(stage: Stage, options: PerformOptions): Promise<PerformedStage> {
  const { root, context } = options;
  mkdirSync(root, { recursive: true });
  let workdir = '/';
  const env: Record<string, string> = {};
  for (const instruction of stage.instructions) {
    const line = lineOf(instruction);
    const keyword = keywordOf(instruction);
    if (keyword === 'WORKDIR') {
      workdir = posix.resolve(workdir, instruction.getArgumentsContent() ?? '/');
      mkdirSync(hostPath(root, workdir), { recursive: true });
    } else if (instruction instanceof Env) {
      for (const [name, value] of envOf(instruction)) env[name] = value;
    } else if (keyword === 'ARG') {
      const [name = '', value] = (instruction.getArgumentsContent() ?? '').split('=', 2);
      if (value !== undefined) env[name] = value;
    } else if (instruction instanceof Copy) {
      const spec = copySpecOf(instruction);
      const destContainer = posix.resolve(workdir, spec.dest);
      const destHost = hostPath(root, destContainer);
      const destIsDir =
        spec.dest.endsWith('/') ||
        spec.sources.length > 1 ||
        (existsSync(destHost) && statSync(destHost).isDirectory());
      if (spec.from === undefined) {
        const sources = contextSources(spec, context, line);
        const filter = (src: string) => {
          const rel = relative(context.dir, src).split(sep).join('/');
          return rel === '' || !context.ignored(rel);
        };
        copyInto(sources, destHost, destIsDir, filter);
      } else {
        const fromRoot = options.stageRoots.get(spec.from);
        if (fromRoot === undefined) {
          throw new Error(`line ${line}: COPY --from=${spec.from} names no earlier stage`);
        }
        const sources = spec.sources.map((source) => {
          const host = hostPath(fromRoot, posix.resolve('/', source));
          if (!existsSync(host)) {
            throw new Error(`line ${line}: COPY --from=${spec.from} ${source}: no such path`);
          }
          return host;
        });
        copyInto(sources, destHost, destIsDir, () => true);
      }
    } else if (keyword === 'RUN') {
      await options.run({
        line,
        command: runCommandOf(instruction),
        cwd: hostPath(root, workdir),
        workdir,
        env: { ...options.baseEnv, ...env },
        root,
      });
    } else if (!METADATA.has(keyword)) {
      throw new Error(
        `line ${line}: ${keyword} is not performed by test/docker/dockerfile-steps.ts; teach it there`,
      );
    }
  }
  return { root, workdir, env };
}

export interface CommandResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to its end; output is collected, never inherited. */
export function runCommand(
  file: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The last lines of a program's output, for an error message. */
export function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** The full path of a program on PATH, or undefined. */
export function findOnPath(program: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * This process's environment as a container would see it: what the test runner and an
 * enclosing `npm run`/`npx` add is removed (npm_config_* settings such as nodedir stay), so
 * a step cannot lean on the repository's own node_modules or package.
 */
export function containerLikeEnv(source: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (/^(VITEST|TEST$|NODE_ENV$|NODE_PATH$|INIT_CWD$)/.test(key)) continue;
    if (/^npm_(package_|lifecycle_|command$|execpath$|node_execpath$)/.test(key)) continue;
    if (key === 'npm_config_local_prefix') continue;
    env[key] = value;
  }
  env.PATH = (source.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '' && !/[\\/]node_modules[\\/]\.bin$/.test(dir))
    .join(delimiter);
  return env;
}
