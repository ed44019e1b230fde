#!/usr/bin/env bash
# The kit's side-by-side (../shared/bench-anchors, README there) for several Tessenger builds at
# once: each scenario runs for ngIRCd, InspIRCd and every build back to back, so builds and IRC
# servers are measured in the same minutes (the kit's run_side_by_side.sh takes one build).
#   bench/side-by-side.sh OUTDIR main=/path/to/checkout this=/path/to/other   (built checkouts)
# env: K (kit folder, default ../shared/bench-anchors), DURATION (s, default 10),
#      SCEN (scenarios, default below), IRC ("ngircd inspircd"; empty for none).
# Prints each run's summary; OUTDIR/<server>__<scenario>.{json,txt} keep the full results.
set -u
K=${K:-$(cd "$(dirname "$0")/../.." && pwd)/shared/bench-anchors}
OUT=${1:?outdir}; shift; mkdir -p "$OUT"
D=${DURATION:-10}
SCEN=${SCEN:-"direct_unlimited_w020 direct_unlimited_w200 direct_rate020000 direct_rate040000 fanout500_unlimited_w020 connect_c1000"}
IRC=${IRC-"ngircd inspircd"}
ulimit -n 20000 2>/dev/null || true
for sc in $SCEN; do
  for srv in $IRC "$@"; do
    case $srv in
      ngircd|inspircd) pid=$("$K/irc_servers.sh" start "$srv"); port=$([ "$srv" = ngircd ] && echo 16667 || echo 16668)
        gen=$K/ircload.mjs; c=$([ "$srv" = inspircd ] && echo 1000 || echo 50); name=$srv ;;
      *=*) name=${srv%%=*}; pid=$(TESS_REPO=${srv#*=} "$K/tess_server.sh" start); port=16669; gen=$K/tessload.mjs; c=50 ;;
      *) echo "unknown server $srv (ngircd, inspircd or NAME=CHECKOUT)" >&2; exit 2 ;;
    esac
    sleep 1
    case "$sc" in
      connect_c1000) args="--clients 1000 --senders 1 --rate 10 --duration 2 --connect-concurrency 1000 --register-timeout 30 --quiet 1" ;;
      direct_unlimited_w*) args="--clients 1000 --senders 100 --window $((10#${sc#direct_unlimited_w})) --duration $D --connect-concurrency $c" ;;
      direct_rate*) args="--clients 1000 --senders 100 --rate $((10#${sc#direct_rate})) --duration $D --connect-concurrency $c" ;;
      fanout500_rate*) args="--mode fanout --clients 500 --fanout-senders 3 --rate $((10#${sc#fanout500_rate})) --duration $D --connect-concurrency $c" ;;
      fanout500_unlimited_w*) args="--mode fanout --clients 500 --fanout-senders 3 --window $((10#${sc#fanout500_unlimited_w})) --duration $D --connect-concurrency $c" ;;
      idle10k) args="--clients 10000 --senders 1 --rate 10 --duration 2 --connect-concurrency $c --register-timeout 120 --quiet 1" ;;
      *) echo "unknown scenario $sc" >&2; exit 2 ;;
    esac
    echo "== $name $sc $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)"
    # shellcheck disable=SC2086
    timeout 400 node "$gen" --port "$port" --server-pid "$pid" --label "$name $sc" --json "$OUT/${name}__${sc}.json" --silent true $args >"$OUT/${name}__${sc}.txt" 2>&1
    tail -n 8 "$OUT/${name}__${sc}.txt"
    case $srv in ngircd|inspircd) "$K/irc_servers.sh" stop "$srv" ;; *) "$K/tess_server.sh" stop ;; esac
    sleep 2
  done
done
