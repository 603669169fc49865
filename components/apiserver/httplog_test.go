package apiserver_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
)

// lockedBuffer is a log the server's goroutines write while a test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor waits until the log holds every one of want, and fails naming
// those it never saw.
func (b *lockedBuffer) waitFor(t *testing.T, want ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var missing []string
		for _, w := range want {
			if !strings.Contains(b.String(), w) {
				missing = append(missing, w)
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log lacks %q:\n%s", missing, b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestLoggedRequestsSayVerbCodeAndWhoAskedAndWatchEventsTheirResourceVersion(t *testing.T) {
	ctx := context.Background()
	log := &lockedBuffer{}
	srv := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true, Log: log, LogRequests: true})
	cfg := rest.CopyConfig(srv.Config)
	cfg.UserAgent = "kubelet (node-1)"
	cms := kubernetes.NewForConfigOrDie(cfg).CoreV1().ConfigMaps("default")

	created, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c"}}, metav1.CreateOptions{})
	must(t, err)
	_, err = cms.Get(ctx, "absent", metav1.GetOptions{})
	if err == nil {
		t.Fatal("get of an absent ConfigMap: want 404")
	}
	wctx, stop := context.WithCancel(ctx)
	w, err := cms.Watch(wctx, metav1.ListOptions{ResourceVersion: created.ResourceVersion})
	must(t, err)
	created.Data = map[string]string{"k": "v"}
	updated, err := cms.Update(ctx, created, metav1.UpdateOptions{})
	must(t, err)
	if ev := <-w.ResultChan(); ev.Type != "MODIFIED" {
		t.Fatalf("watch: %v, want MODIFIED", ev.Type)
	}
	stop()

	ua := `userAgent="kubelet (node-1)"`
	log.waitFor(t,
		`msg=HTTP verb=CREATE URI=/api/v1/namespaces/default/configmaps`,
		`msg=HTTP verb=GET URI=/api/v1/namespaces/default/configmaps/absent`,
		`resp=404`, `resp=201`,
		`msg=HTTP verb=WATCH URI="/api/v1/namespaces/default/configmaps?resourceVersion=`+created.ResourceVersion,
		`msg="watch event" resource=configmaps type=MODIFIED object=default/c rv=`+updated.ResourceVersion+` `+ua,
		`msg="watch closed" URI="/api/v1/namespaces/default/configmaps?resourceVersion=`+created.ResourceVersion,
	)
	for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		if strings.Contains(line, "msg=HTTP") && (!strings.Contains(line, ua) || !strings.Contains(line, "latency=")) {
			t.Errorf("a request's line lacks its latency or user agent: %s", line)
		}
	}
}

func TestRequestsAreNotLoggedUnlessAsked(t *testing.T) {
	log := &lockedBuffer{}
	srv := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true, Log: log})
	if _, err := srv.Client.CoreV1().Namespaces().List(context.Background(), metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log.String(), "msg=HTTP") {
		t.Errorf("requests were logged without LogRequests:\n%s", log.String())
	}
}
