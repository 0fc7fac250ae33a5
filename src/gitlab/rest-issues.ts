import { LIST_LIMIT, type Api } from './api.js';
import type { GitlabPort } from './port.js';
import type { Requester } from './request.js';
import * as S from './schema.js';

/** The CI lint and issues: what the job token readiness audit reads and writes. */
export function issueMethods(
  api: Api,
  { read, write }: Requester,
): Pick<
  GitlabPort,
  | 'lintCiConfig'
  | 'createIssue'
  | 'getIssue'
  | 'listOpenIssuesBy'
  | 'editIssue'
  | 'listIssueAwardEmoji'
> {
  return {
    async lintCiConfig(projectId) {
      return read(
        {
          what: `reading the merged CI configuration of project ${projectId}`,
          needs: 'Reporter on that project',
        },
        async () => S.CiLint.parse(await api.Lint.check(projectId, {})),
      );
    },

    async createIssue(projectId, issue) {
      return write(
        { what: `opening an issue in project ${projectId}`, needs: 'Guest on that project' },
        async () =>
          S.Issue.parse(
            await api.Issues.create(projectId, issue.title, {
              description: issue.description,
              ...(issue.labels?.length ? { labels: issue.labels.join(',') } : {}),
            }),
          ),
      );
    },

    async getIssue(projectId, iid) {
      return read({ what: `reading issue #${iid} of project ${projectId}` }, async () =>
        S.Issue.parse(await api.Issues.show(iid, { projectId })),
      );
    },

    async listOpenIssuesBy(projectId, authorId) {
      return read({ what: `listing the open issues of project ${projectId}` }, async () =>
        S.Issue.array().parse(
          await api.Issues.all({ projectId, authorId, state: 'opened', ...LIST_LIMIT }),
        ),
      );
    },

    async editIssue(projectId, iid, change) {
      return write(
        { what: `editing issue #${iid} of project ${projectId}`, needs: 'being its author' },
        async () =>
          S.Issue.parse(
            await api.Issues.edit(projectId, iid, {
              ...(change.description !== undefined ? { description: change.description } : {}),
              ...(change.close ? { stateEvent: 'close' } : {}),
            }),
          ),
      );
    },

    async listIssueAwardEmoji(projectId, iid) {
      return read(
        { what: `reading the reactions on issue #${iid} of project ${projectId}` },
        async () =>
          S.AwardEmoji.array().parse(
            await api.IssueAwardEmojis.all(projectId, iid, LIST_LIMIT as Record<string, unknown>),
          ),
      );
    },
  };
}
