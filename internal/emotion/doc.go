// Package emotion turns a party's speech into calibrated emotion cues: class probabilities
// over neutral, angry, happy, sad and fearful, arousal and valence in [−1, 1], a
// confidence, and the change against the caller's own baseline in this call.
//
// Stage: analysis, on the party's goroutine (call.Analyzer). The Analyzer made by
// NewAnalyzerFactory owns all of its state (feature extractor, utterance buffer, baseline,
// smoothing) and is used from that goroutine only; the Model is immutable and shared by
// every call.
//
// Live path, per party stream:
//   - every 10 ms hop inside speech (the stream's VAD, plus Config.Hangover) goes through
//     features.Extractor (outside speech the history is only shifted);
//   - an utterance ends after the hangover, or is split at Config.MaxUtterance; one of at
//     least Config.MinUtterance is scored and emitted as kind "utterance";
//   - during a turn longer than Config.Window, the last Window is scored every
//     Config.WindowEvery and emitted as kind "window", so the cue moves in long turns;
//   - functionals are standardised, and — unless Config.NoBaseline — scored by the
//     relative head against the caller's baseline (the shrunk mean of this caller's earlier
//     utterances; windows never update it);
//   - probabilities are smoothed exponentially in media time (Config.SmoothTau) and
//     arousal, valence and confidence are recomputed from the smoothed probabilities.
//
// Arousal and valence are not separate regressors: they are the probability-weighted
// circumplex coordinates of the classes (Model.Arousal, Model.Valence), which keeps them
// consistent with the class shown and needs no dimensional labels the corpora lack.
//
// Offline, the same feature path trains and evaluates the model from corpora in the shared
// manifest format (TrainCommand, EvalCommand), always speaker-independently.
package emotion
