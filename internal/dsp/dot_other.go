//go:build !amd64

package dsp

func dot8(a, b []float32) float64 { return dot8Go(a, b) }

func dot(a, b []float32) float32 { return dotGo(a, b) }

func butterflies(ur, ui, vr, vi, wr, wi []float32) { butterfliesGo(ur, ui, vr, vi, wr, wi) }
