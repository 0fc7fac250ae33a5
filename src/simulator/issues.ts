/**
 * Issues and the reactions on them (`award_emoji` on the issue itself). Kept on the project
 * (`project.issues`); the functions here keep ids and iids right.
 */
import type { AwardEmoji, Issue } from './types.js';
import type { World } from './world.js';

export interface NewIssue {
  projectId: number;
  authorId: number;
  title: string;
  description?: string;
  labels?: string[];
}

/** Opens an issue (`POST /projects/:id/issues`). */
export function addIssue(world: World, input: NewIssue): Issue {
  const project = world.requireProject(input.projectId);
  world.requireUser(input.authorId);
  const now = world.now();
  const issue: Issue = {
    id: world.newId('issue'),
    iid: 1 + Math.max(0, ...project.issues.map((i) => i.iid)),
    projectId: project.id,
    title: input.title,
    description: input.description ?? '',
    authorId: input.authorId,
    state: 'opened',
    labels: input.labels ?? [],
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    awards: [],
  };
  project.issues.push(issue);
  return issue;
}

export function issueOf(world: World, projectId: number, iid: number): Issue | undefined {
  return world.project(projectId)?.issues.find((i) => i.iid === iid);
}

/** Reacts to an issue; throws if the user already gave that emoji (GitLab answers 404 then). */
export function awardIssueEmoji(
  world: World,
  projectId: number,
  iid: number,
  userId: number,
  name: string,
): AwardEmoji {
  const issue = issueOf(world, projectId, iid);
  if (!issue) throw new Error(`no issue #${iid} in project ${projectId}`);
  return world.addAward(issue, 'Issue', userId, name);
}
