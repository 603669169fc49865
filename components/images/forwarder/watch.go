package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The few fields of discovery.k8s.io/v1 EndpointSlices the forwarder reads.
type (
	slice struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Ports     []slicePort `json:"ports"`
		Endpoints []endpoint  `json:"endpoints"`
	}
	slicePort struct {
		Name     *string `json:"name"`
		Port     *int32  `json:"port"`
		Protocol *string `json:"protocol"`
	}
	endpoint struct {
		Addresses  []string `json:"addresses"`
		Conditions struct {
			Ready *bool `json:"ready"`
		} `json:"conditions"`
	}
	sliceList struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
		Items []slice `json:"items"`
	}
	watchEvent struct {
		Type   string          `json:"type"`
		Object json.RawMessage `json:"object"`
	}
)

// readyEndpoints is every ready address of slices with the port named name,
// as host:port. A nil ready condition counts as ready, as the API says.
func readyEndpoints(slices map[string]slice, name string) []string {
	var out []string
	for _, s := range slices {
		for _, p := range s.Ports {
			if deref(p.Name) != name || p.Port == nil || (p.Protocol != nil && *p.Protocol != "TCP") {
				continue
			}
			for _, ep := range s.Endpoints {
				if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
					continue
				}
				for _, a := range ep.Addresses {
					out = append(out, net.JoinHostPort(a, strconv.Itoa(int(*p.Port))))
				}
			}
		}
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// retryDelay is the pause before listing again after a failure.
const retryDelay = time.Second

// watcher lists and watches the Service's slices and hands every new state
// to apply.
type watcher struct {
	cfg    config
	log    *slog.Logger
	apply  func(map[string]slice)
	client http.Client
}

func (w *watcher) run(ctx context.Context) {
	for ctx.Err() == nil {
		err := w.listAndWatch(ctx)
		if ctx.Err() != nil {
			return
		}
		w.log.Warn("watch of endpointslices ended; listing again", "err", err)
		select {
		case <-time.After(retryDelay):
		case <-ctx.Done():
		}
	}
}

func (w *watcher) url(extra url.Values) string {
	q := url.Values{"labelSelector": {"kubernetes.io/service-name=" + w.cfg.service}}
	for k, v := range extra {
		q[k] = v
	}
	return fmt.Sprintf("%s/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices?%s", w.cfg.api, url.PathEscape(w.cfg.namespace), q.Encode())
}

// listAndWatch lists the slices, applies them, then applies each change
// the watch brings until it ends.
func (w *watcher) listAndWatch(ctx context.Context) error {
	var list sliceList
	if err := w.get(ctx, w.url(nil), func(r *bufio.Reader) error { return json.NewDecoder(r).Decode(&list) }); err != nil {
		return fmt.Errorf("list: %w", err)
	}
	state := map[string]slice{}
	for _, s := range list.Items {
		state[s.Metadata.Name] = s
	}
	w.apply(state)
	watchURL := w.url(url.Values{"watch": {"true"}, "resourceVersion": {list.Metadata.ResourceVersion}})
	return w.get(ctx, watchURL, func(r *bufio.Reader) error {
		dec := json.NewDecoder(r)
		for {
			var ev watchEvent
			if err := dec.Decode(&ev); err != nil {
				return fmt.Errorf("watch: %w", err)
			}
			if ev.Type == "ERROR" {
				return fmt.Errorf("watch: %s", ev.Object) // e.g. 410 Gone: list again
			}
			var s slice
			if err := json.Unmarshal(ev.Object, &s); err != nil {
				return fmt.Errorf("watch: decode %s event: %w", ev.Type, err)
			}
			switch ev.Type {
			case "ADDED", "MODIFIED":
				state[s.Metadata.Name] = s
			case "DELETED":
				delete(state, s.Metadata.Name)
			default:
				continue // BOOKMARK
			}
			w.apply(state)
		}
	})
}

func (w *watcher) get(ctx context.Context, u string, read func(*bufio.Reader) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return read(bufio.NewReader(resp.Body))
}
