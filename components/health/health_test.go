package health

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sync/errgroup"
)

func TestReadyzAnswersWhyUntilReadyAndHealthzAtOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var ready atomic.Bool
	ctx, cancel := context.WithCancel(context.Background())
	g, gctx := errgroup.WithContext(ctx)
	Serve(gctx, g, ln, "test", func() error {
		if !ready.Load() {
			return errors.New("informers not synced")
		}
		return nil
	})
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + ln.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(body))
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d, want 200 while the process runs", code)
	}
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || body != "informers not synced" {
		t.Errorf("/readyz before ready = %d %q, want 503 saying why", code, body)
	}
	ready.Store(true)
	if code, _ := get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz once ready = %d, want 200", code)
	}
	cancel()
	if err := g.Wait(); err != nil {
		t.Errorf("after ctx ended: %v, want a clean stop", err)
	}
}

func TestProfilesAreServedOnlyWithProfiling(t *testing.T) {
	for _, on := range []bool{false, true} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		g, gctx := errgroup.WithContext(ctx)
		Serve(gctx, g, ln, "test", func() error { return nil }, WithProfiling(on))
		for path, want := range map[string]string{
			"/debug/pprof/":                  "goroutine",
			"/debug/pprof/heap?debug=1":      "heap profile",
			"/debug/pprof/goroutine?debug=1": "goroutine profile",
		} {
			resp, err := http.Get("http://" + ln.Addr().String() + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			served := resp.StatusCode == http.StatusOK && strings.Contains(string(body), want)
			if served != on {
				t.Errorf("profiling %v: GET %s = %d, served %v", on, path, resp.StatusCode, served)
			}
		}
		cancel()
		if err := g.Wait(); err != nil {
			t.Error(err)
		}
	}
}
