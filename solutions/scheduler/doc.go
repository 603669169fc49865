// Package scheduler is the scheduler's algorithm: given one pod that has no
// node and a snapshot of the nodes, it picks the node the pod should run on,
// or says, in Kubernetes' own words, why none can take it.
//
// It is a pure function of its inputs: no API calls, no clocks, no
// goroutines. The shell in components/scheduler watches pods and nodes,
// keeps the snapshot up to date as events arrive, calls Schedule for one pod
// at a time, binds the pod to the node it answers, and reports a pod that
// fits nowhere (condition PodScheduled=False, an Event FailedScheduling).
//
// A decision has three steps, as in kube-scheduler:
//
//  1. Filter: every node is checked in turn; a node that cannot take the
//     pod answers an *Unfit error naming why ("Insufficient cpu",
//     "node(s) didn't match Pod's node affinity/selector", …). The checks
//     run in kube's order and the first that refuses a node speaks for it.
//  2. Score: each node that passed gets a score; higher is better.
//  3. Pick: the best score wins.
//
// When no node passes, Schedule answers a *FitError whose message counts the
// reasons: "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't
// match Pod's node affinity/selector."
//
// # Given and written
//
// The types the shell and the algorithm share are given: PodInfo (what the
// scheduler reads of a pod, its request sums computed once), NodeInfo (a
// node and the sums over the pods bound to it, kept incrementally by
// AddPod and RemovePod), Snapshot, NodeScore, Unfit and FitError, and the
// reasons' exact words. The learner writes, in stage 5, Filter and its
// checks, Score, Pick, Unschedulable and Schedule.
//
// # Scoring
//
// A node's score is LeastAllocatedWeight × least-allocated +
// SpreadWeight × spread, each part 0–MaxScore, computed in integers that
// truncate at every division (Score says each step):
//
//   - least-allocated: for cpu and memory, the fraction of the node's
//     allocatable left free once the pod is placed, × MaxScore; the two are
//     averaged. Requests are counted as kube counts them for scoring
//     (NonZeroRequests): a container that requests nothing counts as 100m
//     cpu and 200Mi memory, so pods without requests still spread out.
//   - spread: MaxScore × (most − here) / most, where here counts the pods
//     on the node that share the pod's controller (the ownerReference with
//     controller=true) and most is the largest such count over the
//     feasible nodes: a node without any scores MaxScore, the most crowded
//     0. When most is 0, or the pod has no controller, every node scores
//     MaxScore.
//
// Spreading weighs twice as much as free room (as PodTopologySpread weighs
// twice NodeResourcesFit in kube's default profile): the replicas of one
// ReplicaSet land on different nodes while there are nodes to spare.
// Ties go to the node whose name sorts first, so a decision is reproducible.
package scheduler
