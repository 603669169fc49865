package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/ownkube/ownkube/components/proxy"
)

var _ = register(func() *cobra.Command {
	var (
		kubeconfig, master, clusterName, network, forwarderImage, identity, listenIP string
		verbose                                                                      bool
	)
	cmd := &cobra.Command{
		Use:   "proxy (--kubeconfig PATH | --master URL) --cluster NAME",
		Short: "Run a node's service proxy: NodePorts here, ClusterIP forwarders while it leads (the kubelet runs one itself)",
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if identity == "" {
				if identity, err = os.Hostname(); err != nil {
					return fmt.Errorf("proxy: give --hostname-override: %w", err)
				}
			}
			client, err := componentClient("proxy", identity, master, kubeconfig)
			if err != nil {
				return err
			}
			apiURL, apiTLS, err := forwarderAPI(master, kubeconfig)
			if err != nil {
				return err
			}
			p, err := proxy.New(proxy.Config{Client: client, Cluster: clusterName, Network: network, APIServerURL: apiURL, APITLS: apiTLS,
				ForwarderImage: forwarderImage, Identity: identity, ListenIP: listenIP, Logger: logger(verbose)})
			if err != nil {
				return err
			}
			return p.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig of the cluster")
	f.StringVar(&master, "master", "", "URL of the API server (overrides the kubeconfig's); alone, for one without TLS, e.g. http://apiserver:6443")
	f.StringVar(&clusterName, "cluster", "", "name of the cluster: forwarders carry it as a label (required)")
	f.StringVar(&network, "network", "", "Docker network of the forwarders (default: ownkube-<cluster>)")
	f.StringVar(&forwarderImage, "forwarder-image", "ownkube/forwarder:latest", "image of the ClusterIP forwarder containers")
	f.StringVar(&identity, "hostname-override", "", "name of this proxy in its Lease (default: the hostname)")
	f.StringVar(&listenIP, "bind-address", "", "address NodePorts listen on (default: all)")
	f.BoolVarP(&verbose, "verbose", "v", false, "log every action (debug level)")
	return cmd
})

// forwarderAPI is the API server's URL as the kubeconfig or --master names
// it, which forwarders use to reach it on the cluster network, and, for an
// API server that authenticates client certificates, the kubeconfig's CA
// and client certificate, which they authenticate with.
func forwarderAPI(master, kubeconfig string) (string, *proxy.TLSFiles, error) {
	cfg, err := clientcmd.BuildConfigFromFlags(master, kubeconfig)
	if err != nil {
		return "", nil, fmt.Errorf("load client config: %w", err)
	}
	if err := rest.LoadTLSFiles(cfg); err != nil {
		return "", nil, fmt.Errorf("load the kubeconfig's TLS files: %w", err)
	}
	if len(cfg.CertData) == 0 {
		return cfg.Host, nil, nil
	}
	return cfg.Host, &proxy.TLSFiles{CA: cfg.CAData, Cert: cfg.CertData, Key: cfg.KeyData}, nil
}
