package apiserver

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ownkube/ownkube/components/api"
)

// systemNamespaces exist from the start, as in every Kubernetes cluster.
var systemNamespaces = []string{metav1.NamespaceDefault, metav1.NamespaceSystem, corev1.NamespaceNodeLease, metav1.NamespacePublic}

// bootstrap creates the system namespaces that do not exist yet.
func (s *Server) bootstrap(ctx context.Context) error {
	for _, name := range systemNamespaces {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if _, err := s.create(ctx, s.namespaceResource(), "", ns, false); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	return s.ensureKubernetesService(ctx)
}

func (s *Server) namespaceResource() api.Resource {
	r, _ := api.Lookup(schema.GroupVersionResource{Version: "v1", Resource: "namespaces"})
	return r
}

// compactLoop compacts etcd every CompactionInterval, to the revision it
// saw at the previous tick: one interval of history stays, older
// revisions are gone, and a watch from one of them gets 410 Gone.
func (s *Server) compactLoop(ctx context.Context) {
	if s.cfg.CompactionInterval <= 0 {
		return
	}
	ticker := time.NewTicker(s.cfg.CompactionInterval)
	defer ticker.Stop()
	var previous int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		now, err := s.store.CurrentRevision(ctx)
		if err != nil {
			s.log.Warn("compaction: read revision", "err", err)
			continue
		}
		if previous > 0 {
			if _, err := s.store.Client().Compact(ctx, previous); err != nil && ctx.Err() == nil {
				s.log.Warn("compaction failed", "revision", previous, "err", err)
			}
		}
		previous = now
	}
}
