# syntax=docker/dockerfile:1
# One image for every role: `web` (API + Slack + in-process workers unless CANARY_WORKERS=0), `worker`, `migrate`,
# `model-server`, or any `canary` CLI command (e.g. `docker run canary gate --model m@v2`).
# Every role starts compiled JavaScript with `node` directly: no npm, tsx or esbuild process, and nothing
# written outside /data, so the root filesystem can be read-only (`docker run --read-only`, Kubernetes'
# readOnlyRootFilesystem). deploy/image-test.sh builds and runs it that way.

# Pinned by version; add `@sha256:…` of the digest your registry serves to pin it fully.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY drizzle ./drizzle
COPY src ./src
COPY workers ./workers
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    CANARY_DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json docker-entrypoint.sh ./
COPY bin ./bin
# A uid of its own (not the base image's `node`, 1000, which often maps to a real user on the host);
# Kubernetes' runAsUser matches it.
RUN mkdir -p /data && chown 10001:10001 /data
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["./docker-entrypoint.sh"]
CMD ["web"]
