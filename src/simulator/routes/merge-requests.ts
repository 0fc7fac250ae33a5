/** Merge requests, their notes and the emoji reactions on those notes. */
import { awardEntity, mergeRequestEntity, noteEntity, pipelineBasic } from '../entities.js';
import type { ApiResponse, RequestContext } from '../http.js';
import { ApiError, invalidParam, notFound, ok, queryBool, queryString } from '../http.js';
import { paginate } from '../pagination.js';
import type { Route } from '../router.js';
import { route } from '../router.js';
import { canCreateNote, canReadCode, isAdmin } from '../rules.js';
import type { MergeRequest, Note, Project } from '../types.js';
import { authorize, findMergeRequest, findProject, requiredString } from './common.js';

const MR_STATES: readonly string[] = ['opened', 'closed', 'merged', 'locked', 'all'];

function readableProject(ctx: RequestContext): Project {
  const project = findProject(ctx);
  authorize(canReadCode(ctx.world, ctx.user.id, project));
  return project;
}

function readableMergeRequest(
  ctx: RequestContext,
  as: 'merge-request' | 'noteable' = 'noteable',
): { project: Project; mr: MergeRequest } {
  const project = readableProject(ctx);
  return { project, mr: findMergeRequest(ctx, project, as) };
}

function findNote(ctx: RequestContext, project: Project, mr: MergeRequest): Note {
  const note = ctx.world
    .notesOn(project.id, mr.iid)
    .find((n) => String(n.id) === ctx.params.note_id);
  if (!note) throw notFound();
  return note;
}

function listMergeRequests(ctx: RequestContext): ApiResponse {
  const project = readableProject(ctx);
  const q = (name: string): string | undefined => queryString(ctx.query, name);
  const state = q('state') ?? 'all';
  if (!MR_STATES.includes(state)) throw invalidParam('state does not have a valid value');
  const iids = ctx.query.iids;
  const wantedIids =
    iids === undefined ? undefined : (Array.isArray(iids) ? iids : [iids]).map(Number);
  const mrs = ctx.world.mergeRequests.filter(
    (m) =>
      m.projectId === project.id &&
      (state === 'all' || m.state === state) &&
      (q('source_branch') === undefined || m.sourceBranch === q('source_branch')) &&
      (q('target_branch') === undefined || m.targetBranch === q('target_branch')) &&
      (q('author_id') === undefined || String(m.authorId) === q('author_id')) &&
      (wantedIids === undefined || wantedIids.includes(m.iid)),
  );
  const orderBy = q('order_by') ?? 'created_at';
  const sorted = [...mrs].sort((a, b) => {
    const key = (m: MergeRequest): number =>
      (orderBy === 'updated_at' ? m.updatedAt : m.createdAt).getTime() * 1e4 + m.id;
    return q('sort') === 'asc' ? key(a) - key(b) : key(b) - key(a);
  });
  const page = paginate(sorted, ctx);
  return ok(
    page.items.map((m) => mergeRequestEntity(ctx.world, m)),
    200,
    page.headers,
  );
}

function listNotes(ctx: RequestContext): ApiResponse {
  const { project, mr } = readableMergeRequest(ctx);
  const orderBy = queryString(ctx.query, 'order_by') ?? 'created_at';
  const sort = queryString(ctx.query, 'sort') ?? 'desc';
  if (!['created_at', 'updated_at'].includes(orderBy)) {
    throw invalidParam('order_by does not have a valid value');
  }
  if (sort !== 'asc' && sort !== 'desc') throw invalidParam('sort does not have a valid value');
  const notes = [...ctx.world.notesOn(project.id, mr.iid)].sort((a, b) => {
    const field = orderBy === 'updated_at' ? 'updatedAt' : 'createdAt';
    const diff = a[field].getTime() - b[field].getTime() || a.id - b.id;
    return sort === 'asc' ? diff : -diff;
  });
  const page = paginate(notes, ctx);
  return ok(
    page.items.map((n) => noteEntity(ctx.world, n)),
    200,
    page.headers,
  );
}

/** MR, MR note and award emoji routes. */
export function mergeRequestRoutes(): Route[] {
  return [
    route('GET', '/projects/:id/merge_requests', listMergeRequests),
    route('GET', '/projects/:id/merge_requests/:iid', (ctx) => {
      const { mr } = readableMergeRequest(ctx, 'merge-request');
      return ok(mergeRequestEntity(ctx.world, mr, true));
    }),
    route('GET', '/projects/:id/merge_requests/:iid/pipelines', (ctx) => {
      const { project, mr } = readableMergeRequest(ctx, 'merge-request');
      const prefix = `refs/merge-requests/${mr.iid}/`;
      const pipelines = ctx.world.pipelines
        .filter((p) => p.projectId === project.id && p.ref.startsWith(prefix))
        .sort((a, b) => b.id - a.id);
      const page = paginate(pipelines, ctx);
      return ok(
        page.items.map((p) => pipelineBasic(ctx.world, p)),
        200,
        page.headers,
      );
    }),
    route('GET', '/projects/:id/merge_requests/:iid/notes', listNotes),
    route('POST', '/projects/:id/merge_requests/:iid/notes', (ctx) => {
      const body = requiredString(ctx, 'body');
      const { project, mr } = readableMergeRequest(ctx);
      authorize(canCreateNote(ctx.world, ctx.user.id, project));
      const internal = queryBool(ctx.body, 'internal') ?? queryBool(ctx.body, 'confidential');
      const note = ctx.world.addMergeRequestNote(project.id, mr.iid, ctx.user.id, body, {
        internal: internal ?? false,
      });
      return ok(noteEntity(ctx.world, note), 201);
    }),
    route('GET', '/projects/:id/merge_requests/:iid/notes/:note_id', (ctx) => {
      const { project, mr } = readableMergeRequest(ctx);
      return ok(noteEntity(ctx.world, findNote(ctx, project, mr)));
    }),
    route('PUT', '/projects/:id/merge_requests/:iid/notes/:note_id', (ctx) => {
      const { project, mr } = readableMergeRequest(ctx);
      const note = findNote(ctx, project, mr);
      const body = requiredString(ctx, 'body');
      // Only the author (or an admin) may edit a note.
      authorize(note.authorId === ctx.user.id || isAdmin(ctx.world, ctx.user.id));
      return ok(noteEntity(ctx.world, ctx.world.editNote(note.id, body)));
    }),
    route('DELETE', '/projects/:id/merge_requests/:iid/notes/:note_id', (ctx) => {
      const { project, mr } = readableMergeRequest(ctx);
      const note = findNote(ctx, project, mr);
      authorize(note.authorId === ctx.user.id || isAdmin(ctx.world, ctx.user.id));
      ctx.world.removeNote(note.id);
      return { status: 204 };
    }),
    route('GET', '/projects/:id/merge_requests/:iid/notes/:note_id/award_emoji', (ctx) => {
      const { project, mr } = readableMergeRequest(ctx);
      const note = findNote(ctx, project, mr);
      const page = paginate(note.awards, ctx);
      return ok(
        page.items.map((a) => awardEntity(ctx.world, a)),
        200,
        page.headers,
      );
    }),
    route('POST', '/projects/:id/merge_requests/:iid/notes/:note_id/award_emoji', (ctx) => {
      const name = requiredString(ctx, 'name');
      const { project, mr } = readableMergeRequest(ctx);
      const note = findNote(ctx, project, mr);
      if (note.awards.some((a) => a.userId === ctx.user.id && a.name === name)) {
        throw new ApiError(404, {
          message: '404 Award Emoji Name has already been taken Not Found',
        });
      }
      const award = ctx.world.awardEmoji(project.id, mr.iid, note.id, ctx.user.id, name);
      return ok(awardEntity(ctx.world, award), 201);
    }),
    route(
      'GET',
      '/projects/:id/merge_requests/:iid/notes/:note_id/award_emoji/:award_id',
      (ctx) => {
        const { project, mr } = readableMergeRequest(ctx);
        const note = findNote(ctx, project, mr);
        const award = note.awards.find((a) => String(a.id) === ctx.params.award_id);
        if (!award) throw notFound('Award Emoji');
        return ok(awardEntity(ctx.world, award));
      },
    ),
    route(
      'DELETE',
      '/projects/:id/merge_requests/:iid/notes/:note_id/award_emoji/:award_id',
      (ctx) => {
        const { project, mr } = readableMergeRequest(ctx);
        const note = findNote(ctx, project, mr);
        const award = note.awards.find((a) => String(a.id) === ctx.params.award_id);
        if (!award) throw notFound('Award Emoji');
        authorize(award.userId === ctx.user.id || isAdmin(ctx.world, ctx.user.id));
        note.awards.splice(note.awards.indexOf(award), 1);
        return { status: 204 };
      },
    ),
  ];
}
