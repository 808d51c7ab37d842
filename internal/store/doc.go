// Package store keeps what Undertone remembers after the moment: calls and their
// summaries, the emotion timeline aggregated per utterance, transcripts (already redacted
// by the caller), intents, hints and the feedback agents give on them, hourly trend
// buckets and API tokens (hashed). No raw audio is stored.
//
// Stage: beside the pipeline, never on it. The call registry writes call rows directly
// (a call's summary is written before it is reported ended); every other event reaches
// the store through a Recorder, which subscribes to the bus, queues events in a bounded
// queue and writes them in batched transactions on its own goroutine.
//
// Backends live in subpackages: sqlite (embedded default, one file, WAL) and postgres
// (several nodes). Both share their SQL in sqlstore and pass the contract suite in
// storetest. Open picks one by the form of its argument; the backends register
// themselves when imported, so main imports both:
//
//	import (
//		_ "github.com/undertone/undertone/internal/store/postgres"
//		_ "github.com/undertone/undertone/internal/store/sqlite"
//	)
//
// Times are stored as Unix milliseconds (UTC), JSON documents as text (jsonb in Postgres).
package store
