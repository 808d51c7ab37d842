// Package metrics holds the Prometheus collectors of one undertone process. It is built
// once in main and passed to every component (never a package global); labels are
// bounded sets — protocol, codec, stage, queue — never a call id.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the process's collectors. A nil *Metrics is not allowed; use New or Discard.
type Metrics struct {
	Registry *prometheus.Registry

	CallsActive   prometheus.Gauge
	CallsTotal    *prometheus.CounterVec // source
	CallsEnded    *prometheus.CounterVec // reason
	Packets       *prometheus.CounterVec // codec
	PacketsLost   *prometheus.CounterVec // codec
	DecodeErrors  *prometheus.CounterVec // codec
	Frames        prometheus.Counter     // 10 ms analysis hops
	Events        *prometheus.CounterVec // type
	QueueDrops    *prometheus.CounterVec // queue
	WSClients     prometheus.Gauge
	WSDisconnects *prometheus.CounterVec // reason
	StageLatency  *prometheus.HistogramVec
	Panics        prometheus.Counter
	ConnsRefused  *prometheus.CounterVec // reason: total, per_source
	AudioHeld     prometheus.Counter     // seconds senders were held back to real time
}

// New registers all collectors on a fresh registry (with Go and process collectors).
func New() *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return newOn(r)
}

// Discard returns collectors registered nowhere, for tests and tools.
func Discard() *Metrics { return newOn(prometheus.NewRegistry()) }

func newOn(r *prometheus.Registry) *Metrics {
	f := func(c prometheus.Collector) { r.MustRegister(c) }
	m := &Metrics{
		Registry:    r,
		CallsActive: prometheus.NewGauge(prometheus.GaugeOpts{Name: "undertone_calls_active", Help: "Calls in progress."}),
		CallsTotal: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "undertone_calls_total",
			Help: "Calls started, by ingest protocol."}, []string{"source"}),
		CallsEnded: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "undertone_calls_ended_total",
			Help: "Calls ended, by reason."}, []string{"reason"}),
		Packets: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "undertone_packets_total",
			Help: "Audio packets received, by codec."}, []string{"codec"}),
		PacketsLost: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "undertone_packets_lost_total",
			Help: "Audio packets missing and concealed or zero-filled, by codec."}, []string{"codec"}),
		DecodeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "undertone_decode_errors_total",
			Help: "Audio packets that failed to decode, by codec."}, []string{"codec"}),
		Frames: prometheus.NewCounter(prometheus.CounterOpts{Name: "undertone_frames_total",
			Help: "10 ms analysis hops processed."}),
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "undertone_events_total",
			Help: "Events emitted by calls, by type."}, []string{"type"}),
		QueueDrops: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "undertone_queue_drops_total",
			Help: "Items dropped or coalesced by a bounded queue, by queue."}, []string{"queue"}),
		WSClients: prometheus.NewGauge(prometheus.GaugeOpts{Name: "undertone_ws_clients",
			Help: "Websocket clients connected."}),
		WSDisconnects: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "undertone_ws_disconnects_total",
			Help: "Websocket clients disconnected, by reason."}, []string{"reason"}),
		StageLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "undertone_stage_seconds",
			Help:    "Time spent per pipeline stage (decode: per packet, analysis: per 10 ms hop, publish: per event).",
			Buckets: []float64{1e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 5e-3, 0.025}},
			[]string{"stage"}),
		Panics: prometheus.NewCounter(prometheus.CounterOpts{Name: "undertone_panics_total",
			Help: "Panics recovered inside a call (each ended that call only)."}),
		ConnsRefused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "undertone_http_conns_refused_total",
			Help: "HTTP connections closed at accept, by the bound they hit (total, per_source)."}, []string{"reason"}),
		AudioHeld: prometheus.NewCounter(prometheus.CounterOpts{Name: "undertone_audio_held_seconds_total",
			Help: "Seconds ingest loops waited because a sender ran ahead of real time."}),
	}
	for _, c := range []prometheus.Collector{m.CallsActive, m.CallsTotal, m.CallsEnded, m.Packets,
		m.PacketsLost, m.DecodeErrors, m.Frames, m.Events, m.QueueDrops, m.WSClients,
		m.WSDisconnects, m.StageLatency, m.Panics, m.ConnsRefused, m.AudioHeld} {
		f(c)
	}
	return m
}
