#!/usr/bin/env bash
# Makes the synthetic call recordings the emotion tests replay
# (internal/emotion/testdata/call/*.wav): espeak-ng speech, no corpus audio.
#   calm.wav    a caller explaining calmly: Klatt voice, low pitch, slow    (~15 s)
#   angry.wav   a caller shouting a complaint: default voice, high pitch, fast (~35 s)
# Synthetic speech is outside what the model was trained on, and it hears voice quality
# more than pitch or rate: the default espeak-ng voice (a buzzy pulse source) sounds
# aroused to it whatever the settings, the Klatt voice calm. The fixtures are chosen for
# what the model hears; the tests check what the pipeline then does with it.
# Needs espeak-ng and sox. Deterministic for a given espeak-ng version (1.51 here).
set -euo pipefail
out=${1:-internal/emotion/testdata/call}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() { # name voice pitch speed amplitude text...
	local name=$1 v=$2 p=$3 s=$4 a=$5
	shift 5
	local i=0 parts=()
	for line in "$@"; do
		espeak-ng -v "$v" -p "$p" -s "$s" -a "$a" -w "$tmp/$name-$i.wav" "$line"
		sox -V1 -D "$tmp/$name-$i.wav" -r 16000 -c 1 -b 16 "$tmp/$name-$i-16k.wav" gain -n -3 pad 0 0.6
		parts+=("$tmp/$name-$i-16k.wav")
		i=$((i + 1))
	done
	sox "${parts[@]}" "$out/$name.wav"
}

say calm en-us+klatt 30 135 60 \
	"Hello, I am calling about my last invoice." \
	"I think there may be a small mistake in the amount." \
	"Could you have a look at it for me, please?" \
	"Thank you, I will wait."

say angry en-us 85 195 200 \
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
