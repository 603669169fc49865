package framework

import (
	"context"
	"fmt"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// EtcdKeys counts the keys the API server keeps in etcd for namespace ns,
// by resource (the <resource> of /registry/<resource>/<ns>/<name>), so a
// fault spec measures "nothing lost" by the store itself, not through the
// API server it is testing. It reads etcd's client port, published on
// 127.0.0.1.
func EtcdKeys(ctx context.Context, ns string) (map[string]int, error) {
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{Cluster().EtcdURL}, DialTimeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("dial etcd at %s: %w", Cluster().EtcdURL, err)
	}
	defer c.Close()
	resp, err := c.Get(ctx, "/registry/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return nil, fmt.Errorf("list the keys under /registry/: %w", err)
	}
	counts := map[string]int{}
	for _, kv := range resp.Kvs {
		// /registry/<resource>/<ns>/<name>, or with a group: /registry/<group>/<resource>/<ns>/<name>.
		parts := strings.Split(strings.TrimPrefix(string(kv.Key), "/registry/"), "/")
		for i := 1; i+1 < len(parts); i++ {
			if parts[i] == ns {
				counts[strings.Join(parts[:i], "/")]++
				break
			}
		}
	}
	return counts, nil
}

// CompactEtcd compacts etcd's history up to its current revision, as the
// API server's compaction does every few minutes, and returns that
// revision: a watch from an older one gets 410 Gone from then on.
func CompactEtcd(ctx context.Context) (int64, error) {
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{Cluster().EtcdURL}, DialTimeout: 5 * time.Second})
	if err != nil {
		return 0, fmt.Errorf("dial etcd at %s: %w", Cluster().EtcdURL, err)
	}
	defer c.Close()
	resp, err := c.Get(ctx, "/registry/", clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		return 0, fmt.Errorf("read etcd's revision: %w", err)
	}
	rev := resp.Header.Revision
	if _, err := c.Compact(ctx, rev); err != nil {
		return 0, fmt.Errorf("compact etcd at %d: %w", rev, err)
	}
	return rev, nil
}
