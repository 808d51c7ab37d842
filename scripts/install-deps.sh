#!/usr/bin/env bash
# Install what Undertone needs and this machine lacks. Idempotent and non-interactive:
# it checks each tool first, runs `apt-get update` at most once, and installs only the
# missing Debian packages. Safe to run in CI as root.
#
#   scripts/install-deps.sh build   # Go toolchain check + Go modules, and the embedded
#                                   # recogniser's C library (pocketsphinx) when it can
#   scripts/install-deps.sh test    # build, plus chromium, espeak-ng, sox, sipp, postgresql,
#                                   # GStreamer webrtcbin for Python
#   scripts/install-deps.sh check   # only report what is missing (exit 0)
#
# Without root and without password-less sudo it cannot install system packages: for
# `test` it then says so loudly and exits 0, and the tests that need them skip.
set -euo pipefail

cd "$(dirname "$0")/.."
mode=${1:-build}

say() { printf 'install-deps: %s\n' "$*" >&2; }

# --- Go -------------------------------------------------------------------------------
need_go=$(awk '/^go [0-9]/ {print $2; exit}' go.mod)
check_go() {
	if ! command -v go >/dev/null 2>&1; then
		say "Go is not installed. Undertone needs Go ${need_go} or newer: https://go.dev/dl/"
		say "  (Debian's golang package is too old; unpack the official tarball into /usr/local/go)"
		return 1
	fi
	local have
	have=$(go env GOVERSION | sed 's/^go//')
	if [[ "$(printf '%s\n%s\n' "$need_go" "$have" | sort -V | head -1)" != "$need_go" ]]; then
		# The go command downloads a newer toolchain itself when GOTOOLCHAIN allows it.
		say "Go ${have} is older than go.mod's ${need_go}; the go command will try to fetch the toolchain (GOTOOLCHAIN=$(go env GOTOOLCHAIN))"
	fi
}

go_modules() {
	# Fast and offline when the module cache already has everything.
	if ! go mod download 2>/dev/null; then
		say "go mod download failed; retrying with output"
		go mod download
	fi
}

# --- Debian packages ------------------------------------------------------------------
# tool → package. A tool counts as present when the command (or path) exists.
declare -a missing=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
want() { # want CHECK PACKAGE
	local check=$1 pkg=$2
	case "$check" in
	/*) compgen -G "$check" >/dev/null && return ;;
	*) have_cmd "$check" && return ;;
	esac
	missing+=("$pkg")
}
test_tools() {
	if ! have_cmd chromium && ! [[ -x /usr/lib/chromium/chromium ]]; then missing+=(chromium); fi
	want espeak-ng espeak-ng
	want sox sox
	want sipp sip-tester
	want node nodejs # web tests parse every page module with node --check
	want '/usr/lib/postgresql/*/bin/initdb' postgresql
	want '/usr/lib/sctk/bin/sclite' sctk # scripts/wer.sh scores the recogniser with sclite
	# internal/ingest/whip publishes over WHIP with GStreamer's webrtcbin from Python (a
	# WebRTC stack that is neither pion nor Chromium), with and without BUNDLE.
	want /usr/lib/python3/dist-packages/gi/__init__.py python3-gi
	want '/usr/lib/*/girepository-1.0/Gst-1.0.typelib' gir1.2-gstreamer-1.0
	want '/usr/lib/*/girepository-1.0/GstWebRTC-1.0.typelib' gir1.2-gst-plugins-bad-1.0
	want '/usr/lib/*/gstreamer-1.0/libgstopus.so' gstreamer1.0-plugins-base
	want '/usr/lib/*/gstreamer-1.0/libgstrtp.so' gstreamer1.0-plugins-good
	want '/usr/lib/*/gstreamer-1.0/libgstwebrtc.so' gstreamer1.0-plugins-bad
	want '/usr/lib/*/gstreamer-1.0/libgstnice.so' gstreamer1.0-nice
}

# The embedded English recogniser (internal/asr, build tag pocketsphinx) links Debian's
# pocketsphinx through cgo; the Makefile turns the tag on when pkg-config finds it.
asr_libs() {
	[[ "${ASR:-auto}" == none ]] && return 0
	have_cmd pkg-config && pkg-config --exists pocketsphinx sphinxbase 2>/dev/null &&
		[[ -d /usr/share/pocketsphinx/model/en-us ]] && have_cmd "${CC:-cc}" && return 0
	local rc=0
	apt_install libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us pkg-config gcc libc6-dev || rc=$?
	if ((rc != 0)); then
		say "pocketsphinx not installed (exit $rc): building without the embedded recogniser (transcripts only from integrators)"
	fi
}

as_root() {
	if [[ $(id -u) == 0 ]]; then
		"$@"
	elif have_cmd sudo && sudo -n true 2>/dev/null; then
		sudo -n "$@"
	else
		return 77
	fi
}

apt_install() {
	(($# > 0)) || return 0
	if ! have_cmd apt-get; then
		say "no apt-get here: install these yourself: $*"
		return 77
	fi
	say "installing: $*"
	local rc=0
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || rc=$?
	if ((rc == 0)); then
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" || rc=$?
	fi
	return $rc
}

loud() {
	local line
	line=$(printf '!%.0s' {1..78})
	printf '%s\n!! %s\n%s\n' "$line" "$*" "$line" >&2
}

case "$mode" in
build)
	check_go
	go_modules
	asr_libs
	;;
test)
	check_go
	go_modules
	asr_libs
	test_tools
	if ((${#missing[@]} == 0)); then
		say "test tools present"
		exit 0
	fi
	rc=0
	apt_install "${missing[@]}" || rc=$?
	if ((rc != 0)); then
		if ((rc == 77)); then
			loud "cannot install ${missing[*]} (need root or password-less sudo): tests that need them will SKIP"
		else
			loud "installing ${missing[*]} failed (exit $rc): tests that need them will SKIP"
		fi
		exit 0
	fi
	missing=()
	test_tools
	if ((${#missing[@]} > 0)); then
		loud "still missing after install: ${missing[*]}: tests that need them will SKIP"
	fi
	;;
check)
	check_go || true
	test_tools
	if ((${#missing[@]} == 0)); then say "nothing missing"; else say "missing: ${missing[*]}"; fi
	;;
*)
	echo "usage: $0 build|test|check" >&2
	exit 2
	;;
esac
