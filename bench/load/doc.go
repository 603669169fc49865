// Package load offers requests at a fixed rate and measures how long they
// take, the way a benchmark of a server should: open loop.
//
// Run plans request i for start + i/Rate and measures its latency from that
// planned time, not from when it was actually sent. A server that stalls
// therefore cannot hide the queue it builds up (the "coordinated omission"
// of closed-loop load generators, which wait for one answer before sending
// the next request): the requests that should have been sent during the
// stall are sent late and their wait counts. At most MaxInFlight requests
// run at once; a request whose planned time comes while that many are in
// flight is not sent and is counted as dropped.
//
// A benchmark is then:
//
//	res, err := load.Run(ctx, load.Config{Rate: 100, Duration: 10 * time.Second}, op)
//	s := load.Summarize(res.Latencies) // p50, p99, max
//	load.WriteTable(os.Stdout, "vs etcd p99", []load.Row{{Name: "api create", Offered: 100, Result: res}})
//
// The package knows nothing of Kubernetes or etcd: an Op is any function of a
// context and the request's number.
package load
