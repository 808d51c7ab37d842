package metrics

import "github.com/prometheus/client_golang/prometheus"

// ASR are the collectors of the speech recognition stage (internal/asr): what happened to
// each utterance, and, for an external recogniser, each request. Labels are bounded: the
// result or outcome names below, and "endpoint", the configured language key of a
// recogniser endpoint ("nl", "en", "default") — never a call id or a free language tag.
//
// The stage is built before the node's Metrics exist, so it has its own collectors; main
// registers them (Register) on the node's registry.
type ASR struct {
	// Utterances by result: transcribed, empty, dropped_queue_full (the bounded queue's
	// drop-oldest policy), dropped_unavailable (the recogniser is down or asked us to wait),
	// failed (an error after retries), abandoned (call or node closed first).
	Utterances *prometheus.CounterVec
	// Requests to an external recogniser by endpoint and outcome: ok, timeout, connect,
	// http_429, http_4xx, http_5xx, bad_response.
	Requests *prometheus.CounterVec
	// Retries of requests to an external recogniser, by endpoint.
	Retries *prometheus.CounterVec
	// RequestSeconds is the time of one request (encode excluded), by endpoint.
	RequestSeconds *prometheus.HistogramVec
	// EndpointState is 0 ok, 1 slow, 2 down, by endpoint.
	EndpointState *prometheus.GaugeVec
	// Pending is utterances queued or being recognised now.
	Pending prometheus.Gauge
}

// NewASR returns the stage's collectors, registered nowhere.
func NewASR() *ASR {
	return &ASR{
		Utterances: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "undertone_asr_utterances_total",
			Help: "Voiced utterances handed to speech recognition, by result."}, []string{"result"}),
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "undertone_asr_requests_total",
			Help: "Requests to the external recogniser, by endpoint (language key) and outcome."}, []string{"endpoint", "outcome"}),
		Retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "undertone_asr_retries_total",
			Help: "Retried requests to the external recogniser, by endpoint."}, []string{"endpoint"}),
		RequestSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "undertone_asr_request_seconds",
			Help:    "Time of one request to the external recogniser, by endpoint.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30}}, []string{"endpoint"}),
		EndpointState: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "undertone_asr_endpoint_state",
			Help: "External recogniser endpoint health: 0 ok, 1 slow, 2 down."}, []string{"endpoint"}),
		Pending: prometheus.NewGauge(prometheus.GaugeOpts{Name: "undertone_asr_pending",
			Help: "Utterances queued for or in speech recognition."}),
	}
}

// Register adds the collectors to r.
func (m *ASR) Register(r prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.Utterances, m.Requests, m.Retries, m.RequestSeconds, m.EndpointState, m.Pending} {
		if err := r.Register(c); err != nil {
			return err
		}
	}
	return nil
}
