package etcdstore

// Given helpers for the store's core: etcdstore.go holds only what the
// learner writes (and the types and errors its signatures need).

import clientv3 "go.etcd.io/etcd/client/v3"

// missingOrChanged tells from the Else branch of a failed compare-and-swap
// whether the key is gone or was changed.
func missingOrChanged(resp *clientv3.TxnResponse) error {
	if len(resp.Responses) > 0 && len(resp.Responses[0].GetResponseRange().Kvs) > 0 {
		return ErrConflict
	}
	return ErrNotFound
}
