import { LIST_LIMIT, type Api } from './api.js';
import type { GitlabPort } from './port.js';
import type { Requester } from './request.js';
import * as S from './schema.js';

/** Container images, packages and repository files: the resources job tokens reach. */
export function registryMethods(
  api: Api,
  { read }: Requester,
): Pick<
  GitlabPort,
  'listRegistryRepositories' | 'listRegistryTags' | 'listPackages' | 'getRawFile'
> {
  return {
    async listRegistryRepositories(projectId) {
      return read(
        {
          what: `listing the container images of project ${projectId}`,
          needs: 'Reporter on that project',
        },
        async () =>
          S.RegistryRepository.array().parse(
            await api.ContainerRegistry.allRepositories({
              projectId,
              tagsCount: true,
              ...LIST_LIMIT,
            }),
          ),
      );
    },

    async listRegistryTags(projectId, repositoryId) {
      return read(
        {
          what: `listing the tags of image ${repositoryId} in project ${projectId}`,
          needs: 'Reporter on that project',
        },
        async () =>
          S.RegistryTag.array().parse(
            await api.ContainerRegistry.allTags(
              projectId,
              repositoryId,
              LIST_LIMIT as Record<string, unknown>,
            ),
          ),
      );
    },

    async listPackages(where, filter) {
      const scope =
        'projectId' in where ? { projectId: where.projectId } : { groupId: where.groupPath };
      return read(
        {
          what: `listing the packages named ${filter.name} in ${'projectId' in where ? `project ${where.projectId}` : `group ${where.groupPath}`}`,
          needs: 'Reporter there',
        },
        async () =>
          S.Package.array().parse(
            await api.Packages.all({
              ...scope,
              packageName: filter.name,
              ...(filter.type ? { packageType: filter.type } : {}),
              perPage: 100,
              maxPages: 5,
            } as Parameters<typeof api.Packages.all>[0]),
          ),
      );
    },

    async getRawFile(projectId, filePath, ref) {
      return read(
        { what: `reading ${filePath} of project ${projectId}`, needs: 'Reporter on the project' },
        // GitLab sends files as text/plain or application/octet-stream (a Blob to gitbeaker).
        async () => {
          const raw: unknown = await api.RepositoryFiles.showRaw(projectId, filePath, ref);
          return S.Text.parse(raw instanceof Blob ? await raw.text() : raw);
        },
      );
    },
  };
}
