// Package framework is the e2e suite's harness: it brings one cluster up for
// a whole suite, hands each spec a client and a namespace of its own, and
// attaches what a failing spec needs for diagnosis to its report.
//
// The one conformance suite, e2e/e2e_suite_test.go, calls SetUpSuite once,
// at the top level, and imports the spec packages (e2e/<area>/), whose
// files declare their Describes at package level:
//
//	func TestE2E(t *testing.T) {
//		RegisterFailHandler(Fail)
//		suite, reporter, err := framework.SuiteConfig()
//		if err != nil {
//			t.Fatal(err)
//		}
//		RunSpecs(t, "ownkube conformance", suite, reporter)
//	}
//
//	var _ = framework.SetUpSuite()
//
// Before the specs, parallel process 1 builds the images from this checkout
// (components/images) and starts a cluster named e2e-<random> with the very
// launcher `ownkube up` uses (components/cluster): the topology of the stage
// OWNKUBE_STAGE names (scenarios/NN-<name>.yaml, whose label filter then
// selects the specs unless -ginkgo.label-filter is given), or without it the
// whole control plane and NodeCount nodes, each offering NodeCPU and NodeMemory, whose kubelets back
// off restarts from BackoffBase to BackoffCap. Every process then connects
// to it. After the specs, process 1 brings the cluster down and fails
// the suite if Docker still holds anything labelled with it.
//
// In a spec, Client, DynamicClient and RESTConfig talk to the API server the
// way any Kubernetes client does; NewNamespace gives the spec a namespace
// that is deleted after it. When a spec fails, the objects and events of its
// namespaces and the logs of every container of the cluster are attached to
// its report, and its timeline is written to a file named in the report
// entry "Timeline": the spec's steps, the Docker events of the cluster's
// containers and every line they logged since the spec started (the API
// server, started with --log-requests, logs each request and each watch
// event it sends), in time order, each line with its time after the
// spec's start and its source. Docker is for the few specs that inject faults.
//
// For specs whose pods run: EchoPod and CrasherPod build pods of the
// workload images; WaitForPod, WatchPods and AwaitPodEvent wait for a pod's
// state, by polling or through a watch; DeletePodsAfterSpec has a spec's
// pods deleted, and gone from their nodes, before its namespace goes.
// Probe runs a one-shot ownkube/probe container on the cluster's network,
// so traffic to pods is checked from inside the cluster, never from the
// host (AskEcho asks an echo server who it is that way); PodContainers and
// NodeContainer find a pod's or a node's containers in Docker, always among
// those labelled with the cluster.
//
// Environment:
//
//	OWNKUBE_STAGE           a stage number: bring up its scenario's topology, run its specs
//	OWNKUBE_E2E_IMPL        solutions or exercises; default: the suite's own build tag
//	OWNKUBE_E2E_COMPACTION  the API server's etcd compaction interval; default 2s
//	OWNKUBE_E2E_REFERENCE   components to run from the reference solutions (apiserver,
//	                        kubelet, scheduler, controller-manager): their image is
//	                        ownkube:solutions, built from solutions/ or, in a student
//	                        release, the one loaded from images/ownkube-solutions.tar
//	OWNKUBE_TIMELINE_DIR    where failing specs' timelines go; default
//	                        $TMPDIR/ownkube-timelines (`ownkube check`: under its log directory)
package framework
