#!/usr/bin/env bash
# Makes the synthetic call recordings the emotion and wallboard tests replay
# (internal/emotion/testdata/call/*.wav): espeak-ng speech, no corpus audio.
#   calm.wav    a caller explaining calmly: low pitch, slow, soft        (~10 s)
#   angry.wav   the same caller shouting a complaint: high pitch, fast, loud (~40 s)
# Needs espeak-ng and sox. Deterministic for a given espeak-ng version (1.51 here).
set -euo pipefail
out=${1:-internal/emotion/testdata/call}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() { # name pitch speed amplitude text...
	local name=$1 p=$2 s=$3 a=$4
	shift 4
	local i=0 parts=()
	for line in "$@"; do
		espeak-ng -v en-us -p "$p" -s "$s" -a "$a" -w "$tmp/$name-$i.wav" "$line"
		sox -V1 "$tmp/$name-$i.wav" -r 16000 -c 1 -b 16 "$tmp/$name-$i-16k.wav" gain -n -3 pad 0 0.6
		parts+=("$tmp/$name-$i-16k.wav")
		i=$((i + 1))
	done
	sox "${parts[@]}" "$out/$name.wav"
}

say calm 30 135 60 \
	"Hello, I am calling about my last invoice." \
	"I think there may be a small mistake in the amount." \
	"Could you have a look at it for me, please?" \
	"Thank you, I will wait."

say angry 85 195 200 \
	"This is the third time I am calling about this invoice!" \
	"You charged me twice and nobody has fixed it!" \
	"I have been waiting for forty minutes on this line!" \
	"Every time I call, you promise me it will be sorted out!" \
	"And every time, nothing happens!" \
	"I want my money back today, not next month!" \
	"This is completely unacceptable!" \
	"I want to speak to your manager right now!" \
	"Do not put me on hold again!" \
	"I am sick and tired of your excuses!" \
	"If this is not fixed today, I am cancelling everything!" \
	"Are you even listening to me?"
soxi -D "$out"/*.wav
