#!/usr/bin/env bash
# Starts a three-node Tessenger cluster on this machine (docs/CLUSTER.md): nodes a, b and c on
# ports 5001-5003, each with its own data directory under data/cluster/, all joined through the
# Redis at $REDIS_URL (default redis://127.0.0.1:6379). Extra arguments go to every node
# (e.g. --plaintext). Ctrl-C stops all three (SIGTERM: each tells its clients and leaves the
# cluster). Output lines are prefixed with the node's name.
set -euo pipefail
cd "$(dirname "$0")/.."
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
BASE_PORT="${BASE_PORT:-5001}"
pids=()
stop() {
  trap - EXIT INT TERM
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop EXIT INT TERM
i=0
for node in a b c; do
  port=$((BASE_PORT + i))
  i=$((i + 1))
  mkdir -p "data/cluster/$node"
  node dist/src/cli/server.js "$port" 3 --credentials examples/credentials.txt \
    --data-dir "data/cluster/$node" --redis "$REDIS_URL" --node-id "$node" "$@" \
    > >(sed -u "s/^/[$node] /") 2>&1 &
  pids+=($!)
done
echo "cluster: nodes a, b, c on ports $BASE_PORT-$((BASE_PORT + 2)) with Redis $REDIS_URL (Ctrl-C stops them)"
wait "${pids[@]}"
