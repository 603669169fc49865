package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Scenario is one stage of the kit, as its file says.
type Scenario struct {
	// Stage is the stage's number, 1 for the first; the file name starts
	// with it in two digits.
	Stage int `json:"stage"`
	// Name is the stage's short name, the rest of the file name.
	Name string `json:"name"`
	// Title is the stage's one-line title, as the check's table shows it.
	Title string `json:"title"`
	// Topology is what the e2e framework brings up for the stage.
	Topology Topology `json:"topology"`
	// Specs selects the e2e specs that grade the stage.
	Specs Specs `json:"specs"`
	// Learner lists the functions the stage grades, by package.
	Learner []Learner `json:"learner"`
	// Fast lists Go packages whose tests grade the stage without Docker;
	// `ownkube check` runs them before the e2e specs.
	Fast []Fast `json:"fast,omitempty"`
	// Estimate is how long the stage takes a learner, as a Go duration ("3h").
	Estimate Duration `json:"estimate"`
	// Prerequisites say what a learner should know or have done first.
	Prerequisites []string `json:"prerequisites,omitempty"`
	// Hints are printed under a failure of the stage's specs.
	Hints []Hint `json:"hints,omitempty"`
	// Readme is the path, from the repository's root, of the stage's README.
	Readme string `json:"readme"`

	// File is the path the scenario was read from.
	File string `json:"-"`
}

// Topology is the cluster a stage runs on.
type Topology struct {
	// Components are the control-plane components to start, out of
	// Components; none at all (stage 1) leaves just the cluster's network.
	Components []string `json:"components"`
	// Nodes is how many nodes (kubelets watching the API) to start.
	Nodes int `json:"nodes"`
}

// Specs selects e2e specs.
type Specs struct {
	// Labels is a Ginkgo label filter ("stage3 || stage4").
	Labels string `json:"labels"`
}

// Learner names the functions of one learner package a stage grades.
type Learner struct {
	// Package is the package's directory under exercises/ ("etcdstore").
	Package string `json:"package"`
	// Functions are the package's functions the stage needs.
	Functions []string `json:"functions"`
	// Stage is the stage whose region holds them (the region marker's stage=N).
	Stage int `json:"stage"`
}

// Fast is a Go package run before the e2e specs, optionally only some of
// its tests. In a file it is either a package path or {package, run}.
type Fast struct {
	// Package is a package pattern relative to the repository's root
	// ("./components/storage"). A path under ./exercises/ means the
	// learner's package: `ownkube check --impl solutions` runs the same path
	// under ./solutions/.
	Package string `json:"package"`
	// Run, if set, is go test's -run regular expression.
	Run string `json:"run,omitempty"`
}

// Hint is advice shown under a failure. In a file it is either a string
// (shown under any failure of the stage) or {match, text}, shown only when
// the failure's message matches the regular expression match.
type Hint struct {
	Match string `json:"match,omitempty"`
	Text  string `json:"text"`

	re *regexp.Regexp
}

// Duration is a time.Duration written as a Go duration string.
type Duration time.Duration

// Known component names, as components/cluster names them.
const (
	Etcd              = "etcd"
	APIServer         = "apiserver"
	Scheduler         = "scheduler"
	ControllerManager = "controller-manager"
	DNS               = "dns"
)

// Components are the components a topology may name, in start order.
var Components = []string{Etcd, APIServer, Scheduler, ControllerManager, DNS}

// Matches reports whether h applies to a failure with message msg.
func (h Hint) Matches(msg string) bool {
	if h.Match == "" {
		return true
	}
	re := h.re
	if re == nil {
		var err error
		if re, err = regexp.Compile(h.Match); err != nil {
			return false
		}
	}
	return re.MatchString(msg)
}

// UnmarshalJSON takes a hint as a bare string or as {match, text}.
func (h *Hint) UnmarshalJSON(data []byte) error {
	if s, ok, err := asString(data); ok || err != nil {
		*h = Hint{Text: s}
		return err
	}
	type plain Hint
	var p plain
	if err := strictJSON(data, &p); err != nil {
		return fmt.Errorf("hint: %w", err)
	}
	*h = Hint(p)
	return nil
}

// UnmarshalJSON takes a fast package as a bare string or as {package, run}.
func (f *Fast) UnmarshalJSON(data []byte) error {
	if s, ok, err := asString(data); ok || err != nil {
		*f = Fast{Package: s}
		return err
	}
	type plain Fast
	var p plain
	if err := strictJSON(data, &p); err != nil {
		return fmt.Errorf("fast: %w", err)
	}
	*f = Fast(p)
	return nil
}

// UnmarshalJSON reads a Go duration string ("90m", "3h").
func (d *Duration) UnmarshalJSON(data []byte) error {
	s, ok, err := asString(data)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("estimate must be a duration such as \"3h\", not %s", data)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("estimate %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// String is the duration as time.Duration prints it.
func (d Duration) String() string { return time.Duration(d).String() }

// asString decodes data if it is a JSON string.
func asString(data []byte) (string, bool, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '"' {
		return "", false, nil
	}
	var s string
	err := json.Unmarshal(data, &s)
	return s, true, err
}

// strictJSON decodes data into v, refusing fields v does not have.
func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// Slug is the file name's stem: NN-<name>.
func (s *Scenario) Slug() string { return fmt.Sprintf("%02d-%s", s.Stage, s.Name) }

// LearnerFunctions lists the stage's functions as pkg.Func.
func (s *Scenario) LearnerFunctions() []string {
	var out []string
	for _, l := range s.Learner {
		for _, f := range l.Functions {
			out = append(out, l.Package+"."+f)
		}
	}
	return out
}

// HasComponent reports whether the stage's topology runs component.
func (s *Scenario) HasComponent(component string) bool {
	for _, c := range s.Topology.Components {
		if c == component {
			return true
		}
	}
	return false
}

// HintsFor returns the hints that apply to a failure with message msg:
// those whose match matches it, or, if none does, those with no match.
func (s *Scenario) HintsFor(msg string) []Hint {
	var matched, general []Hint
	for _, h := range s.Hints {
		switch {
		case h.Match == "":
			general = append(general, h)
		case h.Matches(msg):
			matched = append(matched, h)
		}
	}
	if len(matched) > 0 {
		return matched
	}
	return general
}

// describe names s in errors: its file, or its stage if it has none.
func (s *Scenario) describe() string {
	if s.File != "" {
		return s.File
	}
	return "stage " + strings.TrimSpace(fmt.Sprint(s.Stage))
}
