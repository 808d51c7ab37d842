package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns their paths and
// a pool that trusts the certificate.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "undertone test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// token runs `undertone token ARGS… --data-dir dir` and returns stdout.
func token(t *testing.T, dir string, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), append(append([]string{"token"}, args...), "--data-dir", dir), &out, &errb); err != nil {
		t.Fatalf("token %v: %v\n%s", args, err, errb.String())
	}
	return out.String()
}

// TestStoredTokensOverTLS creates tokens with the CLI, serves over TLS with only those
// tokens (no UNDERTONE_TOKENS, so no ephemeral admin), and checks that a stored token
// works, an expired one does not, a revoked one stops working while serve runs, and
// the browser session cookie is Secure.
func TestStoredTokensOverTLS(t *testing.T) {
	dir := t.TempDir()
	agentTok := strings.TrimSpace(token(t, dir, "create", "--role", "agent", "--agent", "A17", "--name", "desk 4"))
	supTok := strings.TrimSpace(token(t, dir, "create", "--role", "supervisor", "--team", "red", "--expires", "720h"))
	expTok := strings.TrimSpace(token(t, dir, "create", "--role", "admin", "--expires", "1ms"))
	if !strings.HasPrefix(agentTok, "ut_") || strings.Contains(agentTok, "\n") {
		t.Fatalf("create printed %q", agentTok)
	}
	list := token(t, dir, "list")
	if !strings.Contains(list, "desk 4") || !strings.Contains(list, "red") || strings.Contains(list, agentTok) {
		t.Fatalf("list:\n%s", list)
	}
	certFile, keyFile, pool := selfSigned(t, dir)
	addr := freeAddr(t)
	base := "https://" + addr
	t.Setenv("UNDERTONE_TOKENS", "")
	t.Setenv("UNDERTONE_DEV_TOKEN", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuf
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--data-dir", dir, "--tls-cert", certFile, "--tls-key", keyFile},
			&stdout, &stderr)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(path, tok string) int {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := client.Do(req)
		if err != nil {
			return -1
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	deadline := time.Now().Add(20 * time.Second)
	for get("/readyz", "") != 200 {
		if time.Now().After(deadline) {
			t.Fatalf("TLS server not ready in 20 s\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if strings.Contains(stderr.String(), "ephemeral admin") {
		t.Error("serve made an ephemeral admin token although the store holds valid tokens")
	}
	if !strings.Contains(stdout.String(), base) {
		t.Errorf("serve printed no https URL: %q", stdout.String())
	}
	// Plain HTTP to the TLS port is refused.
	if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP to the TLS port: %d", resp.StatusCode)
		}
	}
	for _, c := range []struct {
		path, tok string
		want      int
	}{
		{"/v1/calls", agentTok, 200},
		{"/v1/trends", supTok, 200},
		{"/v1/trends", agentTok, 403},
		{"/v1/calls", expTok, 401},
		{"/v1/calls", "ut_made_up", 401},
		{"/v1/calls", "", 401},
	} {
		if got := get(c.path, c.tok); got != c.want {
			t.Errorf("GET %s with %.10s…: %d, want %d", c.path, c.tok, got, c.want)
		}
	}
	// The browser session over TLS: a Secure, HttpOnly, SameSite=Strict cookie.
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/session", nil)
	req.Header.Set("Authorization", "Bearer "+supTok)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cs := resp.Cookies(); resp.StatusCode != 200 || len(cs) != 1 || !cs[0].Secure || !cs[0].HttpOnly ||
		cs[0].SameSite != http.SameSiteStrictMode {
		t.Errorf("session over TLS: %d %+v", resp.StatusCode, cs)
	}
	// Revoking with the CLI while serve runs: refused within the cache lifetime.
	var id string
	for _, line := range strings.Split(token(t, dir, "list"), "\n") {
		if strings.Contains(line, "desk 4") {
			id = strings.Fields(line)[0]
		}
	}
	token(t, dir, "revoke", id)
	deadline = time.Now().Add(5 * time.Second)
	for get("/v1/calls", agentTok) != 401 {
		if time.Now().After(deadline) {
			t.Fatal("revoked token still accepted 5 s later")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestTokenCommandErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"create", "--role", "agent"}, "agent"},
		{[]string{"create", "--role", "root"}, "role"},
		{[]string{"create", "--role", "admin", "--expires", "-1h"}, "expires"},
		{[]string{"revoke"}, "token id"},
		{[]string{"revoke", "tok_nope"}, "no token"},
		{[]string{"list", "extra"}, "unexpected"},
		{[]string{"rotate"}, "unknown subcommand"},
	} {
		var out, errb bytes.Buffer
		err := run(context.Background(), append(append([]string{"token"}, c.args...), "--data-dir", dir), &out, &errb)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("token %v: %v, want an error naming %q", c.args, err, c.want)
		}
		if out.Len() != 0 {
			t.Errorf("token %v printed %q on stdout", c.args, out.String())
		}
	}
}
