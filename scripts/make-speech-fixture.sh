#!/usr/bin/env bash
# Makes internal/call/testdata/speech8k.wav: three short phrases of espeak-ng speech
# (English, Dutch, English quieter), 8 kHz mono 16-bit, with digital silence between them;
# tests add their own line noise. The first phrase starts 0.25 s in, so a VAD has to be
# right from the first second. Needs espeak-ng and sox.
#   scripts/make-speech-fixture.sh [OUT]
set -euo pipefail
out=${1:-$(dirname "$0")/../internal/call/testdata/speech8k.wav}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
espeak-ng -v en -s 160 -p 45 -a 110 -w "$tmp/a.wav" "Hello, I am calling about my bill."
espeak-ng -v nl+f3 -s 150 -p 60 -a 110 -w "$tmp/b.wav" "Ik wil mijn abonnement opzeggen."
espeak-ng -v en -s 170 -p 35 -a 60 -w "$tmp/c.wav" "Can you help me?"
for f in a b c; do
  # 8 kHz mono, leading and trailing silence cut (espeak-ng pads both ends)
  sox -D "$tmp/$f.wav" -r 8000 -c 1 -b 16 "$tmp/${f}8.wav" silence 1 0.01 0.5% reverse silence 1 0.01 0.5% reverse
done
sox -D -n -r 8000 -c 1 -b 16 "$tmp/s025.wav" trim 0 0.25
sox -D -n -r 8000 -c 1 -b 16 "$tmp/s080.wav" trim 0 0.8
sox -D -n -r 8000 -c 1 -b 16 "$tmp/s120.wav" trim 0 1.2
sox -D -n -r 8000 -c 1 -b 16 "$tmp/s050.wav" trim 0 0.5
sox -D "$tmp/s025.wav" "$tmp/a8.wav" "$tmp/s080.wav" "$tmp/b8.wav" "$tmp/s120.wav" "$tmp/c8.wav" "$tmp/s050.wav" "$out"
soxi "$out" | grep -E 'Duration|Sample Rate'
# The same speech as 20 ms Opus packets (SILK wideband, 24 kb/s VBR) in Ogg, for the
# Opus decode path: made from the 8 kHz file upsampled to 16 kHz. Needs opusenc.
sox -D "$out" -r 16000 "$tmp/wide.wav"
opusenc --quiet --bitrate 24 --framesize 20 --speech "$tmp/wide.wav" "${out%.wav}.opus"
ls -l "${out%.wav}.opus"
