package intent

import (
	"fmt"
	"io"
	"sort"
)

// GroupScores are the figures of one group of lines (Sample.Group: one writer's or one
// style's batch). Batches written to probe one kind of error — real requests abstained
// on, a question about a topic read as the topic, a second need missed — are scored per
// group, so a change can be judged on the kind of error it is meant to fix.
type GroupScores struct {
	Group string `json:"group"`
	Lang  string `json:"lang"`
	N     int    `json:"n"`
	// Accuracy counts an abstention as predicting out_of_scope.
	Accuracy float64 `json:"accuracy"`
	// Abstained is the share of in-scope lines (gold not out_of_scope) abstained on.
	Abstained float64 `json:"abstained_in_scope"`
	// NeedRecall and NeedPrecision over every gold and predicted need of the group.
	NeedRecall    float64 `json:"need_recall"`
	NeedPrecision float64 `json:"need_precision"`
	// MultiNeed is the number of lines with two or more gold needs, MultiRecall the share
	// of their needs found.
	MultiNeed   int     `json:"multi_need_lines"`
	MultiRecall float64 `json:"multi_need_recall"`
}

// ScoreGroups scores results rs[i] against ss[i] per group and language, sorted by group.
func ScoreGroups(ss []Sample, rs []Result) []GroupScores {
	type acc struct {
		n, ok, in, abst          int
		tp, fp, fn, mtp, mfn, mn int
	}
	per := map[[2]string]*acc{}
	for i, s := range ss {
		k := [2]string{s.Group, s.Lang}
		a := per[k]
		if a == nil {
			a = &acc{}
			per[k] = a
		}
		r := rs[i]
		a.n++
		if r.Intent == s.Intent {
			a.ok++
		}
		if s.Intent != OutOfScope {
			a.in++
			if r.Intent == OutOfScope {
				a.abst++
			}
		}
		pred := map[string]bool{}
		for _, n := range r.Needs {
			pred[n.ID] = true
		}
		gold := map[string]bool{}
		multi := len(s.Needs) >= 2
		if multi {
			a.mn++
		}
		for _, n := range s.Needs {
			gold[n] = true
			switch {
			case pred[n]:
				a.tp++
				if multi {
					a.mtp++
				}
			default:
				a.fn++
				if multi {
					a.mfn++
				}
			}
		}
		for n := range pred {
			if !gold[n] {
				a.fp++
			}
		}
	}
	ratio := func(x, n int) float64 {
		if n == 0 {
			return 0
		}
		return float64(x) / float64(n)
	}
	out := make([]GroupScores, 0, len(per))
	for k, a := range per {
		out = append(out, GroupScores{Group: k[0], Lang: k[1], N: a.n, Accuracy: ratio(a.ok, a.n),
			Abstained: ratio(a.abst, a.in), NeedRecall: ratio(a.tp, a.tp+a.fn), NeedPrecision: ratio(a.tp, a.tp+a.fp),
			MultiNeed: a.mn, MultiRecall: ratio(a.mtp, a.mtp+a.mfn)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return out[i].Lang < out[j].Lang
	})
	return out
}

// writeGroups prints ScoreGroups as a table.
func writeGroups(w io.Writer, gs []GroupScores) {
	fmt.Fprintf(w, "%-34s %-4s %5s %8s %9s %8s %8s %6s %8s\n", "group", "lang", "n", "accuracy", "abstained",
		"need_rec", "need_pre", "multi", "multi_rec")
	for _, g := range gs {
		fmt.Fprintf(w, "%-34s %-4s %5d %8.3f %9.3f %8.3f %8.3f %6d %8.3f\n", g.Group, g.Lang, g.N, g.Accuracy,
			g.Abstained, g.NeedRecall, g.NeedPrecision, g.MultiNeed, g.MultiRecall)
	}
}
