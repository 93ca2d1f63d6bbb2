#!/usr/bin/env bash
# The image under the rules Kubernetes will run it with: builds it, then runs `migrate`, `web` (until Docker
# calls it healthy and /readyz answers 200), a `worker` in a container of its own, the model server, and the
# CLI (`import`, `model register --wait`, `gate`) against them, every container with a read-only root
# filesystem, all capabilities dropped, no new privileges and Docker's default seccomp profile, as the
# image's uid 10001. Stops web and worker with SIGTERM and checks they exit 0. Prints the figures as JSON
# (and writes bench/out/image-test.json).
#
# Needs: a Docker daemon (started here if none answers: `dockerd --storage-driver vfs --iptables=false
# --bridge=none`, as root), Postgres and Redis on this machine (127.0.0.1; containers use the host network),
# and the base image (deploy/stand-in-base.sh builds a stand-in where no registry is reachable).
# Takes ~15-20 minutes on the vfs storage driver, most of it `docker build`: not part of `npm test`.
#
#   flock /tmp/canary-heavy.lock deploy/image-test.sh      # SKIP_BUILD=1 reuses $IMAGE
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_IMAGE="$(sed -n 's/^ARG NODE_IMAGE=//p' Dockerfile)"
IMAGE="${IMAGE:-canary:image-test}"
PGURL="${PGURL:-postgres://postgres@127.0.0.1:5432}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
run_id="$$-$RANDOM"
db="canary_docker_${run_id//-/_}"
prefix="{canary-image-test-$run_id}"
token="image-test-$run_id"
port=$((20000 + RANDOM % 20000))
model_port=$((port + 1))
metrics_port=$((port + 2))
work="$(mktemp -d)"
started_daemon=""
containers=()

say() { printf 'image-test: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
now_ms() { date +%s%3N; }

cleanup() {
  local code=$?
  for c in "${containers[@]}"; do docker rm -f "$c" >/dev/null 2>&1 || true; done
  psql "$PGURL/postgres" -qc "drop database if exists $db with (force)" >/dev/null 2>&1 || true
  redis-cli -u "$REDIS_URL" --scan --pattern "$prefix:*" 2>/dev/null | xargs -r redis-cli -u "$REDIS_URL" del >/dev/null 2>&1 || true
  rm -rf "$work"
  [ -n "$started_daemon" ] && say "left dockerd (pid $started_daemon) running; stop it with: kill $started_daemon"
  exit $code
}
trap cleanup EXIT

# Everything Kubernetes' restricted profile and the manifests impose, as `docker run` flags.
HARDENED=(--network host --read-only --cap-drop ALL --security-opt no-new-privileges)

ensure_daemon() {
  docker info >/dev/null 2>&1 && return
  say "starting dockerd (vfs, no iptables, no bridge)"
  dockerd --storage-driver vfs --iptables=false --bridge=none >/tmp/canary-dockerd.log 2>&1 &
  started_daemon=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && return; sleep 1; done
  fail "dockerd did not answer; see /tmp/canary-dockerd.log"
}

wait_for() { # wait_for <seconds> <description> <command…>
  local limit=$1 what=$2
  shift 2
  local deadline=$(($(date +%s) + limit))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "timed out waiting for $what"
    sleep 0.2
  done
}

rss_mb() { # resident memory of a container's main process, from the host's /proc
  local pid
  pid="$(docker inspect -f '{{.State.Pid}}' "$1")"
  awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status"
}

stop_cleanly() { # SIGTERM, as Kubernetes sends it; must exit 0 well within the grace period
  local c=$1 t0 code
  t0=$(now_ms)
  docker kill --signal TERM "$c" >/dev/null
  docker wait "$c" >"$work/$c.exit"
  code="$(cat "$work/$c.exit")"
  [ "$code" = 0 ] || { docker logs "$c" 2>&1 | tail -20 >&2; fail "$c exited $code after SIGTERM"; }
  docker logs "$c" 2>&1 | grep -q '"msg":"shutting down: finishing jobs in flight"' || fail "$c did not log its shutdown"
  echo $(($(now_ms) - t0))
}

ensure_daemon
docker image inspect "$NODE_IMAGE" >/dev/null 2>&1 || {
  say "no $NODE_IMAGE: building the stand-in base"
  deploy/stand-in-base.sh "$NODE_IMAGE"
}

build_ms=null
if [ -z "${SKIP_BUILD:-}" ]; then
  say "docker build -t $IMAGE"
  t0=$(now_ms)
  docker build --network host -t "$IMAGE" . >"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; fail "docker build"; }
  build_ms=$(($(now_ms) - t0))
fi
size_mb="$(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f", $1 / 1048576 }')"
user="$(docker image inspect -f '{{.Config.User}}' "$IMAGE")"
[ "$user" = "10001:10001" ] || fail "image runs as '$user', not 10001:10001"
# Nothing a deployment runs is TypeScript: no tsx or esbuild in the production dependencies.
docker run --rm "${HARDENED[@]}" --entrypoint sh "$IMAGE" -c \
  'test ! -e node_modules/tsx && test ! -e node_modules/esbuild && test ! -e src && test -f dist/drizzle/meta/_journal.json' ||
  fail "the image carries tsx, esbuild or TypeScript sources, or lacks dist/drizzle"

createdb -h 127.0.0.1 -U postgres "$db"
ENV=(-e "DATABASE_URL=$PGURL/$db" -e "REDIS_URL=$REDIS_URL" -e "CANARY_QUEUE_PREFIX=$prefix"
  -e "CANARY_API_TOKENS=$token" -e "CANARY_ENDPOINT_ALLOWLIST=127.0.0.1" -e LOG_LEVEL=info)

say "migrate"
docker run --rm "${HARDENED[@]}" "${ENV[@]}" "$IMAGE" migrate >"$work/migrate.log" 2>&1 ||
  { cat "$work/migrate.log" >&2; fail "migrate"; }

say "web"
containers+=("canary-it-web-$run_id")
# Timed from the moment `docker run -d` returns (the process has started): on vfs, creating a container
# copies the whole image, which says nothing about Canary's start-up.
docker run -d --name "canary-it-web-$run_id" "${HARDENED[@]}" "${ENV[@]}" -e "PORT=$port" -e CANARY_WORKERS=0 \
  --health-interval 1s --health-start-period 60s "$IMAGE" web >/dev/null
t0=$(now_ms)
wait_for 60 "/readyz 200" curl -sf "http://127.0.0.1:$port/readyz"
ready_ms=$(($(now_ms) - t0))
wait_for 60 "web healthy" sh -c "[ \"\$(docker inspect -f '{{.State.Health.Status}}' canary-it-web-$run_id)\" = healthy ]"
healthy_ms=$(($(now_ms) - t0))
ready="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")"
[ "$ready" = 200 ] || fail "/readyz answered $ready"

say "worker (own container) and model server"
containers+=("canary-it-worker-$run_id" "canary-it-models-$run_id")
docker run -d --name "canary-it-worker-$run_id" "${HARDENED[@]}" "${ENV[@]}" -e "CANARY_METRICS_PORT=$metrics_port" \
  "$IMAGE" worker >/dev/null
t0=$(now_ms)
wait_for 60 "worker started" sh -c "docker logs canary-it-worker-$run_id 2>&1 | grep -q '\"msg\":\"workers started\"'"
worker_ready_ms=$(($(now_ms) - t0))
docker run -d --name "canary-it-models-$run_id" "${HARDENED[@]}" "$IMAGE" model-server --port "$model_port" --host 127.0.0.1 >/dev/null
wait_for 30 "model server" curl -sf "http://127.0.0.1:$model_port/v2/health/ready"

sleep 3 # idle: nothing queued, connections open
web_idle_mb="$(rss_mb "canary-it-web-$run_id")"
worker_idle_mb="$(rss_mb "canary-it-worker-$run_id")"

say "CLI: import, model register --wait (the worker container evaluates), gate"
cat >"$work/patterns.jsonl" <<'EOF'
{"problem":"Negation is misread","input":"I don't like it.","expect":{"label":"negative"}}
{"problem":"Negation is misread","input":"This is not bad at all.","expect":{"label":"positive"}}
{"problem":"Negation is misread","input":"Never again.","expect":{"label":"negative"}}
EOF
chmod a+rx "$work" && chmod a+r "$work/patterns.jsonl" # the containers read it as uid 10001
CLI=(docker run --rm "${HARDENED[@]}" -e "CANARY_URL=http://127.0.0.1:$port" -e "CANARY_TOKEN=$token"
  -v "$work:/in:ro" "$IMAGE")
"${CLI[@]}" import /in/patterns.jsonl --create-problems >"$work/import.log" 2>&1 || { cat "$work/import.log" >&2; fail "import"; }
"${CLI[@]}" model register --name sentiment --version v3 --adapter kserve-v2 \
  --url "http://127.0.0.1:$model_port/v2/models/vader/infer" --wait >"$work/register.log" 2>&1 ||
  { cat "$work/register.log" >&2; fail "model register"; }
set +e
"${CLI[@]}" gate --model sentiment@v3 --baseline none --json >"$work/gate.json" 2>"$work/gate.err"
gate_exit=$?
set -e
[ "$gate_exit" = 0 ] || [ "$gate_exit" = 1 ] || { cat "$work/gate.err" >&2; fail "gate exited $gate_exit"; }
node -e 'const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (typeof v.pass !== "boolean") process.exit(1)' \
  "$work/gate.json" || fail "gate printed no verdict"
worker_metrics="$(curl -s "http://127.0.0.1:$metrics_port/metrics" | awk '/^canary_pattern_evaluations_total/ { n += $2 } END { print n + 0 }')"
[ "$worker_metrics" -ge 3 ] || fail "the worker container counted $worker_metrics evaluations, not 3"

say "SIGTERM"
web_stop_ms="$(stop_cleanly "canary-it-web-$run_id")"
worker_stop_ms="$(stop_cleanly "canary-it-worker-$run_id")"

mkdir -p bench/out
cat <<EOF | tee bench/out/image-test.json
{
  "image": "$IMAGE",
  "base": "$NODE_IMAGE",
  "buildMs": $build_ms,
  "imageSizeMb": $size_mb,
  "webStartToReadyMs": $ready_ms,
  "webStartToHealthyMs": $healthy_ms,
  "workerStartToReadyMs": $worker_ready_ms,
  "webIdleRssMb": $web_idle_mb,
  "workerIdleRssMb": $worker_idle_mb,
  "evaluationsCountedByWorker": $worker_metrics,
  "gateExit": $gate_exit,
  "webSigtermExitMs": $web_stop_ms,
  "workerSigtermExitMs": $worker_stop_ms,
  "flags": "${HARDENED[*]}"
}
EOF
say "passed"
