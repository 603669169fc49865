package apiserver_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
)

// sample reads /metrics and returns the value of metric's series whose
// labels include want; 0 if there is none.
func sample(t *testing.T, url, metric string, want map[string]string) float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %s, want 200 in the Prometheus text format", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	family, ok := families[metric]
	if !ok {
		return 0
	}
	var sum float64
	for _, m := range family.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		if !includes(labels, want) {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum
}

func includes(labels, want map[string]string) bool {
	for k, v := range want {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func TestMetricsCountRequestsByVerbResourceAndCodeAsKubeApiserverNamesThem(t *testing.T) {
	ctx := context.Background()
	srv := apiservertest.Start(t, apiservertest.Options{})
	created := map[string]string{"verb": "POST", "resource": "configmaps", "code": "201", "scope": "resource", "component": "apiserver", "version": "v1"}
	missing := map[string]string{"verb": "GET", "resource": "configmaps", "code": "404", "scope": "resource"}
	listed := map[string]string{"verb": "LIST", "resource": "configmaps", "scope": "namespace"}
	before := []float64{
		sample(t, srv.URL, "apiserver_request_total", created),
		sample(t, srv.URL, "apiserver_request_total", missing),
		sample(t, srv.URL, "apiserver_request_duration_seconds", listed),
	}
	cms := srv.Client.CoreV1().ConfigMaps("default")
	for i := range 3 {
		if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprint("m", i)}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cms.Get(ctx, "absent", metav1.GetOptions{}); err == nil {
		t.Fatal("get of an absent ConfigMap succeeded")
	}
	for range 2 {
		if _, err := cms.List(ctx, metav1.ListOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	after := []float64{
		sample(t, srv.URL, "apiserver_request_total", created),
		sample(t, srv.URL, "apiserver_request_total", missing),
		sample(t, srv.URL, "apiserver_request_duration_seconds", listed),
	}
	for i, want := range []float64{3, 1, 2} {
		if got := after[i] - before[i]; got != want {
			t.Errorf("%s moved by %v, want %v", []string{"created (POST 201)", "missing (GET 404)", "listed (LIST duration count)"}[i], got, want)
		}
	}
}
