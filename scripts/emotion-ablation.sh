#!/usr/bin/env bash
# Ablation of the emotion model: the full battery (grouped CV + transfer and held-out
# channel tests, `undertone train --emotion --folds 6 --transfer`) once per change, each
# adding to the previous, one JSON line per row into OUT. `make train-emotion` carries
# OUT into the model card. Runs niced; features are cached in CACHE, so a rerun only
# refits (about 5–10 minutes per row on 2 shared cores; the first run extracts features
# for every condition, about 15 minutes more).
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
row "v1: one telephone copy, baseline from every utterance" --aug v1 --calm-gate off --orders 3
row "+ baseline learns only from calm speech" --aug v1 --orders 3
row "+ augmentation chain, 4 copies per file" --aug chain --aug-copies 4
row "+ telephone-band front end (300–3400 Hz)" --aug chain --aug-copies 4 --band phone
cat "$out"
