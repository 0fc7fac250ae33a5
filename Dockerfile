# syntax=docker/dockerfile:1
#
# pipeline-diagnoser as a container:
#   docker build -t pipeline-diagnoser .
#   docker run -d -e GITLAB_URL=https://gitlab.example.com -e GITLAB_TOKEN=... \
#     -e DIAGNOSER_WATCH_PROJECTS=group/project -v diagnoser-data:/data -p 8080:8080 \
#     pipeline-diagnoser
# test/docker/dockerfile.test.ts lints this file and performs its build steps.

# Node 20 on Debian 12 slim: the tag is pinned to a major version and a Debian release, so a
# rebuild picks up patch releases but never a new Node major or a new glibc.
FROM node:20-bookworm-slim AS build

# better-sqlite3 and re2 compile from source when no prebuilt binary can be fetched; this is
# their toolchain. The package lists are removed in the same layer so they never reach an image.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# The manifests alone first: the dependency layer is reused until they change.
COPY package.json package-lock.json ./
# Exactly what the lock file says, dev dependencies included (the build needs TypeScript).
RUN npm ci --no-audit --no-fund

COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
COPY patterns ./patterns
RUN npm run build

# Drop the dev dependencies so the final stage copies only what runs.
RUN npm prune --omit=dev


# The same base as the build stage: the compiled binaries of better-sqlite3 and re2 need the
# same Node ABI and glibc they were built against.
FROM node:20-bookworm-slim

# DIAGNOSER_DB lives on the volume so incidents survive a new container. The server must
# listen on every interface to be reachable through a published port.
ENV NODE_ENV=production \
    DIAGNOSER_DB=/data/diagnoser.db \
    DIAGNOSER_HTTP_HOST=0.0.0.0 \
    DIAGNOSER_HTTP_PORT=8080

WORKDIR /app

# Only what runs; owned by root, so the bot cannot rewrite its own code.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/patterns ./patterns

# The official image ships the unprivileged user node (uid 1000); the database is its only
# writable place. Created before VOLUME so a new named volume inherits the owner.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]

EXPOSE 8080

# Slim images have no curl: ask Node's global fetch. Follows DIAGNOSER_HTTP_PORT if it is changed.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.DIAGNOSER_HTTP_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Exec form: node is PID 1 and receives SIGTERM itself, so `docker stop` shuts the bot down
# cleanly. Any subcommand can replace CMD, e.g. `docker run ... pipeline-diagnoser once`.
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["run"]
