/** Issues and their reactions (`lib/api/issues.rb`, `lib/api/award_emoji.rb`). */
import { awardEntity, iso, userBasic } from '../entities.js';
import type { ApiResponse, RequestContext } from '../http.js';
import { badRequest, bodyString, invalidParam, notFound, ok, queryString } from '../http.js';
import { addIssue, awardIssueEmoji, issueOf } from '../issues.js';
import { paginate } from '../pagination.js';
import type { Route } from '../router.js';
import { route } from '../router.js';
import { ACCESS, canReadProject, hasProjectAccess } from '../rules.js';
import type { Issue, Project } from '../types.js';
import type { World } from '../world.js';
import { authorize, findProject, requiredString } from './common.js';

/** `Entities::Issue` (the fields a client reads). */
function issueEntity(world: World, project: Project, issue: Issue) {
  const author = world.user(issue.authorId);
  const ref = `#${issue.iid}`;
  return {
    id: issue.id,
    iid: issue.iid,
    project_id: issue.projectId,
    title: issue.title,
    description: issue.description,
    state: issue.state,
    created_at: iso(issue.createdAt),
    updated_at: iso(issue.updatedAt),
    closed_at: iso(issue.closedAt),
    closed_by: null,
    labels: issue.labels,
    milestone: null,
    assignees: [],
    author: author ? userBasic(world, author) : null,
    type: 'ISSUE',
    assignee: null,
    user_notes_count: 0,
    merge_requests_count: 0,
    upvotes: issue.awards.filter((a) => a.name === 'thumbsup').length,
    downvotes: issue.awards.filter((a) => a.name === 'thumbsdown').length,
    due_date: null,
    confidential: false,
    discussion_locked: null,
    issue_type: 'issue',
    web_url: `${world.externalUrl}/${project.pathWithNamespace}/-/issues/${issue.iid}`,
    references: { short: ref, relative: ref, full: `${project.pathWithNamespace}${ref}` },
    task_completion_status: { count: 0, completed_count: 0 },
  };
}

function labelsOf(ctx: RequestContext): string[] | undefined {
  const raw = bodyString(ctx.body, 'labels');
  return raw === undefined
    ? undefined
    : raw
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean);
}

function findIssue(ctx: RequestContext, project: Project): Issue {
  const issue = issueOf(ctx.world, project.id, Number(ctx.params.issue_iid));
  if (!issue) throw notFound();
  return issue;
}

function list(ctx: RequestContext): ApiResponse {
  const project = findProject(ctx);
  const state = queryString(ctx.query, 'state') ?? 'all';
  if (!['opened', 'closed', 'all'].includes(state)) {
    throw invalidParam('state does not have a valid value');
  }
  const labels = queryString(ctx.query, 'labels')?.split(',').filter(Boolean) ?? [];
  const author = queryString(ctx.query, 'author_id');
  const issues = [...project.issues]
    .reverse()
    .filter((i) => state === 'all' || i.state === state)
    .filter((i) => labels.every((l) => i.labels.includes(l)))
    .filter((i) => author === undefined || String(i.authorId) === author);
  const page = paginate(issues, ctx);
  return ok(
    page.items.map((i) => issueEntity(ctx.world, project, i)),
    200,
    page.headers,
  );
}

function create(ctx: RequestContext): ApiResponse {
  const project = findProject(ctx);
  // create_issue: any signed-in user who can see a public or internal project; Guest otherwise.
  authorize(
    project.visibility !== 'private' ||
      hasProjectAccess(ctx.world, ctx.user.id, project, ACCESS.guest),
  );
  const labels = labelsOf(ctx);
  const issue = addIssue(ctx.world, {
    projectId: project.id,
    authorId: ctx.user.id,
    title: requiredString(ctx, 'title'),
    description: bodyString(ctx.body, 'description') ?? '',
    ...(labels ? { labels } : {}),
  });
  return ok(issueEntity(ctx.world, project, issue), 201);
}

/** `update_issue`: the author, or Planner/Reporter and up. */
function update(ctx: RequestContext): ApiResponse {
  const project = findProject(ctx);
  const issue = findIssue(ctx, project);
  authorize(
    issue.authorId === ctx.user.id ||
      hasProjectAccess(ctx.world, ctx.user.id, project, ACCESS.reporter),
  );
  const title = bodyString(ctx.body, 'title');
  const description = bodyString(ctx.body, 'description');
  const labels = labelsOf(ctx);
  const event = bodyString(ctx.body, 'state_event');
  if (event !== undefined && event !== 'close' && event !== 'reopen') {
    throw invalidParam('state_event does not have a valid value');
  }
  if (title !== undefined) {
    if (title.trim() === '') throw badRequest("Title can't be blank");
    issue.title = title;
  }
  if (description !== undefined) issue.description = description;
  if (labels !== undefined) issue.labels = labels;
  const now = ctx.world.now();
  if (event === 'close' && issue.state === 'opened') {
    issue.state = 'closed';
    issue.closedAt = now;
  } else if (event === 'reopen' && issue.state === 'closed') {
    issue.state = 'opened';
    issue.closedAt = null;
  }
  issue.updatedAt = now;
  return ok(issueEntity(ctx.world, project, issue));
}

/** `/projects/:id/issues…` and the issue's award emoji. */
export function issueRoutes(): Route[] {
  return [
    route('GET', '/projects/:id/issues', list),
    route('POST', '/projects/:id/issues', create),
    route('GET', '/projects/:id/issues/:issue_iid', (ctx) => {
      const project = findProject(ctx);
      return ok(issueEntity(ctx.world, project, findIssue(ctx, project)));
    }),
    route('PUT', '/projects/:id/issues/:issue_iid', update),
    route('GET', '/projects/:id/issues/:issue_iid/award_emoji', (ctx) => {
      const project = findProject(ctx);
      const page = paginate(findIssue(ctx, project).awards, ctx);
      return ok(
        page.items.map((a) => awardEntity(ctx.world, a)),
        200,
        page.headers,
      );
    }),
    route('POST', '/projects/:id/issues/:issue_iid/award_emoji', (ctx) => {
      const project = findProject(ctx);
      authorize(canReadProject(ctx.world, ctx.user.id, project));
      const issue = findIssue(ctx, project);
      const name = requiredString(ctx, 'name');
      if (issue.awards.some((a) => a.userId === ctx.user.id && a.name === name)) {
        throw notFound('Award Emoji');
      }
      return ok(
        awardEntity(
          ctx.world,
          awardIssueEmoji(ctx.world, project.id, issue.iid, ctx.user.id, name),
        ),
        201,
      );
    }),
  ];
}
