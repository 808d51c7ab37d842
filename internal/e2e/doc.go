// Package e2e holds end-to-end tests that drive the real undertone binary from the outside:
// a headless Chromium publishes a speech file through the softphone page over WHIP and the
// agent page shows that call's live cues. They need chromium, espeak-ng and sox
// (scripts/install-deps.sh installs them) and skip loudly without them.
package e2e
