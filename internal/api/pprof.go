package api

import (
	"net/http"
	"net/http/pprof"

	"github.com/undertone/undertone/internal/auth"
)

// pprofRoutes mounts net/http/pprof behind the admin role (Params.Pprof; off by default):
// the index and the named profiles (heap, allocs, goroutine, mutex, block, threadcreate)
// at /debug/pprof/{name}, a CPU profile at /debug/pprof/profile?seconds=N, an execution
// trace at /debug/pprof/trace, and symbol and cmdline. (The package's init also registers
// them on http.DefaultServeMux, which the node never serves.)
func (s *Server) pprofRoutes() {
	admin := func(h http.HandlerFunc) http.HandlerFunc {
		return s.authed(auth.Administer, func(w http.ResponseWriter, r *http.Request, _ auth.Principal) { h(w, r) })
	}
	s.route("GET /debug/pprof/", admin(pprof.Index))
	s.route("GET /debug/pprof/cmdline", admin(pprof.Cmdline))
	s.route("GET /debug/pprof/profile", admin(pprof.Profile))
	s.route("GET /debug/pprof/symbol", admin(pprof.Symbol))
	s.route("GET /debug/pprof/trace", admin(pprof.Trace))
}
