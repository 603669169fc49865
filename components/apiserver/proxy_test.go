package apiserver_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
)

// backend answers every request with what it received: method, path,
// query and body.
func backend(t *testing.T) (host string, port int32) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_, _ = io.WriteString(w, r.Method+" "+r.URL.RequestURI()+" "+string(body))
	}))
	t.Cleanup(srv.Close)
	h, p, err := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return h, int32(n)
}

// webService makes Service web (port 80 named "http") and its Endpoints at
// ip:port, as the endpoints controller would write them.
func webService(t *testing.T, s *apiservertest.Server, ip string, port int32) {
	t.Helper()
	service(t, s, "web", "http", ip, port)
}

// service makes Service name with port 80 named portName, and its
// Endpoints at ip:port.
func service(t *testing.T, s *apiservertest.Server, name, portName, ip string, port int32) {
	t.Helper()
	ctx := context.Background()
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: portName, Port: 80}}}}
	if _, err := s.Client.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eps := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: name}, Subsets: []corev1.EndpointSubset{{
		Addresses: []corev1.EndpointAddress{{IP: ip}},
		Ports:     []corev1.EndpointPort{{Name: portName, Port: port}},
	}}}
	if _, err := s.Client.CoreV1().Endpoints("default").Create(ctx, eps, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func send(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(got)
}

func TestServiceProxyReachesAnEndpointWithPathQueryAndBody(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true})
	ip, port := backend(t)
	webService(t, s, ip, port)
	service(t, s, "plain", "", ip, port)
	base := s.URL + "/api/v1/namespaces/default/services/"
	for _, tc := range []struct{ method, path, body, want string }{
		{http.MethodGet, "plain/proxy/", "", "GET / "},
		{http.MethodGet, "plain:80/proxy/x", "", "GET /x "},
		{http.MethodGet, "web:80/proxy/a/b/?x=1", "", "GET /a/b/?x=1 "},
		{http.MethodGet, "web:http/proxy/healthz", "", "GET /healthz "},
		{http.MethodGet, "http:web:80/proxy/", "", "GET / "},
		{http.MethodPost, "web:http/proxy/submit", "hello", "POST /submit hello"},
		{http.MethodDelete, "web:80/proxy/item", "", "DELETE /item "},
	} {
		code, got := send(t, tc.method, base+tc.path, tc.body)
		if code != http.StatusOK || got != tc.want {
			t.Errorf("%s %s: %d %q, want 200 %q", tc.method, tc.path, code, got, tc.want)
		}
	}
}

func TestProxyWithoutTrailingSlashRedirectsToIt(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true})
	ip, port := backend(t)
	webService(t, s, ip, port)
	code, _ := send(t, http.MethodGet, s.URL+"/api/v1/namespaces/default/services/web:http/proxy", "")
	if code != http.StatusMovedPermanently {
		t.Errorf("GET …/web/proxy answered %d, want 301 to …/web/proxy/", code)
	}
}

func TestProxyRefusesWhatItCannotReachWithAStatus(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true})
	ctx := context.Background()
	ip, port := backend(t)
	webService(t, s, ip, port)
	empty := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "empty"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 80}}}}
	if _, err := s.Client.CoreV1().Services("default").Create(ctx, empty, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := s.Client.CoreV1().Pods("default")
	for _, name := range []string{"new", "loopback"} {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "ownkube/echo",
				Ports: []corev1.ContainerPort{{ContainerPort: 8080}}}}}}
		if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	lo, err := pods.Get(ctx, "loopback", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lo.Status.PodIP = "127.0.0.1"
	if _, err := pods.UpdateStatus(ctx, lo, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		code int32
		says string
	}{
		{"services/web:81/proxy/", 503, `no service port 81 found for service "web"`},
		// A named port must be named, as in Kubernetes: no port is the
		// port named "".
		{"services/web/proxy/", 503, `no endpoints available for service "web"`},
		{"services/empty/proxy/", 503, `no endpoints available for service "empty"`},
		{"services/absent/proxy/", 404, `services "absent" not found`},
		{"services/a:b:c:d/proxy/", 400, "invalid service request"},
		{"pods/new/proxy/", 503, "has no address to proxy to yet"},
		{"pods/loopback/proxy/", 400, "address not allowed"},
	} {
		code, body := send(t, http.MethodGet, s.URL+"/api/v1/namespaces/default/"+tc.path, "")
		var status metav1.Status
		if err := json.Unmarshal([]byte(body), &status); err != nil || status.Kind != "Status" {
			t.Errorf("%s: %d %q is no Status", tc.path, code, body)
			continue
		}
		if int32(code) != tc.code || status.Code != tc.code || !strings.Contains(status.Message, tc.says) {
			t.Errorf("%s: %d %q, want %d saying %q", tc.path, code, status.Message, tc.code, tc.says)
		}
	}
}
