# The production image of the sidecar: `token-sidecar serve` by default, any other CLI command
# (e.g. `migrate up`) as arguments. Three stages so the runtime gets only production
# node_modules, the compiled dist/ and the files read at run time.
#
#   docker build -t hasura-token-sidecar .
#   docker run --rm -e DATABASE_URL=... -e JWT_SECRET=... -p 8080:8080 hasura-token-sidecar
#
# tests/unit/deployment/dockerfile.test.ts checks the properties below statically (no engine here).

ARG NODE_IMAGE=node:20-bookworm-slim

# Production dependencies only. --ignore-scripts: none of them has an install script (the one
# native module, @node-rs/argon2, ships prebuilt binaries as optional packages), and it keeps the
# package's own `prepare` (a TypeScript build) from running without the sources.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# The TypeScript build, with devDependencies (tsc). Dependencies are installed before the sources
# are copied so that layer is reused while only code changes. The whole context is copied (what
# .dockerignore lets in): tsc follows imports into any top-level folder, and this stage is not
# shipped, so a new source folder needs no change here.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only to the process: the service never needs to change its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# SQL files are read at run time, relative to the package root (found through package.json).
COPY migrations ./migrations
# The Hasura project: `metadata generate` / `metadata check` read hasura/policy.yaml and metadata/.
COPY hasura ./hasura
# Only for the embedded demo database (no DATABASE_URL): the one place the process may write.
RUN mkdir -p /app/.data && chown node:node /app/.data
# The unprivileged user of the official Node image (uid 1000).
USER node
EXPOSE 8080
# Slim images have no curl; Node 20 has fetch.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form, no shell and no npm in between: node is PID 1 and receives SIGTERM itself, so its
# handlers finish in-flight requests and flush recorded usage before the container stops.
ENTRYPOINT ["node", "bin/token-sidecar.js"]
CMD ["serve"]
