#!/usr/bin/env bash
# Replays the attack classes of issue 12 against a real `undertone serve` on loopback and
# prints a table: class, inputs tried, crashes, leaks, data lost, bypasses (all must be
# zero). The node gets a temp data dir, four tokens (admin, two integrators, a supervisor),
# SIP and AudioSocket listeners, an AudioSocket allow-list of 127.0.0.1/32 (the attacks
# from 127.0.0.2 must be refused) and HTTP idle and read timeouts of 10 s.
#
# Where `unshare -rm` may mount (root, or unprivileged user namespaces), the script runs
# itself in a private mount namespace with the data dir on a 16 MB tmpfs, so the disk-full
# class fills a real filesystem; elsewhere that class is skipped and says so.
#
#   scripts/attack.sh                         # every class
#   scripts/attack.sh sip-unauth,disk-full    # some
#   IDLE_WAIT=30s scripts/attack.sh           # watch idle/trickling connections longer [15s]
#   ATTACK_TMPFS=0 scripts/attack.sh          # no namespace, no disk-full class
#
# Exit status 1 when any count is not zero. The node's log is kept and its path printed.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${ATTACK_BIN:-}" ]; then
  ATTACK_BIN=$(mktemp -d)
  export ATTACK_BIN
  go build -o "$ATTACK_BIN/undertone" ./cmd/undertone
  go build -o "$ATTACK_BIN/attack" ./scripts/attack
  if [ "${ATTACK_TMPFS:-1}" = 1 ] && unshare -rm true 2>/dev/null; then
    exec env ATTACK_NS=1 unshare -rm "$0" "$@"
  fi
fi

WORK=$(mktemp -d)
DATA="$WORK/data"
mkdir -p "$DATA"
DISKFULL=false
if [ -n "${ATTACK_NS:-}" ] && mount -t tmpfs -o size=16m tmpfs "$DATA" 2>/dev/null; then
  DISKFULL=true
fi

free_port() { # a port nothing listens on (TCP or UDP)
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    if ! ss -Htuln "( sport = :$p or sport = :$((p + 1)) or sport = :$((p + 2)) )" 2>/dev/null | grep -q .; then
      echo "$p"
      return
    fi
  done
}
PORT=$(free_port)
HTTP=127.0.0.1:$PORT
SIP=127.0.0.1:$((PORT + 1))
AS=127.0.0.1:$((PORT + 2))
tok() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
ADMIN=adm-$(tok) INTEG=int-$(tok) INTEG2=int2-$(tok) SUP=sup-$(tok)

# Short HTTP timeouts (defaults: idle 60 s, read 30 s) so the idle and slow-body classes
# can watch them act within IDLE_WAIT.
cat >"$WORK/config.yaml" <<YAML
telephony:
  audiosocket_allow: [127.0.0.1/32]
http:
  idle_timeout: 10s
  read_timeout: 10s
YAML
LOG="$WORK/server.log"
UNDERTONE_TOKENS="admin:$ADMIN,integrator:$INTEG,integrator:$INTEG2,supervisor:$SUP" \
  "$ATTACK_BIN/undertone" serve --config "$WORK/config.yaml" --addr "$HTTP" --data-dir "$DATA" \
  --sip-addr "$SIP" --audiosocket-addr "$AS" --log-level info --asr none >"$LOG" 2>&1 &
NODE=$!
cleanup() {
  kill "$NODE" 2>/dev/null || true
  wait "$NODE" 2>/dev/null || true
  if [ "$DISKFULL" = true ]; then umount "$DATA" 2>/dev/null || true; fi
  rm -rf "$ATTACK_BIN"
}
trap cleanup EXIT
for _ in $(seq 100); do curl -fs "http://$HTTP/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "http://$HTTP/healthz" >/dev/null || { echo "node did not start:"; cat "$LOG"; exit 2; }

echo "node $HTTP (SIP $SIP, AudioSocket $AS), data dir $DATA$([ "$DISKFULL" = true ] && echo ' on a 16 MB tmpfs')"
status=0
"$ATTACK_BIN/attack" -server "http://$HTTP" -sip "$SIP" -audiosocket "$AS" \
  -admin "$ADMIN" -integrator "$INTEG" -integrator2 "$INTEG2" -supervisor "$SUP" \
  -log "$LOG" -data-dir "$DATA" -disk-full="$DISKFULL" -pid "$NODE" -idle-wait "${IDLE_WAIT:-15s}" \
  ${1:+-only "$1"} || status=$?

kill -TERM "$NODE" 2>/dev/null || true
wait "$NODE" 2>/dev/null || true
leaked=$(grep -c -F -e "$ADMIN" -e "$INTEG" -e "$INTEG2" -e "$SUP" "$LOG" || true)
echo "node log: $LOG ($(wc -c <"$LOG") bytes, $leaked lines with a token in use)"
[ "$leaked" = 0 ] || status=1
exit "$status"
