#!/usr/bin/env bash
# Where a server's CPU per message goes: user space or the kernel, and how many read and write
# system calls it makes per delivery. Runs one scenario of the side-by-side kit
# (../shared/bench-anchors) against ngIRCd, InspIRCd and this checkout's Tessenger in turn and,
# over 5 s in the middle of each load window, reads the server's user and system CPU
# (/proc/PID/stat) and its read/write system-call counts (/proc/PID/io).
#
#   bench/cpu-split.sh                                   # 20,000 private msg/s (the issue's figure)
#   SCENARIO="--mode fanout --clients 500 --fanout-senders 3 --rate 0 --window 20" bench/cpu-split.sh
#   SERVERS="tess" PERF=1 bench/cpu-split.sh             # also perf's split by binary (kernel, node, JIT)
#   SERVERS="floor tess" bench/cpu-split.sh              # floor: bench/relay-floor.ts, the least a
#                                                        # Node server does per message
#
# Needs the kit's servers (`apt-get install -y ngircd inspircd`) and `npm run build` first.
# Prints one line per server: delivered/s, µs of user and of system CPU per delivery, system calls
# per delivery, and the generator's latency over its whole window. (The generator shares the
# machine: run it when the machine is otherwise quiet.)
set -euo pipefail
cd "$(dirname "$0")/.."
KIT=${KIT:-../shared/bench-anchors}
SCENARIO=${SCENARIO:---clients 1000 --senders 100 --rate 20000}
SERVERS=${SERVERS:-ngircd inspircd tess}
WINDOW_SECONDS=15 # the generator's window; the sample is 5 s inside it
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

ticks() { awk '{print $14 + 0, $15 + 0}' "/proc/$1/stat"; }
syscalls() { awk '/^syscr/{r=$2} /^syscw/{w=$2} END{print r + 0, w + 0}' "/proc/$1/io"; }

for server in $SERVERS; do
  case $server in
    tess) pid=$("$KIT/tess_server.sh" start) port=16669 generator=tessload.mjs ;;
    floor)
      ulimit -n 20000
      node --import tsx bench/relay-floor.ts 16670 >"$out/floor.pid" &
      for _ in $(seq 1 100); do [[ -s $out/floor.pid ]] && break; sleep 0.1; done
      pid=$(cat "$out/floor.pid") port=16670 generator=tessload.mjs
      ;;
    ngircd) pid=$("$KIT/irc_servers.sh" start ngircd) port=16667 generator=ircload.mjs ;;
    inspircd) pid=$("$KIT/irc_servers.sh" start inspircd) port=16668 generator=ircload.mjs ;;
    *) echo "unknown server $server" >&2 && exit 64 ;;
  esac
  # shellcheck disable=SC2086 # SCENARIO is a list of options
  node "$KIT/$generator" --port "$port" --server-pid "$pid" $SCENARIO \
    --duration "$WINDOW_SECONDS" --json "$out/$server.json" >"$out/$server.log" 2>&1 &
  load=$!
  # the window opens after the last set-up line (logins; in fan-out, the group joined)
  ready='logged in|registered'
  [[ $SCENARIO == *fanout* ]] && ready='joined'
  for _ in $(seq 1 240); do grep -Eq "$ready" "$out/$server.log" && break; sleep 0.5; done
  sleep 3
  read -r user0 sys0 < <(ticks "$pid")
  read -r reads0 writes0 < <(syscalls "$pid")
  if [[ -n ${PERF:-} ]]; then
    perf record -q -e cpu-clock -F 1000 -p "$pid" -o "$out/$server.perf" -- sleep 5 2>/dev/null
  else
    sleep 5
  fi
  read -r user1 sys1 < <(ticks "$pid")
  read -r reads1 writes1 < <(syscalls "$pid")
  wait "$load"
  case $server in
    tess) "$KIT/tess_server.sh" stop ;;
    floor) kill "$pid" ;;
    *) "$KIT/irc_servers.sh" stop "$server" ;;
  esac
  rate=$(node -p "Math.round(require('$out/$server.json').load.deliveredPerS)")
  latency=$(node -p "const l = require('$out/$server.json').load.latencyMs; 'p50 ' + l.p50 + ' ms, p99 ' + l.p99 + ' ms'")
  hz=$(getconf CLK_TCK)
  node -e "
    const [server, rate, u, s, r, w, hz] = process.argv.slice(1).map((v, i) => (i ? Number(v) : v));
    const per = (x) => x / (rate * 5);
    console.log(server.padEnd(9), String(rate).padStart(9), 'delivered/s',
      '· user', (per(u / hz) * 1e6).toFixed(2), 'µs · system', (per(s / hz) * 1e6).toFixed(2),
      'µs per delivery · reads', per(r).toPrecision(3), '· writes', per(w).toPrecision(3), 'per delivery ·', process.argv[8]);
  " "$server" "$rate" $((user1 - user0)) $((sys1 - sys0)) $((reads1 - reads0)) $((writes1 - writes0)) "$hz" "$latency"
  if [[ -n ${PERF:-} ]]; then
    perf report -i "$out/$server.perf" --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -5
  fi
done
