#!/usr/bin/env bash
# Two Undertone nodes on one real NATS server, on this machine: calls are sent over WHIP
# to node A, and their cues are read from node B's websockets, so onset → cue is measured
# across the bus. Prints loadgen's report: node A's CPU per party stream (it decodes and
# analyses), node B's CPU for the run (it only relays), and the cross-node latency.
# Each node keeps its own SQLite store (calls are stored by the node that took them).
#
#   CALLS=50 SECONDS=20 scripts/two-node-bench.sh [--speech DIR | --tone-bursts 12] [--codec opus]
#
# Extra arguments go to `undertone loadgen`; with none, 12 s of tone bursts are sent.
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${CALLS:-50}
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/undertone" ./cmd/undertone
go build -o "$tmp/nats-server" github.com/nats-io/nats-server/v2
token=bench-$RANDOM$RANDOM
"$tmp/nats-server" -a 127.0.0.1 -p 14222 >"$tmp/nats.log" 2>&1 &
pids+=($!)
for n in a b; do
	port=$([[ $n == a ]] && echo 18091 || echo 18092)
	mkdir -p "$tmp/$n"
	UNDERTONE_TOKENS=admin:$token "$tmp/undertone" serve --addr 127.0.0.1:$port --data-dir "$tmp/$n" \
		--node node-$n --nats nats://127.0.0.1:14222 --asr none --log-level warn --idle-timeout 10s \
		>"$tmp/$n.log" 2>&1 &
	pids+=($!)
done
for port in 18091 18092; do
	for _ in $(seq 100); do
		curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
		sleep 0.2
	done
	curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$tmp"/*.log; exit 1; }
done
sleep 2 # model loading, the first GC
args=("$@")
[[ ${#args[@]} -gt 0 ]] || args=(--tone-bursts 12)
"$tmp/undertone" loadgen --server http://127.0.0.1:18091 --watch http://127.0.0.1:18092 \
	--token "$token" --calls "$calls" "${args[@]}"
