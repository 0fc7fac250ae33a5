/**
 * Commits (lookup, MRs containing a commit) and discussion threads on commits and merge
 * requests. The bot uses commit discussions because, unlike commit comments, their notes can be
 * edited later.
 */
import { commitEntity, discussionEntity, mergeRequestEntity, noteEntity } from '../entities.js';
import type { RequestContext } from '../http.js';
import { notFound, ok } from '../http.js';
import { paginate } from '../pagination.js';
import type { Handler, Route } from '../router.js';
import { route } from '../router.js';
import { canCreateNote, canReadCode, isAdmin } from '../rules.js';
import type { Commit, Discussion, Project } from '../types.js';
import { authorize, findMergeRequest, findProject, requiredString } from './common.js';

function readableProject(ctx: RequestContext): Project {
  const project = findProject(ctx);
  authorize(canReadCode(ctx.world, ctx.user.id, project));
  return project;
}

/** A full SHA or a unique prefix of at least 7 characters, like Git. */
function findCommit(ctx: RequestContext, project: Project): Commit {
  const wanted = (ctx.params.sha ?? '').toLowerCase();
  const exact = project.commits.get(wanted);
  if (exact) return exact;
  const matches =
    wanted.length >= 7 ? [...project.commits.values()].filter((c) => c.id.startsWith(wanted)) : [];
  const [only] = matches;
  if (!only || matches.length > 1) throw notFound('Commit');
  return only;
}

/** Where discussions of a request live: a commit or a merge request. */
interface Thread {
  project: Project;
  discussions: Discussion[];
  create(body: string): Discussion;
}

function commitThread(ctx: RequestContext): Thread {
  const project = readableProject(ctx);
  const commit = findCommit(ctx, project);
  return {
    project,
    discussions: ctx.world.commitDiscussions(project.id, commit.id),
    create: (body) => ctx.world.addCommitDiscussion(project.id, commit.id, ctx.user.id, body),
  };
}

function mergeRequestThread(ctx: RequestContext): Thread {
  const project = readableProject(ctx);
  const mr = findMergeRequest(ctx, project, 'noteable');
  return {
    project,
    discussions: ctx.world.discussions.filter(
      (d) =>
        d.projectId === project.id && d.noteableType === 'MergeRequest' && d.noteableIid === mr.iid,
    ),
    create: (body) => ctx.world.addMergeRequestDiscussion(project.id, mr.iid, ctx.user.id, body),
  };
}

function findDiscussion(ctx: RequestContext, thread: Thread): Discussion {
  const discussion = thread.discussions.find((d) => d.id === ctx.params.discussion_id);
  if (!discussion) throw notFound('Discussion');
  return discussion;
}

/** The five discussion routes for one kind of noteable. */
function discussionRoutes(base: string, resolve: (ctx: RequestContext) => Thread): Route[] {
  const list: Handler = (ctx) => {
    const page = paginate(resolve(ctx).discussions, ctx);
    return ok(
      page.items.map((d) => discussionEntity(ctx.world, d)),
      200,
      page.headers,
    );
  };
  return [
    route('GET', `${base}/discussions`, list),
    route('POST', `${base}/discussions`, (ctx) => {
      const body = requiredString(ctx, 'body');
      const thread = resolve(ctx);
      authorize(canCreateNote(ctx.world, ctx.user.id, thread.project));
      return ok(discussionEntity(ctx.world, thread.create(body)), 201);
    }),
    route('GET', `${base}/discussions/:discussion_id`, (ctx) =>
      ok(discussionEntity(ctx.world, findDiscussion(ctx, resolve(ctx)))),
    ),
    route('POST', `${base}/discussions/:discussion_id/notes`, (ctx) => {
      const body = requiredString(ctx, 'body');
      const thread = resolve(ctx);
      const discussion = findDiscussion(ctx, thread);
      authorize(canCreateNote(ctx.world, ctx.user.id, thread.project));
      const note = ctx.world.replyToDiscussion(discussion.id, ctx.user.id, body);
      return ok(noteEntity(ctx.world, note), 201);
    }),
    route('PUT', `${base}/discussions/:discussion_id/notes/:note_id`, (ctx) => {
      const thread = resolve(ctx);
      const discussion = findDiscussion(ctx, thread);
      const note = discussion.notes.find((n) => String(n.id) === ctx.params.note_id);
      if (!note) throw notFound();
      const body = requiredString(ctx, 'body');
      // Only the author (or an admin) may edit a note.
      authorize(note.authorId === ctx.user.id || isAdmin(ctx.world, ctx.user.id));
      return ok(noteEntity(ctx.world, ctx.world.editNote(note.id, body)));
    }),
  ];
}

/** Commit lookups and commit/MR discussion routes. */
export function discussionAndCommitRoutes(): Route[] {
  return [
    route('GET', '/projects/:id/repository/commits/:sha', (ctx) => {
      const project = readableProject(ctx);
      const commit = findCommit(ctx, project);
      const last = ctx.world.pipelines
        .filter((p) => p.projectId === project.id && p.sha === commit.id)
        .sort((a, b) => b.id - a.id)[0];
      return ok({
        ...commitEntity(ctx.world, project, commit),
        stats: { additions: 1, deletions: 0, total: 1 },
        status: last?.status ?? null,
        project_id: project.id,
        last_pipeline: last
          ? {
              id: last.id,
              iid: last.iid,
              project_id: project.id,
              sha: last.sha,
              ref: last.ref,
              status: last.status,
              source: last.source,
            }
          : null,
      });
    }),
    route('GET', '/projects/:id/repository/commits/:sha/merge_requests', (ctx) => {
      const project = readableProject(ctx);
      const commit = findCommit(ctx, project);
      const mrs = ctx.world.mergeRequests
        .filter((m) => m.projectId === project.id && m.sha === commit.id)
        .sort((a, b) => b.id - a.id);
      const page = paginate(mrs, ctx);
      return ok(
        page.items.map((m) => mergeRequestEntity(ctx.world, m)),
        200,
        page.headers,
      );
    }),
    ...discussionRoutes('/projects/:id/repository/commits/:sha', commitThread),
    ...discussionRoutes('/projects/:id/merge_requests/:iid', mergeRequestThread),
  ];
}
