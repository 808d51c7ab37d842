#!/usr/bin/env bash
# Instructions per benchmark op, counted by callgrind: a figure that does not move with
# the load of a shared machine. Runs BENCH of a package's test binary at two iteration
# counts and prints (Ir(n2) − Ir(n1)) / (n2 − n1), so setup, the b.N=1 probe run and the
# test binary's start cancel out. GODEBUG=asyncpreemptoff=1: Go's preemption signals
# trip callgrind's signal handling (an assertion in threads.c) on longer runs.
#
#   scripts/callgrind-bench.sh ./internal/features Hop            # builds the test binary
#   scripts/callgrind-bench.sh ./internal/features Hop 500 2500 /tmp/features.test
set -euo pipefail
pkg=${1:?package dir}; bench=${2:?benchmark regexp}
n1=${3:-500}; n2=${4:-2500}; bin=${5:-}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if [[ -z $bin ]]; then
	bin=$tmp/pkg.test
	go test -c -o "$bin" "$pkg"
fi
bin=$(realpath "$bin")
ir() {
	(cd "$pkg" && GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$1" "$bin" \
		-test.run '^$' -test.bench "^Benchmark($bench)\$" -test.benchtime "${1}x" -test.cpu 1 >/dev/null 2>&1)
	awk '/^(summary|totals):/ {print $2; exit}' "$tmp/cg.$1"
}
a=$(ir "$n1"); b=$(ir "$n2")
echo "$bench: $(( (b - a) / (n2 - n1) )) instructions per op (callgrind, Ir($n2)−Ir($n1) over $((n2 - n1)) ops)"
