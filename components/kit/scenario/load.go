package scenario

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
	"sigs.k8s.io/yaml"
)

// Dir is where the scenarios live, relative to the repository's root.
const Dir = "scenarios"

// MaxNodes bounds a topology's node count, as components/cluster does.
const MaxNodes = 9

var (
	validName  = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	validPkg   = regexp.MustCompile(`^[a-z][a-z0-9]*(/[a-z][a-z0-9]*)*$`)
	validIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)
	validFile  = regexp.MustCompile(`^(\d\d)-([a-z0-9-]+)\.yaml$`)
)

// needsAPIServer are the components that read or write through the API.
var needsAPIServer = []string{Scheduler, ControllerManager, DNS}

// Parse reads one scenario from data and validates it; file names it in
// errors and, if not empty, must be NN-<name>.yaml for the scenario's stage
// and name.
func Parse(data []byte, file string) (*Scenario, error) {
	s := &Scenario{}
	if err := yaml.UnmarshalStrict(data, s); err != nil {
		return nil, fmt.Errorf("%s: %s", label(file), cleanYAMLError(err))
	}
	s.File = file
	s.normalize()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// Load reads and validates the scenario file at path.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return Parse(data, path)
}

// LoadDir reads every NN-<name>.yaml directly in dir (not its
// subdirectories: faults/ holds another kind of file), validates each and
// the set: one file per stage, stages 1, 2, … with none missing. It returns
// them by stage.
func LoadDir(dir string) ([]*Scenario, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read scenarios: %w", err)
	}
	var (
		out  []*Scenario
		errs []error
	)
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		s, err := Load(filepath.Join(dir, e.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, s)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := validateSet(dir, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Find loads dir's scenarios and returns the one of stage.
func Find(dir string, stage int) (*Scenario, error) {
	all, err := LoadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, s := range all {
		if s.Stage == stage {
			return s, nil
		}
	}
	return nil, fmt.Errorf("no scenario of stage %d in %s: the stages are 1 to %d", stage, dir, len(all))
}

// validateSet sorts all by stage and checks the stages are 1, 2, … once each.
func validateSet(dir string, all []*Scenario) error {
	if len(all) == 0 {
		return fmt.Errorf("%s holds no NN-<name>.yaml scenario", dir)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Stage < all[j].Stage })
	for i, s := range all {
		if i > 0 && all[i-1].Stage == s.Stage {
			return fmt.Errorf("%s and %s are both stage %d: a stage has one file", all[i-1].File, s.File, s.Stage)
		}
		if s.Stage != i+1 {
			return fmt.Errorf("%s: stage %d, but stage %d has no file: stages go 1, 2, … with none missing", s.File, s.Stage, i+1)
		}
	}
	return nil
}

// normalize makes an empty list and a missing one the same.
func (s *Scenario) normalize() {
	if len(s.Topology.Components) == 0 {
		s.Topology.Components = nil
	}
	if len(s.Prerequisites) == 0 {
		s.Prerequisites = nil
	}
	if len(s.Hints) == 0 {
		s.Hints = nil
	}
	if len(s.Fast) == 0 {
		s.Fast = nil
	}
	if len(s.Learner) == 0 {
		s.Learner = nil
	}
}

// Validate checks every field of s and returns all it finds wrong, each
// naming the file and the field.
func (s *Scenario) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s: %s", s.describe(), field, fmt.Sprintf(format, args...)))
	}
	s.validateHead(bad)
	s.validateTopology(bad)
	if _, err := types.ParseLabelFilter(s.Specs.Labels); err != nil || strings.TrimSpace(s.Specs.Labels) == "" {
		bad("specs.labels", "%q is not a Ginkgo label filter: %v", s.Specs.Labels, orEmpty(err))
	}
	s.validateLearner(bad)
	s.validateFast(bad)
	for i := range s.Hints {
		h := &s.Hints[i]
		if strings.TrimSpace(h.Text) == "" {
			bad(fmt.Sprintf("hints[%d].text", i), "empty")
		}
		if h.Match != "" {
			re, err := regexp.Compile(h.Match)
			if err != nil {
				bad(fmt.Sprintf("hints[%d].match", i), "%v", err)
			}
			h.re = re
		}
	}
	return errors.Join(errs...)
}

type complaint func(field, format string, args ...any)

func (s *Scenario) validateHead(bad complaint) {
	if s.Stage < 1 || s.Stage > 99 {
		bad("stage", "%d: choose 1 to 99", s.Stage)
	}
	if !validName.MatchString(s.Name) {
		bad("name", "%q: use lower-case letters, digits and '-'", s.Name)
	}
	if s.File != "" {
		if m := validFile.FindStringSubmatch(filepath.Base(s.File)); m == nil || filepath.Base(s.File) != s.Slug()+".yaml" {
			bad("stage, name", "the file must be named %s.yaml", s.Slug())
		}
	}
	if strings.TrimSpace(s.Title) == "" {
		bad("title", "empty")
	}
	if s.Estimate <= 0 {
		bad("estimate", "missing: say how long the stage takes, such as \"3h\"")
	}
	for i, p := range s.Prerequisites {
		if strings.TrimSpace(p) == "" {
			bad(fmt.Sprintf("prerequisites[%d]", i), "empty")
		}
	}
	if s.Readme == "" || filepath.IsAbs(s.Readme) || !strings.HasSuffix(s.Readme, ".md") || strings.Contains(s.Readme, "..") {
		bad("readme", "%q: give the path of a .md file from the repository's root", s.Readme)
	}
}

func (s *Scenario) validateTopology(bad complaint) {
	t := s.Topology
	seen := map[string]bool{}
	for _, c := range t.Components {
		switch {
		case !slices.Contains(Components, c):
			bad("topology.components", "unknown component %q: choose among %s", c, strings.Join(Components, ", "))
		case seen[c]:
			bad("topology.components", "%s named twice", c)
		}
		seen[c] = true
	}
	if seen[APIServer] && !seen[Etcd] {
		bad("topology.components", "the apiserver stores in etcd: add etcd")
	}
	for _, c := range needsAPIServer {
		if seen[c] && !seen[APIServer] {
			bad("topology.components", "%s talks to the API: add apiserver", c)
		}
	}
	if t.Nodes < 0 || t.Nodes > MaxNodes {
		bad("topology.nodes", "%d: choose 0 to %d", t.Nodes, MaxNodes)
	}
	if t.Nodes > 0 && !seen[APIServer] {
		bad("topology.nodes", "nodes register with the API: add apiserver, or make it 0 (stage 1-2 specs start their own push nodes)")
	}
}

func (s *Scenario) validateLearner(bad complaint) {
	if len(s.Learner) == 0 {
		bad("learner", "empty: name the functions the stage grades")
	}
	for i, l := range s.Learner {
		field := fmt.Sprintf("learner[%d]", i)
		if !validPkg.MatchString(l.Package) {
			bad(field+".package", "%q: the package's directory under exercises/, such as etcdstore", l.Package)
		}
		if len(l.Functions) == 0 {
			bad(field+".functions", "empty")
		}
		for _, f := range l.Functions {
			if !validIdent.MatchString(f) {
				bad(field+".functions", "%q is not a Go function or method name", f)
			}
		}
		if l.Stage < 1 || l.Stage > s.Stage {
			bad(field+".stage", "%d: the region's stage, 1 to this stage (%d)", l.Stage, s.Stage)
		}
	}
}

func (s *Scenario) validateFast(bad complaint) {
	for i, f := range s.Fast {
		field := fmt.Sprintf("fast[%d]", i)
		if !strings.HasPrefix(f.Package, "./") || strings.ContainsAny(f.Package, " \t") || strings.Contains(f.Package, "..") {
			bad(field+".package", "%q: a package path from the repository's root, such as ./components/storage", f.Package)
		}
		if f.Run != "" {
			if _, err := regexp.Compile(f.Run); err != nil {
				bad(field+".run", "%v", err)
			}
		}
	}
}

// cleanYAMLError drops the layers sigs.k8s.io/yaml wraps a JSON error in,
// leaving the words that name the field.
func cleanYAMLError(err error) string {
	msg := err.Error()
	for _, p := range []string{"error unmarshaling JSON: ", "while decoding JSON: ", "json: "} {
		msg = strings.ReplaceAll(msg, p, "")
	}
	return msg
}

func label(file string) string {
	if file == "" {
		return "scenario"
	}
	return file
}

func orEmpty(err error) string {
	if err == nil {
		return "it is empty"
	}
	return err.Error()
}
