// Package pgtest starts a throwaway PostgreSQL server for tests: initdb into a temporary
// directory, pg_ctl start on a free loopback port (unix socket in the same directory,
// trust authentication, fsync off), one fresh database per test, pg_ctl stop -m immediate
// and removal at the end. The binaries are found under $UNDERTONE_PG_BIN,
// /usr/lib/postgresql/*/bin (Debian's `postgresql` package) or $PATH. PostgreSQL refuses
// to run as root, so under root the server runs as the `postgres` user (created by the
// Debian package) and the directory is handed to it.
//
// UNDERTONE_TEST_PG_DSN=postgres://user@host:port/db?sslmode=disable makes tests use an
// existing server instead (that user must be allowed to CREATE DATABASE).
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names an existing server to use instead of starting one.
const EnvDSN = "UNDERTONE_TEST_PG_DSN"

// Server is a running PostgreSQL server.
type Server struct {
	dsn     *url.URL // admin connection to the maintenance database
	dir     string   // "" when the server is not ours
	bin     string
	cred    *syscall.Credential
	counter atomic.Int64
}

// Start starts a server, or returns the one EnvDSN names.
func Start(ctx context.Context) (*Server, error) {
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, fmt.Errorf("pgtest: %s: %w", EnvDSN, err)
		}
		s := &Server{dsn: u}
		if err := s.ping(ctx); err != nil {
			return nil, fmt.Errorf("pgtest: %s: %w", EnvDSN, err)
		}
		return s, nil
	}
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("pgtest: running as root and no `postgres` user to run the server as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	s.dir, err = os.MkdirTemp("", "undertone-pg-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	if s.cred != nil {
		if err := os.Chown(s.dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			s.Stop()
			return nil, fmt.Errorf("pgtest: chown: %w", err)
		}
	}
	data := filepath.Join(s.dir, "data")
	if out, err := s.run(ctx, "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
		s.Stop()
		return nil, fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	var lastErr error
	for range 3 { // the free port may be taken between choosing and binding it
		port, err := freePort()
		if err != nil {
			s.Stop()
			return nil, err
		}
		opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", port, s.dir)
		out, err := s.run(ctx, "pg_ctl", "-D", data, "-l", filepath.Join(s.dir, "log"), "-w", "-t", "60", "-o", opts, "start")
		if err != nil {
			log, _ := os.ReadFile(filepath.Join(s.dir, "log"))
			lastErr = fmt.Errorf("pgtest: pg_ctl start: %w\n%s\n%s", err, out, log)
			continue
		}
		s.dsn = &url.URL{Scheme: "postgres", User: url.User("postgres"), Host: fmt.Sprintf("127.0.0.1:%d", port),
			Path: "/postgres", RawQuery: "sslmode=disable"}
		if err := s.ping(ctx); err != nil {
			s.Stop()
			return nil, err
		}
		return s, nil
	}
	s.Stop()
	return nil, lastErr
}

func findBin() (string, error) {
	if b := os.Getenv("UNDERTONE_PG_BIN"); b != "" {
		return b, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("pgtest: no initdb found (apt-get install postgresql, or set UNDERTONE_PG_BIN or " + EnvDSN + ")")
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// pg_ctl's server inherits no pipe of ours: it logs to the file given with -l.
	err := cmd.Run()
	return out.Bytes(), err
}

func (s *Server) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.dsn.String())
	if err != nil {
		return fmt.Errorf("pgtest: connect: %w", err)
	}
	return c.Close(ctx)
}

// DSN is the admin connection URL (maintenance database).
func (s *Server) DSN() string { return s.dsn.String() }

// NewDatabase creates an empty database and returns its URL.
func (s *Server) NewDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), s.counter.Add(1))
	c, err := pgx.Connect(ctx, s.dsn.String())
	if err != nil {
		return "", fmt.Errorf("pgtest: connect: %w", err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("pgtest: create database %s: %w", name, err)
	}
	u := *s.dsn
	u.Path = "/" + name
	return u.String(), nil
}

// Stop stops a server Start started and removes its directory (safe to call twice; does
// nothing for a server named by EnvDSN).
func (s *Server) Stop() {
	if s == nil || s.dir == "" {
		return
	}
	data := filepath.Join(s.dir, "data")
	if _, err := os.Stat(filepath.Join(data, "postmaster.pid")); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, _ = s.run(ctx, "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
		cancel()
	}
	_ = os.RemoveAll(s.dir)
	s.dir = ""
}
