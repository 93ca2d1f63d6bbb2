# syntax=docker/dockerfile:1
# One image for every role: `web` (API + Slack + in-process workers unless CANARY_WORKERS=0), `worker`, `migrate`,
# or any `canary` CLI command (e.g. `docker run canary gate --model m@v2`).

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    CANARY_DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json docker-entrypoint.sh ./
COPY bin ./bin
COPY drizzle ./drizzle
COPY src ./src
COPY workers ./workers
COPY slack ./slack
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["./docker-entrypoint.sh"]
CMD ["web"]
