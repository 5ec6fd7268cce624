#!/usr/bin/env bash
# Pins the Node base image of deploy/docker/Dockerfile (every app's image) to the current digest of its tag.
#
#   bash deploy/docker/pin-base-image.sh            # resolve node:<NODE_VERSION>-bookworm-slim and write it
#   bash deploy/docker/pin-base-image.sh --check    # exit 1 unless the Dockerfile carries a real digest
#
# Needs Docker with buildx (or `crane`) and registry access. It resolves the multi-arch index digest, so
# the same pin serves amd64 and arm64 laptops and clusters. Commit the result; renovate/dependabot can
# keep it fresh afterwards (both understand `ARG ...=sha256:...` next to a FROM).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
node_version="$(tr -d '[:space:]' < "$root/.nvmrc")"
image="node:${node_version}-bookworm-slim"
dockerfiles=("$here/Dockerfile")

if [ "${1:-}" = "--check" ]; then
  status=0
  for file in "${dockerfiles[@]}"; do
    if ! grep -Eq '^ARG NODE_BASE_DIGEST=sha256:[0-9a-f]{64}$' "$file"; then
      echo "unpinned: $file" >&2
      status=1
    fi
  done
  exit "$status"
fi

if docker buildx version >/dev/null 2>&1; then
  digest="$(docker buildx imagetools inspect "$image" --format '{{json .Manifest}}' |
    sed -n 's/.*"digest":"\(sha256:[0-9a-f]\{64\}\)".*/\1/p' | head -n 1)"
elif command -v crane >/dev/null 2>&1; then
  digest="$(crane digest "$image")"
else
  echo "need 'docker buildx' or 'crane' to resolve $image" >&2
  exit 1
fi
[[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "could not resolve a digest for $image (got '$digest')" >&2; exit 1; }

for file in "${dockerfiles[@]}"; do
  sed -i.bak -E "s/^ARG NODE_VERSION=.*/ARG NODE_VERSION=${node_version}/; s/^ARG NODE_BASE_DIGEST=.*/ARG NODE_BASE_DIGEST=${digest}/" "$file"
  rm -f "$file.bak"
  echo "pinned $(basename "$file") to $image@$digest"
done
