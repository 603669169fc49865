// Package linearizable checks that a recorded history of reads and
// compare-and-swap writes on keys could have happened one at a time, in an
// order that respects real time: the guarantee a store on etcd owes its
// clients, and the one a store that loses updates breaks.
//
// Each key is a register whose state is its value and resourceVersion. A
// read must return the state; a write carries the resourceVersion it read
// and must succeed exactly when that is still the key's resourceVersion
// (a 409 otherwise). The history is checked with porcupine
// (github.com/anishathalye/porcupine), the checker of Jepsen's Knossos
// model ported to Go, one key at a time.
package linearizable
