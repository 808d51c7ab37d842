package dsp

// Framer cuts a stream arriving in chunks of any size (20 ms packets, 7-sample
// test chunks, resampler output of varying length) into fixed hops:
//
//	f.Append(chunk)
//	for hop, ok := f.Next(); ok; hop, ok = f.Next() { … }
//
// A hop slice is valid until the next Append. No allocation once the
// internal buffer has grown to hop + the largest chunk.
type Framer struct {
	hop int
	buf []float32
	off int // start of unread samples in buf
}

// NewFramer returns a Framer emitting hops of hop samples (e.g. 160 = 10 ms
// at 16 kHz).
func NewFramer(hop int) *Framer {
	return &Framer{hop: hop, buf: make([]float32, 0, 4*hop)}
}

// Append adds samples to the stream.
func (f *Framer) Append(x []float32) {
	if f.off > 0 { // drop what was read; keep the partial hop
		n := copy(f.buf, f.buf[f.off:])
		f.buf, f.off = f.buf[:n], 0
	}
	f.buf = append(f.buf, x...)
}

// Next returns the next full hop, or false when less than a hop is pending.
func (f *Framer) Next() ([]float32, bool) {
	if len(f.buf)-f.off < f.hop {
		return nil, false
	}
	h := f.buf[f.off : f.off+f.hop : f.off+f.hop]
	f.off += f.hop
	return h, true
}

// Pending is the number of samples waiting for a full hop.
func (f *Framer) Pending() int { return len(f.buf) - f.off }

// Reset drops pending samples.
func (f *Framer) Reset() { f.buf, f.off = f.buf[:0], 0 }

// Window keeps the most recent Size samples of a stream contiguous, for
// analyses that look back further than one hop (a 40 ms pitch window slid by
// 10 ms hops). It starts as Size zeros. Push copies; Samples never allocates.
type Window struct {
	size int
	buf  []float32 // 2·size; the window is buf[end-size:end]
	end  int
}

// NewWindow returns a Window of size samples, initially silent.
func NewWindow(size int) *Window {
	return &Window{size: size, buf: make([]float32, 2*size), end: size}
}

// Push appends x, dropping the oldest samples.
func (w *Window) Push(x []float32) {
	if len(x) >= w.size {
		copy(w.buf, x[len(x)-w.size:])
		w.end = w.size
		return
	}
	if w.end+len(x) > len(w.buf) {
		copy(w.buf, w.buf[w.end-w.size:w.end])
		w.end = w.size
	}
	copy(w.buf[w.end:], x)
	w.end += len(x)
}

// Samples is the current window, oldest first; valid until the next Push.
func (w *Window) Samples() []float32 { return w.buf[w.end-w.size : w.end : w.end] }

// Size is the window length in samples.
func (w *Window) Size() int { return w.size }
