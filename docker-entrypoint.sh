#!/bin/sh
# Picks the role of the one Canary image. Migrations run on start of `web` and `worker` (idempotent, serialised
# by an advisory lock), or once with `migrate`. `exec` makes node PID 1, so it gets SIGTERM itself.
set -e
role="${1:-web}"
case "$role" in
  web) shift; exec node dist/src/main.js "$@" ;;
  worker) shift; exec node dist/workers/evaluation.js "$@" ;;
  migrate) shift; exec node bin/canary.js migrate "$@" ;;
  model-server) shift; exec node dist/src/modelserver/main.js "$@" ;;
  *) exec node bin/canary.js "$@" ;;
esac
