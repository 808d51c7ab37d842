// Package event defines the versioned JSON events that leave a call: the one stream that
// the agent dashboard, the supervisor wallboard, the store and integrators all consume.
//
// Stage: between analysis and the bus. An Event is created by the call session that owns
// the sequence counter; it is immutable once emitted. Payload types live here so that
// producers (analysis stages) and consumers (hub, store, web) share one definition.
package event
