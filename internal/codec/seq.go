package codec

// MaxGap is the largest forward jump in RTP sequence numbers that SeqTracker
// counts as loss. A larger jump (more than 1 s of 20 ms packets), or a
// backward jump larger than MaxGap, is taken as a stream reset (sender
// restart, SSRC change, SBC re-INVITE): lost = 0 and tracking restarts there.
const MaxGap = 50

// SeqTracker accounts for RTP loss from 16-bit sequence numbers with
// wraparound (RFC 3550 §A.1, simplified: no probation, no jitter buffer).
// Packets are accepted in order of arrival; a packet older than the highest
// seen one has already been concealed, so it is dropped (Late) — or it is a
// Duplicate. The zero value is ready to use; not safe for concurrent use.
type SeqTracker struct {
	Packets    uint64 // packets accepted (ok == true)
	Lost       uint64 // packets missing when a later one arrived (concealed)
	Late       uint64 // dropped: arrived after a later packet (already concealed)
	Duplicates uint64 // dropped: same sequence number seen before
	Resets     uint64 // jumps larger than MaxGap treated as a new stream

	started bool
	highest uint16
	seen    uint64 // bit i set: packet highest-i was received (i < 64)
}

// Push records the arrival of seq. ok is false for a duplicate or late packet,
// which the caller should drop. Otherwise lost is the number of packets
// missing just before this one, which the caller should conceal; lost is 0
// for the first packet and after a reset (jump > MaxGap).
func (t *SeqTracker) Push(seq uint16) (lost int, ok bool) {
	if !t.started {
		t.start(seq)
		return 0, true
	}
	d := int(int16(seq - t.highest))
	switch {
	case d > MaxGap+1 || d < -MaxGap:
		t.Resets++
		t.start(seq)
		return 0, true
	case d > 0:
		lost = d - 1
		t.Lost += uint64(lost)
		t.Packets++
		t.highest = seq
		if d >= 64 {
			t.seen = 1
		} else {
			t.seen = t.seen<<uint(d) | 1
		}
		return lost, true
	case d == 0:
		t.Duplicates++
		return 0, false
	default: // -MaxGap <= d < 0
		back := uint(-d)
		if back < 64 && t.seen&(1<<back) != 0 {
			t.Duplicates++
		} else {
			t.Late++
			if back < 64 {
				t.seen |= 1 << back // a second copy is then a duplicate
			}
		}
		return 0, false
	}
}

// LossRatio is Lost / (Packets + Lost), 0 before any packet.
func (t *SeqTracker) LossRatio() float64 {
	total := t.Packets + t.Lost
	if total == 0 {
		return 0
	}
	return float64(t.Lost) / float64(total)
}

func (t *SeqTracker) start(seq uint16) {
	t.started = true
	t.highest = seq
	t.seen = 1
	t.Packets++
}
