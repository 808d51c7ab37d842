#!/usr/bin/env bash
# Ingest load on loopback: starts an undertone node with WHIP and every telephony
# listener, then runs scripts/telload for each protocol in turn with CALLS concurrent
# two-party calls of SECONDS each, and prints one report line per protocol.
#   CALLS=50 SECONDS=20 scripts/telephony-load.sh [protocol…]
# NODE=bare runs `telload -serve` instead of `undertone serve`: the same ingest and cue
# path without the store and the emotion model (used when the full binary cannot start).
set -euo pipefail
cd "$(dirname "$0")/.."
CALLS=${CALLS:-20}
SECONDS_PER_CALL=${SECONDS:-20}
PROTOS=${*:-whip siprec audiosocket twilio audiohook}
TOKEN=load-admin-token-0001
SECRET=TXlTdXBlclNlY3JldEtleVRlbGxOby0xITJAMyM0JDU=
BIN=$(mktemp -d)
DATA=$(mktemp -d)
go build -o "$BIN/undertone" ./cmd/undertone
go build -o "$BIN/telload" ./scripts/telload
if [ "${NODE:-full}" = bare ]; then
  "$BIN/telload" -serve 127.0.0.1:18080 -token "$TOKEN" -audiohook-secret "$SECRET" \
    -sip 127.0.0.1:15060 -audiosocket 127.0.0.1:19092 >"$DATA/server.log" 2>&1 &
else
  UNDERTONE_TOKENS="admin:$TOKEN" UNDERTONE_AUDIOHOOK_SECRET="$SECRET" "$BIN/undertone" serve \
    --addr 127.0.0.1:18080 --data-dir "$DATA" --log-level warn \
    --sip-addr 127.0.0.1:15060 --audiosocket-addr 127.0.0.1:19092 --idle-timeout 10s >"$DATA/server.log" 2>&1 &
fi
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$BIN"' EXIT
for i in $(seq 100); do curl -fs http://127.0.0.1:18080/healthz >/dev/null && break; sleep 0.1; done
curl -fs http://127.0.0.1:18080/healthz >/dev/null || { echo "node did not start:"; cat "$DATA/server.log"; exit 1; }
echo "node: ${NODE:-full}, $CALLS calls × ${SECONDS_PER_CALL}s per protocol"
for p in $PROTOS; do
  "$BIN/telload" -proto "$p" -server http://127.0.0.1:18080 -token "$TOKEN" -sip 127.0.0.1:15060 \
    -audiosocket 127.0.0.1:19092 -audiohook-secret "$SECRET" -calls "$CALLS" -seconds "$SECONDS_PER_CALL"
done
echo "server log: $DATA/server.log"
