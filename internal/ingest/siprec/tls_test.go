package siprec_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/ingest"
	"github.com/undertone/undertone/internal/ingest/ingesttest"
	"github.com/undertone/undertone/internal/ingest/siprec"
)

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "undertone-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

type summaries struct {
	mu   sync.Mutex
	recs []call.Record
}

func (s *summaries) CallStarted(context.Context, call.Record) error { return nil }
func (s *summaries) CallEnded(_ context.Context, r call.Record) error {
	s.mu.Lock()
	s.recs = append(s.recs, r)
	s.mu.Unlock()
	return nil
}

// A SIPREC session over TLS (certificate verified by the client) delivers both parties.
func TestSIPRECOverTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	rec := &summaries{}
	reg := call.NewRegistry(call.Config{Recorder: rec, IdleTimeout: 5 * time.Second})
	srv, err := siprec.New(siprec.Config{Admit: &ingest.Admitter{Registry: reg}, AllowFrom: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, TLS: &tls.Config{Certificates: []tls.Certificate{cert}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if err := srv.ListenTLS("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = reg.Drain(ctx)
		_ = srv.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := siprec.Dial(ctx, siprec.ClientParams{Server: srv.TLSAddr(), Transport: "tls", Streams: 2,
		TLS: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}, Headers: map[string]string{siprec.HeaderCall: "tls-call-1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ch := ingesttest.StereoCall(1)
	if err := ingesttest.PlayFrames(ctx, ch, nil, func(_, i int, fr []int16) error { return c.SendFrame(i, fr) }); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if err := c.Bye(ctx); err != nil {
		t.Fatalf("BYE over TLS: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for reg.Live() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.recs) != 1 || rec.recs[0].Reason != "hangup" {
		t.Fatalf("records %+v", rec.recs)
	}
	for _, p := range []event.Party{event.Customer, event.Agent} {
		if ps := rec.recs[0].Summary.Parties[p]; ps.MediaS < 0.9 || ps.MeanPitchHz < 200 {
			t.Errorf("%s: %+v", p, ps)
		}
	}
	t.Logf("over TLS: %+v", rec.recs[0].Summary.Parties)
}
