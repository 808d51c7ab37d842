#!/usr/bin/env bash
# Word error rate and real-time factor of the embedded English recogniser on sentences
# synthesised with espeak-ng, scored with sctk's sclite.
#
#   scripts/wer.sh [OUTDIR]            # default OUTDIR: a fresh temp dir
#   VOICES="en-us en" SPEEDS="150" scripts/wer.sh
#   BAND=phone scripts/wer.sh          # through 8 kHz µ-law first, as telephony calls arrive
#
# Needs: espeak-ng, sox, sctk (sclite), libpocketsphinx-dev libsphinxbase-dev
# pocketsphinx-en-us, and a C toolchain (CGO_ENABLED=1). Sentences:
# internal/asr/testdata/wer_en.txt (lower case, no punctuation, one per line).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d)}
mkdir -p "$out/wav"
sentences=${SENTENCES:-internal/asr/testdata/wer_en.txt}
voices=${VOICES:-en-us en en+f3}
speeds=${SPEEDS:-150}
engine=${ENGINE:-pocketsphinx}
band=${BAND:-wide}
sclite=$(command -v sclite || echo /usr/lib/sctk/bin/sclite)

CGO_ENABLED=1 go build -tags pocketsphinx -o "$out/asrwer" ./internal/asr/cmd/asrwer

: >"$out/ref.trn"
: >"$out/list.txt"
for v in $voices; do
	for s in $speeds; do
		spk=$(echo "${v}s$s" | tr -c 'a-zA-Z0-9\n' 'x')
		n=0
		while IFS= read -r line; do
			[ -z "$line" ] && continue
			n=$((n + 1))
			id=$(printf '%s_%02d' "$spk" "$n")
			espeak-ng -v "$v" -s "$s" -w "$out/wav/$id.raw.wav" "$line"
			# 16 kHz mono 16-bit, with a little silence either side as a VAD would cut it.
			sox "$out/wav/$id.raw.wav" -r 16000 -c 1 -b 16 "$out/wav/$id.wav" pad 0.3 0.3
			if [ "$band" = phone ]; then # the server upsamples 8 kHz G.711 to 16 kHz the same way
				sox "$out/wav/$id.wav" -r 8000 -e u-law "$out/wav/$id.ulaw.wav"
				sox "$out/wav/$id.ulaw.wav" -r 16000 -e signed -b 16 "$out/wav/$id.wav"
				rm "$out/wav/$id.ulaw.wav"
			fi
			rm "$out/wav/$id.raw.wav"
			echo "$line ($id)" >>"$out/ref.trn"
			echo "$out/wav/$id.wav" >>"$out/list.txt"
		done <"$sentences"
	done
done

"$out/asrwer" -engine "$engine" -list "$out/list.txt" >"$out/hyp.trn" 2>"$out/rtf.txt"
"$sclite" -r "$out/ref.trn" trn -h "$out/hyp.trn" trn -i rm -o sum pra -O "$out" -n sclite >/dev/null
echo "espeak-ng voices: $voices, speeds: $speeds, band: $band, engine: $engine"
grep -E 'Sum/Avg|SPKR|Corr' "$out/sclite.sys" | head -20
cat "$out/rtf.txt"
echo "details: $out/sclite.sys (per speaker), $out/sclite.pra (alignments)"
