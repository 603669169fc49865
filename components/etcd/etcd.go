// Package etcd runs the real etcd server, built into the ownkube binary from
// go.etcd.io/etcd/server/v3, so no release download is ever needed.
package etcd

import (
	"go.etcd.io/etcd/server/v3/etcdmain"
)

// Main runs etcd with the given command-line flags, exactly as the etcd
// binary would, and never returns: etcd exits the process when it stops.
func Main(args []string) {
	etcdmain.Main(append([]string{"etcd"}, args...))
}
