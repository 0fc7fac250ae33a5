import { LIST_LIMIT, type Api } from './api.js';
import type { GitlabPort, WriteAnswer } from './port.js';
import type { Requester } from './request.js';
import * as S from './schema.js';

const NEEDS = 'Maintainer on that project';

type AllowlistWrite =
  | 'addProjectToJobTokenAllowlist'
  | 'removeProjectFromJobTokenAllowlist'
  | 'addGroupToJobTokenAllowlist'
  | 'removeGroupFromJobTokenAllowlist';

/** The four allowlist writes differ only in the call and the words. */
const WRITES: Record<
  AllowlistWrite,
  {
    verb: 'adding' | 'removing';
    entry: 'project' | 'group';
    call: (api: Api, projectId: number, entryId: number) => Promise<unknown>;
  }
> = {
  addProjectToJobTokenAllowlist: {
    verb: 'adding',
    entry: 'project',
    call: (api, projectId, id) => api.ProjectJobTokenScopes.addToInboundAllowList(projectId, id),
  },
  removeProjectFromJobTokenAllowlist: {
    verb: 'removing',
    entry: 'project',
    call: (api, projectId, id) =>
      api.ProjectJobTokenScopes.removeFromInboundAllowList(projectId, id),
  },
  addGroupToJobTokenAllowlist: {
    verb: 'adding',
    entry: 'group',
    call: (api, projectId, id) => api.ProjectJobTokenScopes.addToGroupsAllowList(projectId, id),
  },
  removeGroupFromJobTokenAllowlist: {
    verb: 'removing',
    entry: 'group',
    call: (api, projectId, id) =>
      api.ProjectJobTokenScopes.removeFromGroupsAllowList(projectId, id),
  },
};

/** The CI/CD job token settings and allowlists of a project (REST, 16.0+). */
export function jobTokenMethods(
  api: Api,
  { read, write }: Requester,
): Pick<
  GitlabPort,
  'getJobTokenScope' | 'listJobTokenAllowlist' | 'listJobTokenGroupAllowlist' | AllowlistWrite
> {
  function allowlistWrite(name: AllowlistWrite) {
    const { verb, entry, call } = WRITES[name];
    const preposition = verb === 'adding' ? 'to' : 'from';
    return async (projectId: number, entryId: number): Promise<WriteAnswer> => {
      await write(
        {
          what: `${verb} ${entry} ${entryId} ${preposition} the job token allowlist of project ${projectId}`,
          needs: NEEDS,
        },
        async () => S.AnyBody.parse(await call(api, projectId, entryId)),
      );
      // GitLab answers an addition with 201 and a removal with 204; anything else throws.
      return { made: true, status: verb === 'adding' ? '201' : '204' };
    };
  }

  return {
    async getJobTokenScope(projectId) {
      return read(
        { what: `reading the CI/CD job token settings of project ${projectId}`, needs: NEEDS },
        async () => S.JobTokenScope.parse(await api.ProjectJobTokenScopes.show(projectId)),
      );
    },

    async listJobTokenAllowlist(projectId) {
      return read(
        { what: `reading the job token allowlist of project ${projectId}`, needs: NEEDS },
        async () =>
          S.ProjectBasic.array().parse(
            await api.ProjectJobTokenScopes.showInboundAllowList(
              projectId,
              LIST_LIMIT as Record<string, unknown>,
            ),
          ),
      );
    },

    async listJobTokenGroupAllowlist(projectId) {
      return read(
        { what: `reading the job token group allowlist of project ${projectId}`, needs: NEEDS },
        async () =>
          S.Group.array().parse(
            await api.ProjectJobTokenScopes.showGroupsAllowList(
              projectId,
              LIST_LIMIT as Record<string, unknown>,
            ),
          ),
      );
    },

    addProjectToJobTokenAllowlist: allowlistWrite('addProjectToJobTokenAllowlist'),
    removeProjectFromJobTokenAllowlist: allowlistWrite('removeProjectFromJobTokenAllowlist'),
    addGroupToJobTokenAllowlist: allowlistWrite('addGroupToJobTokenAllowlist'),
    removeGroupFromJobTokenAllowlist: allowlistWrite('removeGroupFromJobTokenAllowlist'),
  };
}
