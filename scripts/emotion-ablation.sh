#!/usr/bin/env bash
# Ablation of the emotion model: the full battery (grouped CV + transfer and held-out
# channel tests, `undertone train --emotion --folds 6 --transfer`) once per change, one
# JSON line per row into OUT; `make train-emotion` carries OUT into the model card.
# The first rows add up to the shipped configuration; the "tried" rows each change one
# thing and were not kept. Runs niced; features are cached in CACHE, so a rerun only
# refits (1–2 minutes a row on 2 shared cores); the first run extracts every rendering
# (about 10 minutes per front end, 1–3 per augmented copy).
#   scripts/emotion-ablation.sh CORPUS OUT [CACHE]
set -euo pipefail
corpus=${1:?corpus folder}
out=${2:?output JSON-lines file}
cache=${3:-${XDG_CACHE_HOME:-$HOME/.cache}/undertone/emotion}
bin=${BIN:-bin/undertone}
: >"$out"
row() { # name, flags...
	local name=$1
	shift
	echo "== $name: $*" >&2
	nice -n 10 "$bin" train --emotion --corpus "$corpus" --folds 6 --transfer --cache "$cache" --row "$name" "$@" | tail -n 1 >>"$out"
}
row "v1: one telephone copy, baseline from every utterance" --aug v1 --calm-gate off --orders 3 --l2 0.03
row "+ baseline learns only from calm speech" --aug v1 --orders 3 --l2 0.03
row "+ augmentation chain, 4 copies per file (pitch ±2 st)" --aug chain --aug-copies 4 --aug-pitch 2 --l2 0.03
row "+ pitch/formant perturbation ±4 st" --aug-pitch 4 --l2 0.03
row "+ L2 0.1 (shipped)" --aug-pitch 4 --l2 0.1
row "tried: pitch and formant levels only relative to the caller" --aug-pitch 4 --l2 0.1 --speaker-relative pitch,formants
row "tried: L2 0.01" --aug-pitch 4 --l2 0.01
row "tried: pitch ±6 st" --aug-pitch 6 --l2 0.1
row "tried: 8 copies per file (±2 st)" --aug-pitch 2 --aug-copies 8 --l2 0.1
row "tried: telephone-band front end (±2 st)" --aug-pitch 2 --l2 0.1 --band phone
cat "$out"
