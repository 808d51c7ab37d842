# Undertone — make run starts a local server, make test runs every test.
SHELL        := /bin/bash
.SHELLFLAGS  := -euo pipefail -c
GO           ?= go
BIN          ?= bin/undertone
DATA         ?= data
ADDR         ?= 127.0.0.1:8080
VERSION      ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS      := -s -w -X main.version=$(VERSION)
TEST_TIMEOUT ?= 13m
PKGS         ?= ./...
IMAGE        ?= undertone:$(VERSION)
CORPUS       ?= ../shared/data/emotion/ravdess
# The embedded English recogniser (pocketsphinx, cgo) is compiled in when its C library
# is installed (scripts/install-deps.sh tries to); otherwise a pure-Go build without it.
# ASR=none forces the plain build. Expanded when a recipe runs, i.e. after `deps`.
ASR          ?= auto
GOTAGS        = $(shell [ "$(ASR)" != none ] && command -v $${CC:-cc} >/dev/null 2>&1 && pkg-config --exists pocketsphinx sphinxbase 2>/dev/null && echo pocketsphinx)
CGO           = $(if $(GOTAGS),1,$${CGO_ENABLED:-0})

.PHONY: all run build test test-deps test-short test-race bench bench-load lint fmt docker eval eval-transfer eval-ablation train-emotion eval-intent wer deps clean help vendor-web

all: build

help:
	@echo "make run         build and start a local server; prints the softphone and agent URLs"
	@echo "make test        install test tools when possible, then go test ./... ($(TEST_TIMEOUT) limit)"
	@echo "make test-short  the fast set (go test -short ./...)"
	@echo "make bench       Go benchmarks (per hop, per packet); make bench-load: undertone vs the transport floor"
	@echo "make eval | eval-transfer | eval-ablation | train-emotion | eval-intent | wer"
	@echo "make lint | docker | clean"

deps:
	@scripts/install-deps.sh build

build: deps
	@echo "build: tags=[$(GOTAGS)] (the embedded recogniser needs libpocketsphinx-dev; ASR=none skips it)"
	CGO_ENABLED=$(CGO) $(GO) build -trimpath -tags '$(GOTAGS)' -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/undertone

# A development token is made once and kept in $(DATA)/dev-token (mode 600).
$(DATA)/dev-token:
	@mkdir -p $(DATA)
	@umask 077; head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > $@
	@echo "made a development token in $@"

run: build $(DATA)/dev-token
	@tok=$$(cat $(DATA)/dev-token); \
	UNDERTONE_DEV_TOKEN=$$tok UNDERTONE_TOKENS="$${UNDERTONE_TOKENS:-admin:$$tok}" \
		exec ./$(BIN) serve --addr $(ADDR) --data-dir $(DATA)

# Test tools (chromium, espeak-ng, sox, sipp, postgresql) are installed when root or
# password-less sudo is available; otherwise the tests that need them skip loudly.
# The tools are installed by a prerequisite so that GOTAGS, expanded with the recipe, sees
# a recogniser library installed just now (make expands a whole recipe before running it).
test-deps:
	@scripts/install-deps.sh test

test: test-deps
	CGO_ENABLED=$(CGO) $(GO) test -tags '$(GOTAGS)' -timeout $(TEST_TIMEOUT) $(PKGS)

test-short: deps
	CGO_ENABLED=$(CGO) $(GO) test -tags '$(GOTAGS)' -short -timeout 5m $(PKGS)

test-race: test-deps
	$(GO) test -race -tags '$(GOTAGS)' -timeout $(TEST_TIMEOUT) $(PKGS)

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# Undertone against the transport floor (cmd/undertone-floor: the same pion, codecs,
# interceptors and decoding, nothing else) under the same two-party speech calls over
# WHIP on loopback, interleaved and repeated, each on a fresh process; prints the table of
# issue 15 (CPU per party stream, ratio, RSS per call, onset → cue p50/p99). Needs the
# speech corpus (BENCH_SPEECH) and, for Opus, opusenc (opus-tools). About
# 2 × codecs × calls × repeats runs of BENCH_SECONDS each; CPU figures are CPU time from
# /proc, latency is wall clock (noisy on a shared machine).
BENCH_SPEECH  ?= ../shared/data/emotion/ravdess/wav
BENCH_CODECS  ?= pcmu,opus
BENCH_CALLS   ?= 10,50,100
BENCH_SECONDS ?= 30
BENCH_REPEAT  ?= 2
# BENCH_BASELINE=path/to/older/undertone (and BENCH_BASELINE_FLOOR) adds a before/after
# table measured interleaved in the same run.
BENCH_BASELINE       ?=
BENCH_BASELINE_FLOOR ?=
bench-load:
	CGO_ENABLED=0 $(GO) build -o bin/undertone-bench ./cmd/undertone
	CGO_ENABLED=0 $(GO) build -o bin/undertone-floor ./cmd/undertone-floor
	$(GO) run ./scripts/loadbench --undertone bin/undertone-bench --floor bin/undertone-floor \
		--speech $(BENCH_SPEECH) --codecs $(BENCH_CODECS) --calls $(BENCH_CALLS) \
		--seconds $(BENCH_SECONDS) --repeat $(BENCH_REPEAT) \
		$(if $(BENCH_BASELINE),--baseline $(BENCH_BASELINE)) $(if $(BENCH_BASELINE_FLOOR),--baseline-floor $(BENCH_BASELINE_FLOOR))

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*')); \
	if [[ -n "$$out" ]]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

docker:
	docker build --build-arg VERSION=$(VERSION) $(if $(filter none,$(ASR)),--build-arg ASR=none) -t $(IMAGE) .

# Emotion: speaker-grouped cross-validation on CORPUS (the scores to report; writes nothing;
# several minutes on 2 cores), then the shipped model on it, clean and through the telephone
# channel. On RAVDESS itself the second part scores training data (optimistic); point
# CORPUS at any other corpus in the shared manifest format for a held-out check.
# Features of every rendering are cached in EMOTION_CACHE, so reruns only refit.
EMOTION_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/undertone/emotion
eval: build
	nice -n 10 ./$(BIN) train --emotion --corpus $(CORPUS) --folds 6 --cache $(EMOTION_CACHE)
	./$(BIN) eval --emotion --corpus $(CORPUS)
	./$(BIN) eval --emotion --corpus $(CORPUS) --telephone

# The tests that predict transfer (models/emotion/emotion.md): grouped CV plus statement 1→2,
# normal→strong intensity, male↔female, and the CV models on held-out channels (AMR-NB via
# sox, babble, 1 s clips). Augmentation uses Opus when opus-tools is installed. Writes nothing.
eval-transfer: build
	nice -n 10 ./$(BIN) train --emotion --corpus $(CORPUS) --folds 6 --transfer --cache $(EMOTION_CACHE)

# The ablation table of the card: the battery once per change (about an hour on 2 cores).
eval-ablation: build
	BIN=$(BIN) scripts/emotion-ablation.sh $(CORPUS) models/emotion/ablation.jsonl $(EMOTION_CACHE)

# Retrain the shipped model with its card (battery, calibration, ablation rows carried over).
train-emotion: build
	nice -n 10 ./$(BIN) train --emotion --corpus $(CORPUS) --folds 6 --transfer --cache $(EMOTION_CACHE) \
		--ablation models/emotion/ablation.jsonl --out models/emotion/emotion.json

# Intent model: the held-out test files, then the corpus evaluations (Banking77, CLINC150,
# xSID; need TEXT_CORPUS) that plain go test never runs.
TEXT_CORPUS  ?= ../shared/data/text
eval-intent: build
	./$(BIN) eval --intent models/intent/test_nl.csv
	./$(BIN) eval --intent models/intent/test_en.csv
	INTENT_CORPUS=$(abspath $(TEXT_CORPUS)) $(GO) test -tags corpus -run Corpus -v -count=1 ./internal/intent/

# Word error rate of the embedded recogniser (espeak-ng English, sclite); needs the C library.
wer: deps
	scripts/wer.sh

# uPlot (MIT) for the wallboard and agent charts, from npm into web/vendor/uplot/ (committed,
# so serving needs no build step). UPLOT_VERSION=… overrides the pinned release.
vendor-web:
	scripts/vendor-web.sh

clean:
	rm -rf bin
	$(GO) clean -testcache
