package scenario

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

const good = `
stage: 3
name: apiserver
title: The API server
topology:
  components: [etcd, apiserver]
  nodes: 0
specs:
  labels: stage3 || (stage2 && !given)
learner:
  - package: etcdstore
    functions: [Watch, TranslateEvent]
    stage: 3
fast:
  - ./exercises/etcdstore
  - package: ./components/storage
    run: ^TestKeys
estimate: 90m
prerequisites: [Stage 2 passes]
hints:
  - match: (?i)410|gone
    text: a compacted watch ends with ErrCompacted
  - a hint for any failure
readme: exercises/stages/03-apiserver.md
`

func TestParseReadsEveryField(t *testing.T) {
	s, err := Parse([]byte(good), "scenarios/03-apiserver.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := &Scenario{
		Stage: 3, Name: "apiserver", Title: "The API server",
		Topology: Topology{Components: []string{Etcd, APIServer}},
		Specs:    Specs{Labels: "stage3 || (stage2 && !given)"},
		Learner:  []Learner{{Package: "etcdstore", Functions: []string{"Watch", "TranslateEvent"}, Stage: 3}},
		Fast:     []Fast{{Package: "./exercises/etcdstore"}, {Package: "./components/storage", Run: "^TestKeys"}},
		Estimate: Duration(90 * time.Minute), Prerequisites: []string{"Stage 2 passes"},
		Hints:  []Hint{{Match: "(?i)410|gone", Text: "a compacted watch ends with ErrCompacted"}, {Text: "a hint for any failure"}},
		Readme: "exercises/stages/03-apiserver.md", File: "scenarios/03-apiserver.yaml",
	}
	if !equal(s, want) {
		t.Errorf("parsed\n%+v\nwant\n%+v", s, want)
	}
	if got := s.LearnerFunctions(); strings.Join(got, ",") != "etcdstore.Watch,etcdstore.TranslateEvent" {
		t.Errorf("LearnerFunctions = %v", got)
	}
}

func TestAnUnknownFieldIsAnErrorNamingTheFileAndTheField(t *testing.T) {
	for _, c := range []struct{ name, yaml, field string }{
		{"top level", good + "sheduler: true\n", `"sheduler"`},
		{"nested", strings.Replace(good, "nodes: 0", "nodes: 0\n  node: 2", 1), `"node"`},
		{"in a hint", strings.Replace(good, "text: a compacted", "txt: x\n    text: a compacted", 1), `"txt"`},
		{"in a fast package", strings.Replace(good, "run: ^TestKeys", "run: ^TestKeys\n    tags: x", 1), `"tags"`},
		{"the old topology", strings.Replace(good, "components: [etcd, apiserver]", "etcd: true", 1), `"etcd"`},
	} {
		_, err := Parse([]byte(c.yaml), "scenarios/03-apiserver.yaml")
		if err == nil || !strings.Contains(err.Error(), "scenarios/03-apiserver.yaml") || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: error %v should name the file and %s", c.name, err, c.field)
		}
	}
}

func TestValidateNamesWhatIsWrong(t *testing.T) {
	for _, c := range []struct {
		name, from, to, file, want string
	}{
		{"stage zero", "stage: 3", "stage: 0", "", "stage: 0"},
		{"file name", "", "", "scenarios/3-apiserver.yaml", "must be named 03-apiserver.yaml"},
		{"file of another stage", "", "", "scenarios/04-apiserver.yaml", "must be named 03-apiserver.yaml"},
		{"bad name", "name: apiserver", "name: Api_Server", "", "name:"},
		{"no title", "title: The API server", "title: ''", "", "title: empty"},
		{"unknown component", "[etcd, apiserver]", "[etcd, apiserver, kube-proxy]", "", `unknown component "kube-proxy"`},
		{"component twice", "[etcd, apiserver]", "[etcd, apiserver, etcd]", "", "etcd named twice"},
		{"apiserver without etcd", "[etcd, apiserver]", "[apiserver]", "", "add etcd"},
		{"scheduler without apiserver", "[etcd, apiserver]", "[etcd, scheduler]", "", "scheduler talks to the API"},
		{"nodes without apiserver", "[etcd, apiserver]\n  nodes: 0", "[etcd]\n  nodes: 2", "", "topology.nodes"},
		{"too many nodes", "nodes: 0", "nodes: 10", "", "topology.nodes: 10"},
		{"label filter", "stage3 || (stage2 && !given)", "stage3 || (stage2", "", "specs.labels"},
		{"empty label filter", "labels: stage3 || (stage2 && !given)", "labels: ''", "", "specs.labels"},
		{"no learner", "learner:\n  - package: etcdstore\n    functions: [Watch, TranslateEvent]\n    stage: 3", "learner: []", "", "learner: empty"},
		{"learner of a later stage", "functions: [Watch, TranslateEvent]\n    stage: 3", "functions: [Watch, TranslateEvent]\n    stage: 4", "", "learner[0].stage"},
		{"learner function", "[Watch, TranslateEvent]", "[Watch, 'Translate Event']", "", "learner[0].functions"},
		{"fast outside the repository", "./exercises/etcdstore", "../etcdstore", "", "fast[0].package"},
		{"fast run regexp", "run: ^TestKeys", "run: ^Test(", "", "fast[1].run"},
		{"hint regexp", "match: (?i)410|gone", "match: (410", "", "hints[0].match"},
		{"no estimate", "estimate: 90m", "estimate: 0s", "", "estimate"},
		{"estimate not a duration", "estimate: 90m", "estimate: an evening", "", "estimate"},
		{"readme", "readme: exercises/stages/03-apiserver.md", "readme: /etc/passwd", "", "readme"},
	} {
		file := c.file
		if file == "" {
			file = "x.yaml"
		}
		_, err := Parse([]byte(strings.Replace(good, c.from, c.to, 1)), "")
		if c.file != "" {
			_, err = Parse([]byte(good), file)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestLoadDirWantsEveryStageOnce(t *testing.T) {
	write := func(dir, name, stage string) {
		t.Helper()
		y := strings.Replace(strings.Replace(good, "stage: 3", "stage: "+stage, 1), "name: apiserver", "name: "+name, 1)
		y = strings.Replace(y, "    stage: 3", "    stage: 1", 1)
		if err := os.WriteFile(filepath.Join(dir, "0"+stage+"-"+name+".yaml"), []byte(y), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	write(dir, "b", "2")
	write(dir, "a", "1")
	if err := os.Mkdir(filepath.Join(dir, "faults"), 0o755); err != nil {
		t.Fatal(err)
	}
	all, err := LoadDir(dir)
	if err != nil || len(all) != 2 || all[0].Stage != 1 || all[1].Stage != 2 {
		t.Fatalf("LoadDir = %v, %v; want stages 1 and 2 in order", all, err)
	}
	if s, err := Find(dir, 2); err != nil || s.Name != "b" {
		t.Errorf("Find(2) = %v, %v", s, err)
	}
	if _, err := Find(dir, 3); err == nil || !strings.Contains(err.Error(), "no scenario of stage 3") {
		t.Errorf("Find(3): %v", err)
	}

	write(dir, "c", "4")
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), "stage 3 has no file") {
		t.Errorf("a missing stage 3: %v", err)
	}
	gap := t.TempDir()
	write(gap, "a", "1")
	write(gap, "other", "1")
	if _, err := LoadDir(gap); err == nil || !strings.Contains(err.Error(), "both stage 1") {
		t.Errorf("two files of stage 1: %v", err)
	}
}

func TestHintsForPrefersTheHintsThatMatch(t *testing.T) {
	s, err := Parse([]byte(good), "")
	if err != nil {
		t.Fatal(err)
	}
	if h := s.HintsFor("watch: 410 Gone"); len(h) != 1 || !strings.Contains(h[0].Text, "ErrCompacted") {
		t.Errorf("a 410 failure got %v", h)
	}
	if h := s.HintsFor("timed out"); len(h) != 1 || h[0].Text != "a hint for any failure" {
		t.Errorf("another failure got %v", h)
	}
}

// TestTheKitsScenariosLoad reads the repository's own scenarios: every stage
// once, each learner function declared in its exercise package, each fast
// package a directory.
func TestTheKitsScenariosLoad(t *testing.T) {
	root, err := FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	all, err := LoadDir(filepath.Join(root, Dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 7 {
		t.Errorf("%d stages, want at least 7", len(all))
	}
	for _, s := range all {
		for _, l := range s.Learner {
			declared := funcsOf(t, filepath.Join(root, "exercises", l.Package))
			for _, f := range l.Functions {
				if !declared[f] {
					t.Errorf("%s: exercises/%s declares no function %s", s.File, l.Package, f)
				}
			}
		}
		for _, f := range s.Fast {
			if !isDir(filepath.Join(root, f.Package)) {
				t.Errorf("%s: fast package %s is not a directory", s.File, f.Package)
			}
		}
	}
}

func funcsOf(t *testing.T, dir string) map[string]bool {
	t.Helper()
	pkgs, err := parser.ParseDir(token.NewFileSet(), dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatalf("parse %s: %v", dir, err)
	}
	out := map[string]bool{}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for name, obj := range f.Scope.Objects {
				if obj.Kind.String() == "func" {
					out[name] = true
				}
			}
		}
	}
	return out
}

// FuzzParse feeds Parse arbitrary files: it must never panic, and what it
// accepts must survive a round trip through YAML unchanged.
func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("stage: 1\nname: a\n"))
	f.Add([]byte(strings.Replace(good, "prerequisites: [Stage 2 passes]", "prerequisites: []", 1)))
	f.Add([]byte("hints: [{match: '(', text: x}]\n"))
	f.Add([]byte("fast: [1, {package: ./x}]\nestimate: 1h\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data, "")
		if err != nil {
			return
		}
		out, err := yaml.Marshal(s)
		if err != nil {
			t.Fatalf("marshal %+v: %v", s, err)
		}
		again, err := Parse(out, "")
		if err != nil {
			t.Fatalf("a scenario Parse accepted does not parse once written back:\n%s\n%v", out, err)
		}
		if !equal(s, again) {
			t.Fatalf("round trip changed the scenario:\n%+v\n%+v", s, again)
		}
	})
}

// equal compares scenarios without the compiled regular expressions.
func equal(a, b *Scenario) bool {
	strip := func(s *Scenario) Scenario {
		c := *s
		c.Hints = nil
		for _, h := range s.Hints {
			c.Hints = append(c.Hints, Hint{Match: h.Match, Text: h.Text})
		}
		return c
	}
	return reflect.DeepEqual(strip(a), strip(b))
}
