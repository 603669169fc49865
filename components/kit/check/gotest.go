package check

import (
	"bufio"
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
)

// testEvent is one line of `go test -json` (cmd/test2json).
type testEvent struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string
}

// fastOutcome is what `go test -json` said of a set of packages.
type fastOutcome struct {
	passed, total int
	failure       *Failure
	// buildFailed is set when a package did not compile.
	buildFailed bool
}

// goFileLine finds "file.go:12: message" in a test's or compiler's output.
var goFileLine = regexp.MustCompile(`([\w./-]+\.go):(\d+)(?::\d+)?: (.*)`)

// readGoTestJSON reads `go test -json` output: counts the top-level tests
// that passed and failed and keeps the first failure, with the output line
// that names its file and line.
func readGoTestJSON(out []byte) fastOutcome {
	var (
		o           fastOutcome
		outputs     = map[string][]string{} // by "package test"
		failedTests []string
		failedPkgs  []string
		build       []string
	)
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e testEvent
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			// What the go command printed outside the JSON stream: a build
			// error of an older toolchain, a missing package.
			if line := strings.TrimSpace(sc.Text()); line != "" {
				build = append(build, line)
			}
			continue
		}
		key := e.Package + " " + e.Test
		switch {
		case e.Action == "output":
			outputs[key] = append(outputs[key], e.Output)
		case e.Action == "build-output":
			build = append(build, strings.TrimSpace(e.Output))
		case e.Action == "build-fail":
			o.buildFailed = true
		case e.Action != "pass" && e.Action != "fail":
		case e.Test == "":
			if e.Action == "fail" {
				failedPkgs = append(failedPkgs, key)
			}
		case !strings.Contains(e.Test, "/"): // subtests count with their test
			o.total++
			if e.Action == "pass" {
				o.passed++
			} else {
				failedTests = append(failedTests, key)
			}
		}
	}
	switch {
	case o.buildFailed || (len(failedTests) == 0 && len(failedPkgs) > 0 && len(build) > 0):
		o.buildFailed = true
		o.failure = buildFailure(build)
	case len(failedTests) > 0:
		o.failure = testFailure(failedTests[0], outputs)
	case len(failedPkgs) > 0: // TestMain failed, or a test panicked outside a test
		o.failure = testFailure(failedPkgs[0], outputs)
	}
	return o
}

func buildFailure(lines []string) *Failure {
	f := &Failure{Spec: "build", Message: "the code does not compile"}
	for _, l := range lines {
		if m := goFileLine.FindStringSubmatch(l); m != nil {
			f.Location, f.Message = m[1]+":"+m[2], "does not compile: "+firstLine(m[3], 140)
			return f
		}
	}
	if len(lines) > 0 {
		f.Message = firstLine(strings.Join(lines, "\n"), 160)
	}
	return f
}

func testFailure(key string, outputs map[string][]string) *Failure {
	pkg, test, _ := strings.Cut(key, " ")
	dir := repoRelative(pkg)
	f := &Failure{Spec: strings.TrimSpace(dir + " " + test)}
	lines := outputs[key]
	// Subtests print their failures under their own names.
	for k, v := range outputs {
		if strings.HasPrefix(k, key+"/") {
			lines = append(lines, v...)
		}
	}
	for _, l := range lines {
		if m := goFileLine.FindStringSubmatch(l); m != nil {
			f.Location, f.Message = m[1]+":"+m[2], firstLine(m[3], 160)
			if !strings.Contains(m[1], "/") { // go test prints the file's base name
				f.Location = dir + "/" + f.Location
			}
			return f
		}
	}
	for _, l := range lines {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "=== ") && !strings.HasPrefix(t, "--- ") {
			f.Message = firstLine(t, 160)
			break
		}
	}
	return f
}

// repoRelative is an import path of the module as a directory from the
// repository's root: github.com/ownkube/ownkube/exercises/kubelet is
// exercises/kubelet.
func repoRelative(importPath string) string {
	for _, dir := range []string{"/exercises/", "/solutions/", "/components/", "/e2e/"} {
		if i := strings.Index(importPath, dir); i >= 0 {
			return importPath[i+1:]
		}
	}
	return importPath
}
