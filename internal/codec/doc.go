// Package codec is the decode stage of the Undertone pipeline:
//
//	ingest ──► decode ──► per-party stream ──► analysis ──► …
//
// It turns RTP (or AudioSocket / websocket media) payloads into mono signed
// 16-bit PCM at the codec's own clock rate. Resampling to 16 kHz is the next
// stage (package dsp).
//
// Supported codecs: Opus (pure Go, github.com/pion/opus, always decoded at
// 48 kHz mono), G.711 µ-law (PCMU) and A-law (PCMA) at 8 kHz (ITU-T G.711,
// written here, table-driven decode) and L16 (RFC 3551 linear 16-bit,
// big-endian network order) at any rate. ForCodec maps an SDP/WebRTC MIME
// type to a Decoder.
//
// Loss handling: none of these codecs has packet-loss concealment here
// (pion/opus has no PLC), so every Decoder implements Conceal as a simple
// fade: the first lost packet after good audio repeats the last decoded frame
// with a linear fade from full level to silence; further consecutive losses
// are zero-filled. SeqTracker counts RTP sequence gaps so the caller knows
// how many packets to conceal.
//
// State: a Decoder holds per-stream state (Opus decoder memory, the last frame
// for concealment) and is owned by exactly one goroutine, the party stream's
// hot path; it is not safe for concurrent use. Decode and Conceal do not
// allocate in steady state. The G.711 and L16 encoders are for test clients
// and load generators.
package codec
