// Package kubectl is ownkube's own small kubectl: get, apply and delete for
// users who have no kubectl, with kubectl's output.
//
// It is a client of the API server like any other, and does what kubectl
// does, only less of it:
//
//   - it loads the kubeconfig with client-go's clientcmd and maps what the
//     user types (po, deploy, pods/web, Pod, all) to resources through
//     discovery, with client-go's restmapper;
//   - get asks the server for Tables (the server prints, see
//     components/apiserver/tables) and only lays their cells out, as kubectl
//     does; -o yaml|json|name asks for the objects instead;
//   - apply is kubectl's client-side apply: create what is missing, and patch
//     the rest with a three-way merge of the last applied configuration
//     (kept in an annotation), the file and the live object;
//   - delete deletes, then by default waits with a watch until the objects
//     are gone.
//
// The commands in components/cli only parse flags and call Client. The pure
// parts — laying out a Table, computing an apply patch, reading manifests —
// are functions of plain values, tested without a server.
package kubectl
