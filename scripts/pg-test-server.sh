#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL server for tests (the store's Go tests start their
# own when this is not used; see internal/store/postgres/pgtest).
#
#   scripts/pg-test-server.sh install   # apt-get install -y postgresql (Debian 12: PostgreSQL 15)
#   eval "$(scripts/pg-test-server.sh start)"   # prints: export UNDERTONE_TEST_PG_DSN=… UNDERTONE_PG_DIR=…
#   go test ./internal/store/...                 # uses that server
#   scripts/pg-test-server.sh stop               # stops it and removes its directory
#
# Runs the server as the `postgres` user when started as root (PostgreSQL refuses root).
set -euo pipefail

bin_dir() {
	if [[ -n "${UNDERTONE_PG_BIN:-}" ]]; then echo "$UNDERTONE_PG_BIN"; return; fi
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
	if [[ -n "$d" && -x "$d/initdb" ]]; then echo "$d"; return; fi
	if command -v initdb >/dev/null; then dirname "$(command -v initdb)"; return; fi
	echo "pg-test-server: no initdb; run: $0 install" >&2
	exit 1
}

as_pg() {
	if [[ $(id -u) == 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

case "${1:-}" in
install)
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2
	;;
start)
	bin=$(bin_dir)
	dir=$(mktemp -d /tmp/undertone-pg-XXXXXX)
	chmod 755 "$dir"
	[[ $(id -u) == 0 ]] && chown postgres:postgres "$dir"
	port=${UNDERTONE_PG_PORT:-$((20000 + RANDOM % 20000))}
	as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >&2
	as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
		-o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >&2
	echo "export UNDERTONE_TEST_PG_DSN='postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable' UNDERTONE_PG_DIR='$dir'"
	;;
stop)
	dir=${2:-${UNDERTONE_PG_DIR:?set UNDERTONE_PG_DIR or pass the directory}}
	as_pg "$(bin_dir)/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
	rm -rf "$dir"
	;;
*)
	echo "usage: $0 install | start | stop [dir]" >&2
	exit 2
	;;
esac
