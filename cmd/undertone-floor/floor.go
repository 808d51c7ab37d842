package main

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/undertone/undertone/internal/codec"
	"github.com/undertone/undertone/internal/ingest/whip"
)

// floor holds the peer connections and the few counters a load run reads.
type floor struct {
	token string
	api   *webrtc.API
	log   *slog.Logger
	reg   *prometheus.Registry

	packets, lost, decErr *prometheus.CounterVec

	mu    sync.Mutex
	peers map[string]*webrtc.PeerConnection
	wg    sync.WaitGroup // track read loops
}

func newFloor(token string, log *slog.Logger) (*floor, error) {
	api, err := whip.NewAPI(whip.APIConfig{Loopback: true})
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	counter := func(name, help string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"codec"})
		reg.MustRegister(c)
		return c
	}
	return &floor{token: token, api: api, log: log, reg: reg, peers: map[string]*webrtc.PeerConnection{},
		packets: counter("undertone_packets_total", "RTP packets decoded."),
		lost:    counter("undertone_packets_lost_total", "RTP packets lost (sequence gaps)."),
		decErr:  counter("undertone_decode_errors_total", "Payloads that failed to decode.")}, nil
}

func (f *floor) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux.Handle("GET /metrics", f.authed(promhttp.HandlerFor(f.reg, promhttp.HandlerOpts{}).ServeHTTP))
	mux.Handle("POST /v1/whip", f.authed(f.offer))
	mux.Handle("DELETE /v1/whip/{id}", f.authed(f.delete))
	return mux
}

func (f *floor) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if subtle.ConstantTimeCompare([]byte(tok), []byte(f.token)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h(w, r)
	}
}

// offer answers a WHIP offer; each audio track gets a read loop that decodes.
func (f *floor) offer(w http.ResponseWriter, r *http.Request) {
	sdp, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	pc, err := f.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	id := newID()
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			f.read(tr)
		}()
	})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateFailed || s == webrtc.PeerConnectionStateDisconnected {
			f.drop(id)
		}
	})
	fail := func(code int, err error) {
		_ = pc.Close()
		http.Error(w, err.Error(), code)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: string(sdp)}); err != nil {
		fail(http.StatusBadRequest, err)
		return
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		fail(http.StatusBadRequest, err)
		return
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		fail(http.StatusInternalServerError, err)
		return
	}
	select {
	case <-gathered:
	case <-time.After(5 * time.Second):
	case <-r.Context().Done():
		fail(http.StatusServiceUnavailable, r.Context().Err())
		return
	}
	f.mu.Lock()
	f.peers[id] = pc
	f.mu.Unlock()
	call := r.URL.Query().Get("call")
	if call == "" {
		call = id
	}
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", "/v1/whip/"+id)
	w.Header().Set("X-Undertone-Call", call)
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, pc.LocalDescription().SDP)
}

func (f *floor) delete(w http.ResponseWriter, r *http.Request) {
	if !f.drop(r.PathValue("id")) {
		http.Error(w, "no such session", http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (f *floor) drop(id string) bool {
	f.mu.Lock()
	pc := f.peers[id]
	delete(f.peers, id)
	f.mu.Unlock()
	if pc == nil {
		return false
	}
	go func() { _ = pc.Close() }() // not on pion's callback goroutine
	return true
}

// read is the floor's whole media path, the part of undertone's (whip.onTrack and
// call.Stream.WriteRTP) that comes before resampling: read, parse, track sequence
// numbers, conceal gaps, decode.
func (f *floor) read(tr *webrtc.TrackRemote) {
	c := tr.Codec()
	dec, err := codec.ForCodec(c.MimeType, int(c.ClockRate))
	if err != nil {
		f.log.Warn("track with unsupported codec", "codec", c.MimeType, "err", err)
		return
	}
	packets, lost, decErr := f.packets.WithLabelValues(dec.Name()), f.lost.WithLabelValues(dec.Name()),
		f.decErr.WithLabelValues(dec.Name())
	var seq codec.SeqTracker
	pcm := make([]int16, codec.OpusMaxSamples)
	lastLen := 0
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, _, err := tr.Read(buf)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				f.log.Debug("track read ended", "err", err)
			}
			return
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		gap, ok := seq.Push(pkt.SequenceNumber)
		if !ok {
			continue
		}
		if gap > 0 {
			lost.Add(float64(gap))
			for i := 0; i < gap && i < 10; i++ {
				dec.Conceal(pcm, lastLen)
			}
		}
		packets.Inc()
		k, err := dec.Decode(pkt.Payload, pcm)
		if err != nil {
			decErr.Inc()
			continue
		}
		if k > 0 {
			lastLen = k
		}
	}
}

func (f *floor) close() {
	f.mu.Lock()
	peers := f.peers
	f.peers = map[string]*webrtc.PeerConnection{}
	f.mu.Unlock()
	for _, pc := range peers {
		_ = pc.Close()
	}
	f.wg.Wait()
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
