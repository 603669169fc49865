package mutant

import (
	"strings"
	"testing"
)

func TestUseSwapsOnlyTheVariantOfTheNamedMutant(t *testing.T) {
	variants := map[string]func() string{"pkg/bad": func() string { return "bad" }}
	for _, tc := range []struct{ env, want string }{{"", "good"}, {"other/bad", "good"}, {"pkg/bad", "bad"}} {
		t.Setenv(EnvVar, tc.env)
		fn := func() string { return "good" }
		Use(&fn, variants)
		if got := fn(); got != tc.want {
			t.Errorf("%s=%q: the function answers %q, want %q", EnvVar, tc.env, got, tc.want)
		}
	}
}

func TestRegisterKeepsMutantsInStageOrderAndRefusesDuplicates(t *testing.T) {
	Register(Mutant{Name: "test/b", Package: "test", Stage: 2})
	Register(Mutant{Name: "test/a", Package: "test", Stage: 2})
	Register(Mutant{Name: "test/z", Package: "test", Stage: 1})
	var names []string
	for _, m := range All() {
		if strings.HasPrefix(m.Name, "test/") {
			names = append(names, m.Name)
		}
	}
	if got := strings.Join(names, " "); got != "test/z test/a test/b" {
		t.Errorf("All() order %q, want stage then name: test/z test/a test/b", got)
	}
	if m, ok := Lookup("test/a"); !ok || m.Stage != 2 {
		t.Errorf("Lookup(test/a) = %+v, %v", m, ok)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering test/a twice did not panic")
		}
	}()
	Register(Mutant{Name: "test/a", Package: "test", Stage: 2})
}
