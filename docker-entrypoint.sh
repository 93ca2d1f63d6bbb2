#!/bin/sh
# Picks the role of the one Canary image. Migrations run on start of `web` and `worker` (idempotent, serialised
# by an advisory lock), or once with `migrate`.
set -e
role="${1:-web}"
case "$role" in
  web) shift; exec node --import tsx src/main.ts "$@" ;;
  worker) shift; exec node --import tsx workers/evaluation.ts "$@" ;;
  migrate) shift; exec node bin/canary.js migrate "$@" ;;
  model-server) shift; exec node --import tsx src/modelserver/main.ts "$@" ;;
  *) exec node bin/canary.js "$@" ;;
esac
