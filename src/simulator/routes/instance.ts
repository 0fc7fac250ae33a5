/** Instance-level routes: version, metadata, users. */
import { currentUser, userBasic } from '../entities.js';
import { notFound, ok, queryString } from '../http.js';
import { sha256Hex } from '../ids.js';
import { paginate } from '../pagination.js';
import type { Route } from '../router.js';
import { route } from '../router.js';
import type { World } from '../world.js';

function revision(world: World): string {
  return sha256Hex(`revision:${world.version}`).slice(0, 11);
}

/** `/version`, `/metadata`, `/user`, `/users`, `/users/:id`. */
export function instanceRoutes(): Route[] {
  return [
    route('GET', '/version', (ctx) =>
      ok({ version: ctx.world.version, revision: revision(ctx.world) }),
    ),
    route('GET', '/metadata', (ctx) =>
      ok({
        version: ctx.world.version,
        revision: revision(ctx.world),
        kas: { enabled: false, externalUrl: null, externalK8sProxyUrl: null, version: null },
        enterprise: /-ee$/.test(ctx.world.version),
      }),
    ),
    route('GET', '/user', (ctx) => ok(currentUser(ctx.world, ctx.user))),
    route('GET', '/users', (ctx) => {
      const username = queryString(ctx.query, 'username');
      const users = ctx.world.users.filter(
        (u) => username === undefined || u.username.toLowerCase() === username.toLowerCase(),
      );
      const page = paginate(users, ctx);
      return ok(
        page.items.map((u) => userBasic(ctx.world, u)),
        200,
        page.headers,
      );
    }),
    route('GET', '/users/:user_id', (ctx) => {
      const user = ctx.world.user(Number(ctx.params.user_id));
      if (!user) throw notFound('User');
      return ok({ ...userBasic(ctx.world, user), bot: user.bot });
    }),
  ];
}
