// Package emotion turns a party's speech into calibrated emotion cues: absolute arousal
// (the primary cue), class probabilities over neutral, angry, happy, sad and fearful with a
// headline that says "unsure" until one class is confidently ahead, valence, and the
// change against the caller's own calm baseline in this call.
//
// Stage: analysis, on the party's goroutine (call.Analyzer). The Analyzer made by
// NewAnalyzerFactory owns all of its state (front end, feature extractor, utterance
// buffer, baseline, smoothing, headline) and is used from that goroutine only; the Model
// is immutable and shared by every call.
//
// Live path, per party stream:
//   - every 10 ms hop inside speech (the stream's VAD, plus Config.Hangover) goes through
//     features.Extractor, which reads the stream's own measurements of the hop (its
//     windows, its one pitch estimate, its one spectrum); a model with the telephone-band
//     front end runs its own front end on the filtered samples instead;
//   - an utterance ends after the hangover, or is split at Config.MaxUtterance; one of at
//     least Config.MinUtterance is scored and emitted as kind "utterance";
//   - during a turn longer than Config.Window, the last Window is scored every
//     Config.WindowEvery and emitted as kind "window", so the cue moves in long turns;
//   - functionals are standardised; arousal comes from the arousal head on the absolute
//     features, so no baseline can erase a sustained state; the classes come from the
//     relative head against the caller's Baseline (unless Config.NoBaseline), which learns
//     only from utterances whose arousal is calm, slowly, and never from windows;
//   - probabilities and arousal are smoothed exponentially in media time
//     (Config.SmoothTau), and the headline moves only after Config.Headline.Hold agreeing
//     confident events (hysteresis; see headline).
//
// Offline, the same feature path trains and evaluates the model from any corpus in the
// manifest format (TrainCommand, EvalCommand), always speaker-independently, with an
// augmentation chain that imitates call channels (augment.go) and a battery of tests that
// predict transfer beyond the training corpus (transfer.go).
package emotion
