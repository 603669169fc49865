// Package tables prints objects the way kube-apiserver does for `kubectl get`.
//
// # Who asks for a Table
//
// `kubectl get pods` does not ask for pods. It sends
//
//	Accept: application/json;as=Table;v=v1;g=meta.k8s.io, application/json
//
// and the server answers with a meta.k8s.io/v1 Table: column definitions
// (name, type, format, description, priority) and one row of ready-made cells
// per object. kubectl only lays the cells out: it upper-cases the column
// names, hides columns of priority > 0 unless `-o wide`, and reads each row's
// embedded object for what the cells do not carry — the namespace for `-A`,
// the labels for `--show-labels` and `-L`. That embedded object is chosen by
// the request's includeObject parameter: by default only its metadata (a
// PartialObjectMetadata), the whole object when kubectl needs to sort by a
// field (`--sort-by`), or nothing.
//
// # Why the server prints
//
// Before server-side printing (Kubernetes 1.11) every kubectl carried its own
// printer for every kind, so an old kubectl printed new kinds badly and a
// custom resource not at all. Printing on the server puts the knowledge of a
// kind — that a pod whose init container is waiting shows `Init:0/1`, that a
// node's STATUS comes from its Ready condition — next to the kind itself, and
// any client that can lay out a table can show it. A kind without a printer
// gets the default two columns, NAME and CREATED AT, as kube's default table
// convertor gives them.
//
// # Shape of the package
//
// Convert is the one entry point: the list and get handlers call it when the
// Accept header asks for a Table, then set the Table's ListMeta
// (resourceVersion, continue) themselves. Convert looks the resource up in a
// registry of printers, one per GroupResource, each a list of column
// definitions and a pure function from one object and the current time to its
// cells. The printers live one file per group of kinds (pods.go, nodes.go,
// workloads.go, core.go, network.go, events.go) and copy the cells of
// kubernetes/pkg/printers/internalversion/printers.go. Like kube-apiserver,
// Convert always fills the wide columns: the client decides what to show.
//
// Nothing here does I/O or reads the clock: the caller passes `now`, so ages
// are reproducible in tests.
package tables
