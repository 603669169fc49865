package apiserver_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
)

// watchLasts opens a raw watch on the default namespace's ConfigMaps, where
// nothing changes, and returns how long the server kept it open, up to
// limit, and the status it answered.
func watchLasts(t *testing.T, url string, limit time.Duration) (time.Duration, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=60", nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body) // until the server ends it or limit passes
	return time.Since(start), resp.StatusCode
}

// writeElsewhere moves etcd's revision on every 100 ms, under a key no
// watch of the API sees, until the test ends.
func writeElsewhere(t *testing.T, srv *apiservertest.Server) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		for i := 0; ctx.Err() == nil; i++ {
			_, _ = srv.Etcd.Client.Put(ctx, "/elsewhere", fmt.Sprint(i))
			time.Sleep(100 * time.Millisecond)
		}
	}()
}

func TestAWatchWhoseStoreStreamIsSilentWhileEtcdMovesOnIsEndedSoTheClientWatchesAgain(t *testing.T) {
	// The embedded etcd reports progress each second: 300 ms without a
	// word, while the revision moves, is a silence.
	srv := apiservertest.Start(t, apiservertest.Options{WatchSilenceTimeout: 300 * time.Millisecond})
	writeElsewhere(t, srv)
	lasted, code := watchLasts(t, srv.URL, 10*time.Second)
	if code != http.StatusOK {
		t.Fatalf("watch answered %d, want 200", code)
	}
	if lasted > 900*time.Millisecond {
		t.Fatalf("the watch lasted %s; a stream silent for 300 ms should end before etcd's first progress (1 s)", lasted)
	}
}

func TestAQuietWatchThatEtcdKeepsReportingProgressOnStaysOpen(t *testing.T) {
	// Progress each second resets a 2.5 s timeout: the watch outlives it.
	srv := apiservertest.Start(t, apiservertest.Options{WatchSilenceTimeout: 2500 * time.Millisecond})
	writeElsewhere(t, srv)
	if lasted, _ := watchLasts(t, srv.URL, 4*time.Second); lasted < 3900*time.Millisecond {
		t.Fatalf("the watch ended after %s though etcd reported progress every second", lasted)
	}
}

func TestAQuietWatchOnAnIdleClusterStaysOpen(t *testing.T) {
	// Nothing writes, so etcd has no progress to report: that is no silence.
	srv := apiservertest.Start(t, apiservertest.Options{WatchSilenceTimeout: 300 * time.Millisecond, WithoutLoops: true})
	if lasted, _ := watchLasts(t, srv.URL, 2*time.Second); lasted < 1900*time.Millisecond {
		t.Fatalf("the watch ended after %s on a cluster where nothing changed", lasted)
	}
}
