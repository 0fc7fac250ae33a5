import { GitlabNotFoundError } from '../errors.js';
import { ALL_PAGES, LIST_LIMIT, type Api } from './api.js';
import type { GitlabPort } from './port.js';
import type { Requester } from './request.js';
import * as S from './schema.js';

/** Who the bot is, the instance, projects, groups and members. */
export function projectMethods(
  api: Api,
  { read }: Requester,
): Pick<
  GitlabPort,
  | 'currentUser'
  | 'version'
  | 'listMemberProjects'
  | 'listGroupProjects'
  | 'getProject'
  | 'searchProjects'
  | 'getMember'
  | 'listMembers'
  | 'getGroup'
  | 'getGroupMember'
> {
  return {
    async currentUser() {
      return read(
        {
          what: 'reading the bot user (GET /user)',
          needs: 'a token with the api or read_api scope',
        },
        async () => S.User.parse(await api.Users.showCurrentUser()),
      );
    },

    async version() {
      return read({ what: 'reading the GitLab version' }, async () =>
        S.Metadata.parse(await api.Metadata.show()),
      );
    },

    async listMemberProjects(options) {
      return read({ what: 'listing the projects the bot is a member of' }, async () =>
        S.ProjectBasic.array().parse(
          await api.Projects.all({
            membership: true,
            minAccessLevel: options?.minAccessLevel ?? 20,
            simple: true,
            ...ALL_PAGES,
          }),
        ),
      );
    },

    async listGroupProjects(groupPath) {
      return read(
        { what: `listing the projects of group ${groupPath}`, needs: 'Reporter on the group' },
        async () =>
          S.ProjectBasic.array().parse(
            await api.Groups.allProjects(groupPath, {
              includeSubgroups: true,
              simple: true,
              ...ALL_PAGES,
            }),
          ),
      );
    },

    async getProject(idOrPath) {
      return read({ what: `reading project ${idOrPath}` }, async () =>
        S.ProjectFull.parse(await api.Projects.show(idOrPath)),
      );
    },

    async searchProjects(text) {
      return read({ what: `searching projects for ${text}` }, async () =>
        S.ProjectFull.array().parse(
          await api.Projects.all({
            search: text,
            searchNamespaces: true,
            // The projects people work on first, when the search finds more than a page.
            orderBy: 'last_activity_at',
            sort: 'desc',
            perPage: 50,
            maxPages: 1,
          }),
        ),
      );
    },

    async getMember(projectId, userId) {
      try {
        return await read(
          { what: `reading the membership of user ${userId} in project ${projectId}` },
          async () =>
            S.Member.parse(
              await api.ProjectMembers.show(projectId, userId, { includeInherited: true }),
            ),
        );
      } catch (error) {
        if (error instanceof GitlabNotFoundError) return undefined;
        throw error;
      }
    },

    async listMembers(projectId) {
      return read({ what: `listing the members of project ${projectId}` }, async () =>
        S.Member.array().parse(
          await api.ProjectMembers.all(projectId, { includeInherited: true, ...LIST_LIMIT }),
        ),
      );
    },

    async getGroupMember(groupPath, userId) {
      try {
        return await read(
          { what: `reading the membership of user ${userId} in group ${groupPath}` },
          async () =>
            S.Member.parse(
              await api.GroupMembers.show(groupPath, userId, { includeInherited: true }),
            ),
        );
      } catch (error) {
        if (error instanceof GitlabNotFoundError) return undefined;
        throw error;
      }
    },

    async getGroup(idOrPath) {
      return read({ what: `reading group ${idOrPath}` }, async () =>
        // Without the embedded project list GitLab adds by default.
        S.Group.parse(await api.Groups.show(idOrPath, { withProjects: false })),
      );
    },
  };
}
