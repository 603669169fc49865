package cli

import (
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/miekg/dns"
	"github.com/spf13/cobra"

	clusterdns "github.com/ownkube/ownkube/components/dns"
)

var _ = register(func() *cobra.Command {
	var (
		kubeconfig, master, domain, address, bindAddress, resolvConf string
		upstreams                                                    []string
		healthPort                                                   int
		upstreamTimeout                                              time.Duration
		verbose, profiling                                           bool
	)
	cmd := &cobra.Command{
		Use:   "dns (--kubeconfig PATH | --master URL)",
		Short: "Run the cluster DNS: Service names from the API, other names from the upstream resolver",
		Long: "Run the cluster DNS, in the role of CoreDNS: <svc>.<ns>.svc.<domain> resolves to the Service's " +
			"ClusterIP (a headless Service's ready endpoints), SRV records name its ports, ExternalName " +
			"Services are CNAMEs; every other name is forwarded to --upstream (default: the nameservers of " +
			"--resolv-conf, which on a Docker network is Docker's resolver 127.0.0.11).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			client, err := componentClient("dns", "", master, kubeconfig)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("upstream") {
				if upstreams, err = resolvConfServers(resolvConf); err != nil {
					return err
				}
			}
			health := ""
			if healthPort > 0 {
				health = net.JoinHostPort(bindAddress, fmt.Sprint(healthPort))
			}
			s, err := clusterdns.New(clusterdns.Config{
				Client: client, Domain: domain, Address: address, HealthAddress: health, Profiling: profiling,
				Upstreams: upstreams, UpstreamTimeout: upstreamTimeout, Logger: logger(verbose),
			})
			if err != nil {
				return err
			}
			return s.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig of the cluster")
	f.StringVar(&master, "master", "", "URL of the API server (overrides the kubeconfig's); alone, for one without TLS, e.g. http://apiserver:6443")
	f.StringVar(&domain, "domain", clusterdns.DefaultDomain, "the cluster domain, answered from the API")
	f.StringVar(&address, "address", clusterdns.DefaultAddress, "address to serve DNS on, over UDP and TCP")
	f.StringSliceVar(&upstreams, "upstream", nil, "resolvers (host:port) for names outside the cluster domain (default: those of --resolv-conf)")
	f.StringVar(&resolvConf, "resolv-conf", "/etc/resolv.conf", "where the default upstreams are read from")
	f.DurationVar(&upstreamTimeout, "upstream-timeout", clusterdns.DefaultUpstreamTimeout, "how long each upstream may take to answer before SERVFAIL")
	f.StringVar(&bindAddress, "bind-address", "127.0.0.1", "address to serve /healthz and /readyz on (0.0.0.0 inside a container)")
	f.IntVar(&healthPort, "health-port", 8080, "port to serve /healthz and /readyz on; 0 not at all")
	f.BoolVarP(&verbose, "verbose", "v", false, "log at debug level")
	f.BoolVar(&profiling, "profiling", false, "serve Go's pprof profiles at /debug/pprof/ on the health port, for `ownkube debug profile`")
	return cmd
})

// resolvConfServers are the nameservers of a resolv.conf, as host:port.
func resolvConfServers(path string) ([]string, error) {
	cc, err := dns.ClientConfigFromFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("dns: %s does not exist: give --upstream", path)
	}
	if err != nil {
		return nil, fmt.Errorf("dns: read upstreams from %s: %w", path, err)
	}
	var out []string
	for _, s := range cc.Servers {
		out = append(out, net.JoinHostPort(s, cc.Port))
	}
	return out, nil
}
