#!/usr/bin/env bash
# Real-speech word error rate of the embedded English recogniser on RAVDESS, whose actors
# read two fixed sentences: 01 "Kids are talking by the door", 02 "Dogs are sitting by
# the door". Scored with sctk's sclite, one sclite "speaker" per emotion so the summary
# shows WER by emotion. Slow (the whole set is ~1.5 h of audio): not a unit test.
#
#   scripts/wer_ravdess.sh [OUTDIR]
#   EMOTIONS="neutral angry" EVERY=1 scripts/wer_ravdess.sh
#
# EMOTIONS: manifest emotion labels to include [neutral calm happy sad angry fearful disgust surprised]
# EVERY:    keep every Nth matching file [4]
# RAVDESS:  corpus folder with manifest.csv and wav/ [../shared/data/emotion/ravdess]
# BAND:     wide, or phone to pass the audio through 8 kHz µ-law first [wide]
# Needs what scripts/wer.sh needs, minus espeak-ng.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d)}
mkdir -p "$out/wav"
corpus=${RAVDESS:-../shared/data/emotion/ravdess}
[ -d "$corpus" ] || corpus=/work/shared/data/emotion/ravdess
emotions=${EMOTIONS:-neutral calm happy sad angry fearful disgust surprised}
every=${EVERY:-4}
engine=${ENGINE:-pocketsphinx}
band=${BAND:-wide}
sclite=$(command -v sclite || echo /usr/lib/sctk/bin/sclite)

CGO_ENABLED=1 go build -tags pocketsphinx -o "$out/asrwer" ./internal/asr/cmd/asrwer

: >"$out/ref.trn"
: >"$out/list.txt"
i=0
# manifest: file,speaker,gender,emotion,text_id,corpus
tail -n +2 "$corpus/manifest.csv" | while IFS=, read -r file spk gender emo text corp; do
	case " $emotions " in *" $emo "*) ;; *) continue ;; esac
	i=$((i + 1))
	[ $(((i - 1) % every)) -eq 0 ] || continue
	case "$text" in
	01) ref="kids are talking by the door" ;;
	02) ref="dogs are sitting by the door" ;;
	*) continue ;;
	esac
	id="${emo}_${file%.wav}"
	if [ "$band" = phone ]; then
		sox "$corpus/wav/$file" -r 8000 -c 1 -e u-law "$out/wav/$id.ulaw.wav"
		sox "$out/wav/$id.ulaw.wav" -r 16000 -e signed -b 16 "$out/wav/$id.wav"
		rm "$out/wav/$id.ulaw.wav"
	else
		sox "$corpus/wav/$file" -r 16000 -c 1 -b 16 "$out/wav/$id.wav"
	fi
	echo "$ref ($id)" >>"$out/ref.trn"
	echo "$out/wav/$id.wav" >>"$out/list.txt"
done

"$out/asrwer" -engine "$engine" -list "$out/list.txt" >"$out/hyp.trn" 2>"$out/rtf.txt"
"$sclite" -r "$out/ref.trn" trn -h "$out/hyp.trn" trn -i rm -o sum pra -O "$out" -n sclite >/dev/null
echo "RAVDESS emotions: $emotions, every $every file(s), band: $band, engine: $engine"
grep -E '^ *\| [a-zA-Z/]' "$out/sclite.sys"
cat "$out/rtf.txt"
echo "details: $out/sclite.sys, $out/sclite.pra"
