package server

import (
	"net"
	"net/netip"
	"sync"
	"syscall"
)

// limitListener refuses connections beyond a total and a per-source bound at accept
// time (closing them at once, so a flood of idle connections from one address cannot
// use up the node's file descriptors and lock everybody else out; 111 idle connections
// once took down a node with a 128-fd limit). Accept never blocks on the bound: a
// refused connection costs one accept and one close.
type limitListener struct {
	net.Listener
	total, perSource int
	onRefuse         func(reason string)

	mu   sync.Mutex
	open int
	by   map[netip.Addr]int
}

func newLimitListener(ln net.Listener, total, perSource int, onRefuse func(string)) *limitListener {
	return &limitListener{Listener: ln, total: total, perSource: perSource, onRefuse: onRefuse, by: map[netip.Addr]int{}}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		var src netip.Addr
		if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
			src = ap.Addr().Unmap()
		}
		l.mu.Lock()
		reason := ""
		switch {
		case l.total > 0 && l.open >= l.total:
			reason = "total"
		case l.perSource > 0 && l.by[src] >= l.perSource:
			reason = "per_source"
		default:
			l.open++
			l.by[src]++
		}
		l.mu.Unlock()
		if reason != "" {
			c.Close()
			if l.onRefuse != nil {
				l.onRefuse(reason)
			}
			continue
		}
		return &countedConn{Conn: c, l: l, src: src}, nil
	}
}

type countedConn struct {
	net.Conn
	l    *limitListener
	src  netip.Addr
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		c.l.open--
		if c.l.by[c.src]--; c.l.by[c.src] <= 0 {
			delete(c.l.by, c.src)
		}
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

// connBudget is how many HTTP connections the node accepts at once: half of the file
// descriptors the process may open (the rest stay for RTP sockets, SIP, the store and
// logs), at least 64. 0 when the limit cannot be read (no bound).
func connBudget() int {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil || r.Cur == 0 {
		return 0
	}
	if r.Cur > 1<<20 {
		return 1 << 19
	}
	return max(64, int(r.Cur/2))
}
