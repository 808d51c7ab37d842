package hints

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// SchemaVersion is the playbook format this engine reads.
const SchemaVersion = 1

// Playbook is one sector's rules, as a CX lead writes them (models/playbooks/*.yaml).
type Playbook struct {
	Name        string   `yaml:"playbook"` // lower-case id: banking, telecom, …
	Version     int      `yaml:"version"`  // SchemaVersion
	Description string   `yaml:"description"`
	Defaults    Defaults `yaml:"defaults"`
	Rules       []Rule   `yaml:"rules"`

	File string `yaml:"-"` // where it was loaded from, for messages
}

// Defaults apply to every rule of a playbook that does not say otherwise.
type Defaults struct {
	Cooldown            Duration `yaml:"cooldown"`              // [2m]
	Within              Duration `yaml:"within"`                // how far back evidence may lie [90s]
	MinIntentConfidence float64  `yaml:"min_intent_confidence"` // [0.5]
	MinNeedConfidence   float64  `yaml:"min_need_confidence"`   // [0.5]
}

// Rule raises one hint when its conditions hold.
type Rule struct {
	ID          string     `yaml:"id"`
	Description string     `yaml:"description"` // why the rule exists, for reviewers
	When        Conditions `yaml:"when"`
	Hint        HintSpec   `yaml:"hint"`
	Cooldown    Duration   `yaml:"cooldown"`

	Line int `yaml:"-"`
}

// Conditions is a rule's `when`: one condition set, or a list of alternatives of which
// any may match.
type Conditions []When

// When is one condition set: every group it names must hold (and), and within a group any
// listed item suffices (or).
type When struct {
	Intents             []string            `yaml:"intents"`
	Needs               []string            `yaml:"needs"`
	Words               map[string][]string `yaml:"words"` // nl / en / any → phrases; "opzeg*" matches a word prefix
	Emotion             *EmotionCond        `yaml:"emotion"`
	Dynamics            *DynamicsCond       `yaml:"dynamics"`
	Within              Duration            `yaml:"within"`
	MinIntentConfidence float64             `yaml:"min_intent_confidence"`

	Line int `yaml:"-"`
}

// EmotionCond matches the customer's emotion cues.
type EmotionCond struct {
	Top                  []string `yaml:"top"`                    // latest cue's top class, any of
	MinProb              float64  `yaml:"min_prob"`               // probability of that class [0.5]
	ArousalAboveBaseline float64  `yaml:"arousal_above_baseline"` // latest arousal − the caller's own baseline ≥ this
	ValenceBelowBaseline float64  `yaml:"valence_below_baseline"` // latest valence − baseline ≤ this (negative)
	ArousalRising        int      `yaml:"arousal_rising"`         // arousal rose over the last N utterances
	NegativeRising       int      `yaml:"negative_rising"`        // p(angry+sad+fearful) rose over the last N utterances
	MinRise              float64  `yaml:"min_rise"`               // how much a rise must total [0.15]
}

// DynamicsCond matches the conversation's dynamics.
type DynamicsCond struct {
	RepeatedQuestion   bool     `yaml:"repeated_question"`     // the customer said much the same thing again
	SilenceOver        Duration `yaml:"silence_over"`          // current dead air at least this long
	AgentOvertalk      bool     `yaml:"agent_overtalk"`        // the dynamics stage flagged the agent talking over the customer
	AgentInterruptions int      `yaml:"agent_interruptions"`   // the agent cut the customer off at least N times
	AgentTalkRatioOver float64  `yaml:"agent_talk_ratio_over"` // the agent's share of all speech (after a minute of talk)
}

// HintSpec is what the agent sees.
type HintSpec struct {
	Title      Text   `yaml:"title"`
	Need       string `yaml:"need"`       // TAXONOMY.md need id, optional
	Underlying Text   `yaml:"underlying"` // the need behind the question, one sentence
	Phrasing   Text   `yaml:"phrasing"`   // what the agent could say
	Priority   string `yaml:"priority"`   // low, medium, high
}

// Text is Dutch and English.
type Text struct {
	NL string `yaml:"nl"`
	EN string `yaml:"en"`
}

// Duration reads "90s", "2m" or a number of seconds.
type Duration time.Duration

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a duration such as 90s or 2m", n.Line)
	}
	if s, err := strconv.ParseFloat(n.Value, 64); err == nil {
		*d = Duration(s * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration such as 90s or 2m", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML implements yaml.Unmarshaler: a mapping is one condition set, a sequence is
// a list of alternatives.
func (c *Conditions) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.MappingNode:
		var w When
		if err := n.Decode(&w); err != nil {
			return err
		}
		w.Line = n.Line
		*c = Conditions{w}
		return nil
	case yaml.SequenceNode:
		out := make(Conditions, 0, len(n.Content))
		for _, item := range n.Content {
			if item.Kind != yaml.MappingNode {
				return fmt.Errorf("line %d: each alternative under when is a mapping of conditions", item.Line)
			}
			var w When
			if err := item.Decode(&w); err != nil {
				return err
			}
			w.Line = item.Line
			out = append(out, w)
		}
		*c = out
		return nil
	}
	return fmt.Errorf("line %d: when is a mapping of conditions or a list of them", n.Line)
}

// ErrInvalid wraps every playbook problem.
var ErrInvalid = errors.New("invalid playbook")

// Parse reads and validates one playbook. name is used in messages (the file name).
// Every problem found is reported, each as "file:line: …".
func Parse(name string, src []byte) (*Playbook, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	var pb Playbook
	if err := dec.Decode(&pb); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty file: %w", name, ErrInvalid)
		}
		msg := yamlMsg(err)
		if rest, ok := strings.CutPrefix(msg, "line "); ok { // "file:7: …" like the validator's problems
			return nil, fmt.Errorf("%s:%s: %w", name, rest, ErrInvalid)
		}
		return nil, fmt.Errorf("%s: %s: %w", name, msg, ErrInvalid)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err == nil {
		ruleLines(&doc, &pb)
	}
	pb.File = name
	if errs := pb.validate(); len(errs) > 0 {
		return nil, &ValidationError{File: name, Problems: errs}
	}
	pb.applyDefaults()
	return &pb, nil
}

// yamlMsg makes yaml.v3's messages read like ours: "line 7: field foo not found in type
// hints.When" → "line 7: unknown field foo".
func yamlMsg(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, len(te.Errors))
		for i, m := range te.Errors {
			if a, b, ok := strings.Cut(m, "field "); ok && strings.Contains(b, " not found in type ") {
				f, _, _ := strings.Cut(b, " not found")
				m = a + "unknown field " + strconv.Quote(f)
			}
			msgs[i] = m
		}
		return strings.Join(msgs, "; ")
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// ruleLines records the line of each rule from the node tree.
func ruleLines(doc *yaml.Node, pb *Playbook) {
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != "rules" || m.Content[i+1].Kind != yaml.SequenceNode {
			continue
		}
		for j, r := range m.Content[i+1].Content {
			if j < len(pb.Rules) {
				pb.Rules[j].Line = r.Line
			}
		}
	}
}

// ValidationError lists a playbook's problems.
type ValidationError struct {
	File     string
	Problems []string // "line N: rule "id": field: what is wrong"
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.File + ":" + strings.TrimPrefix(p, "line "))
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// LoadFS reads and validates every *.yaml and *.yml file in dir of fsys (e.g. models.FS,
// "playbooks"), in name order.
func LoadFS(fsys fs.FS, dir string) ([]*Playbook, error) {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("hints: playbooks: %w", err)
	}
	var out []*Playbook
	var errs []error
	seen := map[string]string{}
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !(strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml")) {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, n))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		pb, err := Parse(n, b)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if prev, ok := seen[pb.Name]; ok {
			errs = append(errs, fmt.Errorf("%s: playbook %q is also defined in %s: %w", n, pb.Name, prev, ErrInvalid))
			continue
		}
		seen[pb.Name] = n
		out = append(out, pb)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("hints: no playbooks in %s: %w", dir, ErrInvalid)
	}
	return out, nil
}

// Select keeps the playbooks named in active (comma-separated, case-insensitive, e.g.
// "energy,telecom" — a deployment's sectors) and the GeneralPlaybook; empty keeps all. An unknown name is an
// error that lists the known ones, so a typo in the configuration fails at start.
func Select(pbs []*Playbook, active string) ([]*Playbook, error) {
	if strings.TrimSpace(active) == "" {
		return pbs, nil
	}
	by := map[string]*Playbook{}
	known := make([]string, 0, len(pbs))
	for _, pb := range pbs {
		by[pb.Name] = pb
		known = append(known, pb.Name)
	}
	var out []*Playbook
	seen := map[string]bool{}
	for _, name := range strings.Split(active, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" || seen[name] {
			continue
		}
		pb, ok := by[name]
		if !ok {
			return nil, fmt.Errorf("hints: no playbook %q (have %s): %w", name, strings.Join(known, ", "), ErrInvalid)
		}
		seen[name] = true
		out = append(out, pb)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("hints: no playbook named in %q: %w", active, ErrInvalid)
	}
	if pb := by[GeneralPlaybook]; pb != nil && !seen[GeneralPlaybook] {
		out = append(out, pb) // every call's rules: kept whatever sectors a deployment names
	}
	return out, nil
}
