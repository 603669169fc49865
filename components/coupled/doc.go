// Package coupled is the ownkube CLI of the kit's first two stages, where no
// API server runs: `ownkube node` starts and removes push nodes (node
// containers whose kubelet takes pods over HTTP, components/cluster), and
// `ownkube pod` pushes pods to them and asks them what runs.
//
//	ownkube pod create -f pod.yaml --node n1
//	   → PUT http://127.0.0.1:<port>/pods/<namespace>/<name> on node n1
//	   ← the pod with its status, once its containers started (or failed)
//
// In stage 1 the nodes are the only truth: a list asks every node. In stage
// 2 (Config.Etcd) the CLI also keeps a record of every Node and Pod in etcd,
// through components/storage (whose compare-and-swap core is the learner's
// etcdstore), under the key root /ownkube/ — never the API server's
// /registry/ — and lists from there, so what it knows outlives each run.
// Every change to a record is a compare-and-swap retried on conflict, so
// concurrent runs of the CLI lose nothing.
//
// NodeClient (nodeclient.go) speaks to one node; Records (records.go) keep
// the records; CLI (cli.go) does what each command says; tables.go prints.
package coupled
