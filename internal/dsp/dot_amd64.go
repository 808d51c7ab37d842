package dsp

// dot8 is dot8Go in SSE2 (every amd64 CPU has it).
func dot8(a, b []float32) float64 {
	b = b[:len(a)] // b must be at least as long: panic here, not read past it
	return dot8SSE(a, b)
}

// dot is dotGo in SSE2.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	return dotSSE(a, b)
}

//go:noescape
func dot8SSE(a, b []float32) float64

//go:noescape
func dotSSE(a, b []float32) float32

// butterflies is butterfliesGo in SSE2, four butterflies per instruction.
func butterflies(ur, ui, vr, vi, wr, wi []float32) {
	n := len(ur)
	if n%4 != 0 {
		butterfliesGo(ur, ui, vr, vi, wr, wi)
		return
	}
	_, _, _, _, _ = ui[:n], vr[:n], vi[:n], wr[:n], wi[:n] // bounds: panic here, not in the kernel
	butterfliesSSE(ur, ui, vr, vi, wr, wi)
}

//go:noescape
func butterfliesSSE(ur, ui, vr, vi, wr, wi []float32)
