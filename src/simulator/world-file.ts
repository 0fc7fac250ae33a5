/**
 * A world described in YAML, for `pipeline-diagnoser simulator --world <file>`:
 * users, groups, projects, memberships, registry images and the pipelines to
 * run on request.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import type { AccessLevel, Pipeline } from './types.js';
import { World } from './world.js';

const Role = z.union([z.literal(10), z.literal(20), z.literal(30), z.literal(40), z.literal(50)]);

const WorldFile = z.strictObject({
  version: z.string().optional(),
  users: z.array(
    z.strictObject({
      username: z.string(),
      name: z.string().optional(),
      admin: z.boolean().optional(),
      bot: z.boolean().optional(),
    }),
  ),
  groups: z.array(z.strictObject({ path: z.string() })).default([]),
  projects: z.array(
    z.strictObject({
      path: z.string().regex(/\//, 'is a full path, e.g. team/app'),
      visibility: z.enum(['private', 'internal', 'public']).optional(),
    }),
  ),
  members: z.array(z.strictObject({ user: z.string(), of: z.string(), role: Role })).default([]),
  images: z
    .array(
      z.strictObject({
        project: z.string(),
        repository: z.string().default(''),
        tags: z.array(z.string()),
      }),
    )
    .default([]),
  pipelines: z
    .array(
      z.strictObject({
        project: z.string(),
        ref: z.string().default('main'),
        user: z.string(),
        jobs: z.array(
          z.strictObject({
            name: z.string(),
            image: z.string(),
            script: z.array(z.string()).optional(),
          }),
        ),
      }),
    )
    .default([]),
});
export type WorldFile = z.infer<typeof WorldFile>;

/** The world of a file, and a function that runs the file's pipelines once more. */
export function loadWorldFile(path: string): {
  world: World;
  tokens: Map<string, string>;
  runPipelines(): Pipeline[];
} {
  const parsed = WorldFile.safeParse(parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`${path} is not a world file:\n${problems.join('\n')}`);
  }
  const spec = parsed.data;
  const world = new World(spec.version ? { version: spec.version } : {});
  world.allowLocalNetworkHooks = true;
  const tokens = new Map<string, string>();
  const user = (username: string) => {
    const found = world.userByUsername(username);
    if (!found) throw new Error(`${path}: no user ${username}`);
    return found;
  };
  for (const u of spec.users) {
    const created = world.addUser(u);
    tokens.set(u.username, world.issueToken(created.id));
  }
  for (const g of spec.groups) {
    const parentPath = g.path.split('/').slice(0, -1).join('/');
    const parent = parentPath ? world.groupByPath(parentPath) : undefined;
    world.addGroup({
      path: g.path.split('/').at(-1) ?? g.path,
      ...(parent ? { parentId: parent.id } : {}),
    });
  }
  for (const p of spec.projects) {
    const namespacePath = p.path.split('/').slice(0, -1).join('/');
    const namespace = world.groupByPath(namespacePath);
    if (!namespace) throw new Error(`${path}: no group ${namespacePath} for project ${p.path}`);
    world.addProject({
      path: p.path.split('/').at(-1) ?? p.path,
      namespaceId: namespace.id,
      ...(p.visibility ? { visibility: p.visibility } : {}),
    });
  }
  const place = (fullPath: string) => {
    const target = world.projectByPath(fullPath) ?? world.groupByPath(fullPath);
    if (!target) throw new Error(`${path}: no project or group ${fullPath}`);
    return target;
  };
  for (const m of spec.members) {
    world.addMember(place(m.of), user(m.user).id, m.role as AccessLevel);
  }
  for (const image of spec.images) {
    world.addRegistryImage(place(image.project).id, image.repository, image.tags);
  }
  return {
    world,
    tokens,
    runPipelines: () =>
      spec.pipelines.map((p) =>
        world.runPipeline({
          projectId: place(p.project).id,
          ref: p.ref,
          userId: user(p.user).id,
          jobs: p.jobs,
        }),
      ),
  };
}
