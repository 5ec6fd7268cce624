# syntax=docker/dockerfile:1
# Chainwatch cache-warmer image. Build from the repository root (the context is the whole monorepo; the
# ignore file beside this Dockerfile keeps it to what `turbo prune` needs):
#   docker build -f deploy/docker/cache-warmer.Dockerfile -t chainwatch/cache-warmer:dev .
# TypeScript runs directly on Node 24 (docs/decisions/0001), so the image carries sources, no dist/.
# Why `turbo prune` + `pnpm install --prod` rather than `pnpm deploy`: docs/operations.md ("Images").

# Node 24 slim (Debian bookworm), pinned by digest so a rebuild gets the same bytes. NODE_VERSION follows
# .nvmrc. NODE_BASE_DIGEST is a placeholder until pinned: it could not be resolved where this file was
# written (no registry access). Pin it with `bash deploy/docker/pin-base-image.sh` (it runs
# `docker buildx imagetools inspect node:$NODE_VERSION-bookworm-slim` and writes the index digest into all
# three Dockerfiles), then commit. Unpinned, the build stops at FROM ("invalid reference format"): it never
# falls back to an unpinned image.
ARG NODE_VERSION=24.21.0
ARG NODE_BASE_DIGEST=sha256:UNPINNED

FROM node:${NODE_VERSION}-bookworm-slim@${NODE_BASE_DIGEST} AS base
# Same versions as the root package.json (packageManager) and the pnpm-workspace.yaml catalog.
ARG PNPM_VERSION=10.34.9
ARG TURBO_VERSION=2.11.11
ENV PNPM_HOME=/pnpm
ENV PATH=/pnpm:$PATH
RUN npm install --global --no-audit --no-fund --loglevel=error "pnpm@${PNPM_VERSION}" "turbo@${TURBO_VERSION}"

# Only the app and the workspace packages it depends on, with a lockfile cut down to them.
FROM base AS pruner
WORKDIR /src
COPY . .
RUN turbo prune @chainwatch/cache-warmer --docker --out-dir /pruned

# Production dependencies from the pruned lockfile (layer cached until a package.json or the lockfile
# changes), then the sources. Workspace packages stay real folders under packages/ linked from
# node_modules: Node strips types only outside node_modules, which `pnpm deploy`'s copies would break.
FROM base AS installer
WORKDIR /app
COPY --from=pruner /pruned/json/ ./
RUN --mount=type=cache,id=chainwatch-pnpm-store,target=/pnpm/store \
    pnpm install --prod --frozen-lockfile --store-dir /pnpm/store --package-import-method copy \
      --filter "@chainwatch/cache-warmer..." --filter "!@chainwatch/testing"
COPY --from=pruner /pruned/full/ ./
RUN rm -rf packages/testing \
 && find . -name node_modules -prune -o -type f \
      \( -name "*.test.ts" -o -name "vitest.config.ts" -o -name "tsconfig.json" \) -print0 | xargs -0 rm -f

FROM node:${NODE_VERSION}-bookworm-slim@${NODE_BASE_DIGEST} AS runtime
# tini as PID 1: forwards SIGTERM to node (graceful shutdown) and reaps zombies. Debian's version is not
# pinned on purpose: bookworm security updates remove superseded versions from the archive.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=installer /app ./
WORKDIR /app/apps/cache-warmer
# The official image's "node" user; numeric so Kubernetes can verify runAsNonRoot. Files stay root-owned
# and read-only to the process.
USER 1000:1000
EXPOSE 9465
# Interval mode (WARM_INTERVAL_SECONDS > 0) serves /health/ready on HEALTH_PORT; job mode (0, the default)
# runs once and exits with no server, so there is nothing to probe and the check passes. The slim image
# has no curl; Node 24 has fetch.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "if(!(Number(process.env.WARM_INTERVAL_SECONDS)>0))process.exit(0);fetch('http://127.0.0.1:'+(process.env.HEALTH_PORT||9465)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "src/main.ts"]
