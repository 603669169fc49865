package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/ownkube/ownkube/components/apiserver"
	"github.com/ownkube/ownkube/components/storage"
)

var _ = register(func() *cobra.Command {
	var (
		etcdServers, bindAddress, serviceCIDR string
		nodePortRange, advertiseAddress       string
		tlsCertFile, tlsKeyFile, clientCAFile string
		port                                  int
		compaction                            time.Duration
		notReadySeconds, unreachableSeconds   int64
		logRequests, profiling                bool
		watchSilence                          time.Duration
	)
	cmd := &cobra.Command{
		Use:   "apiserver",
		Short: "Run the API server: the Kubernetes REST API, stored in etcd",
		RunE: func(cmd *cobra.Command, args []string) error {
			client, err := clientv3.New(clientv3.Config{
				Endpoints:   strings.Split(etcdServers, ","),
				DialTimeout: 5 * time.Second,
				// As kube-apiserver's: a connection that died without a
				// word is found and redialled within 40 s.
				DialKeepAliveTime:    30 * time.Second,
				DialKeepAliveTimeout: 10 * time.Second,
				Logger:               zap.NewNop(),
				// Room for the largest body the server accepts (3 MiB) once encoded.
				MaxCallSendMsgSize: 8 << 20,
			})
			if err != nil {
				return fmt.Errorf("connect to etcd at %s: %w", etcdServers, err)
			}
			defer client.Close()
			s, err := apiserver.New(apiserver.Config{
				Store:              storage.New(client),
				Address:            fmt.Sprintf("%s:%d", bindAddress, port),
				CompactionInterval: compaction,
				ServiceCIDR:        serviceCIDR,
				AdvertiseAddress:   advertiseAddress,

				DefaultNotReadyTolerationSeconds:    notReadySeconds,
				DefaultUnreachableTolerationSeconds: unreachableSeconds,
				// The node ports of NodePort Services.
				ServiceNodePortRange: nodePortRange,
				LogRequests:          logRequests,
				Profiling:            profiling,
				WatchSilenceTimeout:  watchSilence,
				TLSCertFile:          tlsCertFile,
				TLSKeyFile:           tlsKeyFile,
				ClientCAFile:         clientCAFile,
			})
			if err != nil {
				return err
			}
			return s.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&etcdServers, "etcd-servers", "http://127.0.0.1:2379", "etcd endpoints, comma separated")
	f.StringVar(&bindAddress, "bind-address", "127.0.0.1", "address to listen on (0.0.0.0 inside a container)")
	f.StringVar(&advertiseAddress, "advertise-address", "", "IP the kubernetes Service's endpoints name, where pods reach this server; empty is the default route's interface address")
	f.IntVar(&port, "port", 6443, "port to serve the API on (HTTPS with --tls-cert-file, else plain HTTP)")
	f.StringVar(&tlsCertFile, "tls-cert-file", "", "serving certificate (PEM); with --tls-private-key-file the API is served over HTTPS only")
	f.StringVar(&tlsKeyFile, "tls-private-key-file", "", "private key (PEM) of --tls-cert-file")
	f.StringVar(&clientCAFile, "client-ca-file", "", "CA (PEM) whose client certificates authenticate their users (CN the user, O the groups); "+
		"a request without one is answered 401, but for /healthz, /livez, /readyz and /version. Empty: no authentication")
	f.DurationVar(&compaction, "etcd-compaction-interval", 5*time.Minute, "how often etcd history is compacted; 0 never")
	f.StringVar(&serviceCIDR, "service-cluster-ip-range", "10.96.0.0/16", "range Services' cluster IPs come from")
	f.Int64Var(&notReadySeconds, "default-not-ready-toleration-seconds", apiserver.DefaultTolerationSeconds,
		"tolerationSeconds of the toleration for node.kubernetes.io/not-ready:NoExecute added to every pod that has none")
	f.Int64Var(&unreachableSeconds, "default-unreachable-toleration-seconds", apiserver.DefaultTolerationSeconds,
		"tolerationSeconds of the toleration for node.kubernetes.io/unreachable:NoExecute added to every pod that has none")
	f.StringVar(&nodePortRange, "service-node-port-range", apiserver.DefaultNodePortRange, "range of node ports NodePort Services get")
	f.BoolVar(&profiling, "profiling", false, "serve Go's pprof profiles at /debug/pprof/ on the API port, for `ownkube debug profile`")
	f.BoolVar(&logRequests, "log-requests", false, "log a line per request (verb, URI, code, latency, user agent) and per watch event sent (object, resourceVersion, watcher), "+
		"as kube-apiserver does at -v=3; the e2e suite turns it on for its failure timelines")
	f.DurationVar(&watchSilence, "watch-silence-timeout", 0, "end a watch whose etcd stream sends nothing, not even progress, for this long, "+
		"so its client watches again; a few of etcd's --watch-progress-notify-interval; 0 never")
	return cmd
})
