package exgen

import (
	"slices"
	"testing"
)

func TestFuncKeyReadsTheDeclarationLine(t *testing.T) {
	for line, want := range map[string]string{
		"func Plan(pod *corev1.Pod) error {":         "Plan",
		"func (s *Store) Get(ctx context.Context) {": "Store.Get",
		"func (s *Set[K, V]) Add(k K) {":             "Set.Add",
		"func (Queue) Len() int {":                   "Queue.Len",
		"func Map[T any](xs []T) {":                  "Map",
	} {
		if got, ok := funcKey(line); !ok || got != want {
			t.Errorf("funcKey(%q) = %q, %v; want %q", line, got, ok, want)
		}
	}
	for _, line := range []string{"func", "// func Plan(", "\tfunc inner() {"} {
		if got, ok := funcKey(line); ok {
			t.Errorf("funcKey(%q) = %q; want no function", line, got)
		}
	}
}

func TestTextSpansReadAFileThatDoesNotParse(t *testing.T) {
	src := []byte("package p\n\n//ownkube:begin stage=2\n\nfunc A() { if {\n}\n\nfunc (r *R) B() {}\n//ownkube:end\n")
	spans, err := textSpans(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(spans) != 1 || spans[0].stage != 2 || !slices.Equal(spans[0].funcs, []string{"A", "R.B"}) || string(spans[0].text(src)) != string(src[11:]) {
		t.Fatalf("spans %+v", spans)
	}
	for _, bad := range []string{"//ownkube:begin stage=1\n//ownkube:begin stage=1\n", "//ownkube:end\n", "//ownkube:begin stage=1\n"} {
		if _, err := textSpans([]byte(bad)); err == nil {
			t.Errorf("textSpans(%q): want an error", bad)
		}
	}
}
