// Package emotion turns a party's speech into calibrated emotion cues: class probabilities
// over neutral, angry, happy, sad and fearful, arousal and valence in [−1, 1], a
// confidence, and the change against the caller's own baseline in this call.
//
// Stage: analysis, on the party's goroutine (call.Analyzer). The Analyzer made by
// NewAnalyzerFactory owns all of its state (feature extractor, utterance buffer, baseline,
// smoothing) and is used from that goroutine only; the Model is immutable and shared by
// every call.
//
// Offline, the same feature path trains and evaluates the model from corpora in the shared
// manifest format (TrainCommand, EvalCommand), always speaker-independently.
package emotion
