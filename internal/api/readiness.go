package api

import (
	"fmt"
	"sync"
)

// readiness holds the checks /readyz runs besides draining.
type readiness struct {
	mu     sync.Mutex
	checks []readinessCheck
}

type readinessCheck struct {
	name  string
	check func() error
}

// NotReadyWhen adds a check to /readyz: while check returns an error the node answers 503
// "not ready: NAME: ERROR", so load balancers send new calls elsewhere (main adds the
// store's Writable: a node that cannot keep what it accepts should not take more). /readyz
// needs no token: the error's text must say what, never where (no paths or addresses).
func (s *Server) NotReadyWhen(name string, check func() error) {
	s.checks.mu.Lock()
	s.checks.checks = append(s.checks.checks, readinessCheck{name, check})
	s.checks.mu.Unlock()
}

func (r *readiness) err() error {
	r.mu.Lock()
	checks := r.checks
	r.mu.Unlock()
	for _, c := range checks {
		if err := c.check(); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
	}
	return nil
}
