#!/usr/bin/env bash
# Builds a stand-in for the `node:<version>-bookworm-slim` base image where no image registry is reachable:
# a minimal Debian bookworm (mmdebstrap, from the Debian mirror apt already uses) plus this machine's own
# `node` and npm, imported into the local Docker daemon under the tag the Dockerfile asks for.
# Usage: deploy/stand-in-base.sh [tag]   (needs root, mmdebstrap, and a running Docker daemon)
set -euo pipefail

tag="${1:-node:20.20.2-bookworm-slim}"
node_bin="$(command -v node)"
npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
want="v${tag#node:}"
want="${want%%-*}"
have="$("$node_bin" --version)"
if [ "$have" != "$want" ]; then
  echo "stand-in-base: this machine's node is $have, the tag asks for $want; pass a matching tag" >&2
  exit 2
fi

# Certificates this machine trusts beyond Debian's (here: a TLS-intercepting egress), so `npm ci` inside the
# build reaches the registry as the host does. Only the stand-in carries them; the real base needs none.
extra_ca=()
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  extra_ca=(--customize-hook='copy-in /usr/local/share/ca-certificates /usr/local/share/'
    --customize-hook='chroot "$1" update-ca-certificates')
fi

# The official image's layout: node and npm under /usr/local, a `node` user (uid 1000) that Canary does not use.
mmdebstrap --variant=minbase --include=ca-certificates,libstdc++6 \
  --customize-hook="copy-in $node_bin /usr/local/bin/" \
  --customize-hook="mkdir -p \"\$1/usr/local/lib/node_modules\"" \
  --customize-hook="copy-in $npm_dir /usr/local/lib/node_modules/" \
  --customize-hook='chroot "$1" ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm' \
  --customize-hook='chroot "$1" ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx' \
  --customize-hook='chroot "$1" groupadd --gid 1000 node' \
  --customize-hook='chroot "$1" useradd --uid 1000 --gid node --shell /bin/bash --create-home node' \
  "${extra_ca[@]}" \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
  bookworm - "deb http://deb.debian.org/debian bookworm main" \
  "deb http://deb.debian.org/debian bookworm-updates main" \
  "deb http://deb.debian.org/debian-security bookworm-security main" |
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=${have#v}" \
    ${extra_ca:+--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt'} \
    --change 'CMD ["node"]' \
    - "$tag"
docker run --rm --network none "$tag" node -e 'console.log("stand-in base:", process.version)'
