# syntax=docker/dockerfile:1
# Manifold gateway image: `docker build -t manifold .` (the compose file at the top builds it too).
#
# Three stages on one Debian base, so the native modules built in the build stages (better-sqlite3; snappy
# comes as a prebuilt napi binary from npm) load in the runtime stage against the same glibc:
#   build     all dependencies, compiles src/ to dist/ (tsc)
#   prod-deps production dependencies only, native modules built here
#   runtime   node, dist/, the files the gateway reads at run time, production node_modules; non-root
ARG NODE_IMAGE=node:20.18.1-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts: the root package's `prepare` (the build) runs below once the sources are in;
# --omit=optional: tsc needs no platform binaries (this skips chDB's 543 MB engine, a test-only dependency).
RUN npm ci --ignore-scripts --omit=optional --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
# A compiler for better-sqlite3, should no prebuilt binary match this platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 \
 && node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get(); require('snappy').compressSync('ok')" \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    MANIFOLD_CONFIG=/etc/manifold/manifold.yaml
WORKDIR /app
# What bin/manifold.js and the gateway read at run time: package.json ("type": "module", and the package root
# that src/util/package-file.ts looks for), dist/, proto/, migrations/, sql/, the status page, example configs.
COPY package.json ./
COPY bin ./bin
COPY proto ./proto
COPY migrations ./migrations
COPY sql ./sql
COPY config ./config
COPY src/admin/status-page.html ./src/admin/status-page.html
COPY --from=build /app/dist ./dist
COPY --from=prod-deps /app/node_modules ./node_modules
# The default config: embedded queue and embedded PostgreSQL under the data volume, listening on all interfaces.
# docker-compose.yml mounts deploy/manifold.yaml over it.
COPY deploy/manifold.container.yaml /etc/manifold/manifold.yaml
RUN mkdir -p /var/lib/manifold && chown node:node /var/lib/manifold
VOLUME ["/var/lib/manifold"]
# 4317 OTLP/gRPC, 4318 OTLP/HTTP, 8888 admin (/metrics, /healthz, /readyz, status page).
EXPOSE 4317 4318 8888
USER node
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8888/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/manifold.js"]
CMD ["start"]
