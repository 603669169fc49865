package apiserver_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
)

func TestHealthEndpointsNameTheirChecksAsKubeApiserverDoes(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true})
	cases := []struct {
		path string
		want []string
	}{
		{"/livez", []string{"ok"}},
		{"/healthz", []string{"ok"}},
		{"/readyz", []string{"ok"}},
		{"/readyz?verbose", []string{"[+]ping ok", "[+]etcd ok", "[+]poststarthook/start-system-namespaces-controller ok", "readyz check passed"}},
		{"/readyz/etcd", []string{"ok"}},
		{"/livez?verbose", []string{"[+]ping ok", "livez check passed"}},
		{"/readyz?verbose&exclude=etcd", []string{"[+]etcd excluded: ok"}},
	}
	for _, c := range cases {
		resp, err := http.Get(s.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d %s", c.path, resp.StatusCode, body)
		}
		for _, w := range c.want {
			if !strings.Contains(string(body), w) {
				t.Errorf("%s: %q lacks %q", c.path, body, w)
			}
		}
	}
	resp, err := http.Get(s.URL + "/readyz/no-such-check")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/readyz/no-such-check: %d, want 404", resp.StatusCode)
	}
}

func TestProfilesAreServedWithProfilingAndNotFoundWithout(t *testing.T) {
	for _, on := range []bool{false, true} {
		s := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true, Profiling: on})
		resp, err := http.Get(s.URL + "/debug/pprof/goroutine?debug=1")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		served := resp.StatusCode == http.StatusOK && strings.Contains(string(body), "goroutine profile")
		if served != on {
			t.Errorf("profiling %v: GET /debug/pprof/goroutine = %d, served %v", on, resp.StatusCode, served)
		}
	}
}
