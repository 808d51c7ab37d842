package metrics

import "github.com/prometheus/client_golang/prometheus"

// StoreStats is what the store's writer (store.Recorder) reports at each scrape.
type StoreStats struct {
	Written     uint64            // events stored
	Failed      uint64            // events not stored: undecodable, refused by the store, or still failing at shutdown
	Dropped     uint64            // events never tried: queue full, hold full, recorder closed
	WriteErrors map[string]uint64 // failed write attempts by operation: batch, call_started, call_ended
	Held        int               // events and call records held for retry now
	Writable    bool              // false while the store cannot write what the node holds
}

// StoreWriteOps are the operations StoreStats.WriteErrors counts (a bounded label set).
var StoreWriteOps = []string{"batch", "call_started", "call_ended"}

var (
	storeWritten = prometheus.NewDesc("undertone_store_events_written_total", "Events the store recorder wrote.", nil, nil)
	storeFailed  = prometheus.NewDesc("undertone_store_events_failed_total",
		"Events not stored because of an error: undecodable, refused by the store, or still failing at shutdown.", nil, nil)
	storeDropped = prometheus.NewDesc("undertone_store_events_dropped_total",
		"Events the store recorder dropped without trying: queue full, retry hold full, recorder closed.", nil, nil)
	storeWriteErrors = prometheus.NewDesc("undertone_store_write_errors_total",
		"Failed store write attempts (each retry counts), by operation.", []string{"op"}, nil)
	storeHeld = prometheus.NewDesc("undertone_store_held",
		"Events and call records held in memory for retry because the store could not write them.", nil, nil)
	storeWritable = prometheus.NewDesc("undertone_store_writable",
		"1 while the store writes what the node records, 0 while writes fail (readiness fails too).", nil, nil)
)

type storeCollector struct{ read func() StoreStats }

func (c storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{storeWritten, storeFailed, storeDropped, storeWriteErrors, storeHeld, storeWritable} {
		ch <- d
	}
}

func (c storeCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.read()
	ch <- prometheus.MustNewConstMetric(storeWritten, prometheus.CounterValue, float64(s.Written))
	ch <- prometheus.MustNewConstMetric(storeFailed, prometheus.CounterValue, float64(s.Failed))
	ch <- prometheus.MustNewConstMetric(storeDropped, prometheus.CounterValue, float64(s.Dropped))
	for _, op := range StoreWriteOps {
		ch <- prometheus.MustNewConstMetric(storeWriteErrors, prometheus.CounterValue, float64(s.WriteErrors[op]), op)
	}
	ch <- prometheus.MustNewConstMetric(storeHeld, prometheus.GaugeValue, float64(s.Held))
	w := 0.0
	if s.Writable {
		w = 1
	}
	ch <- prometheus.MustNewConstMetric(storeWritable, prometheus.GaugeValue, w)
}

// RegisterStore adds the store writer's figures to m's registry; read is called once per
// scrape. A node registers at most one store.
func (m *Metrics) RegisterStore(read func() StoreStats) error {
	return m.Registry.Register(storeCollector{read})
}
