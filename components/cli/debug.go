package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/kubeconfig"
)

var _ = register(func() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "debug",
		Short: "Look inside a running cluster's components",
	}
	cmd.AddCommand(profileCommand())
	return cmd
})

// profileKinds are the profiles `debug profile` fetches, by the name of
// net/http/pprof's handler for each; cpu is the sampled /profile.
var profileKinds = []string{"cpu", "heap", "allocs", "goroutine", "block", "mutex", "threadcreate", "trace"}

func profileCommand() *cobra.Command {
	var (
		name, kind, output string
		seconds            int
	)
	cmd := &cobra.Command{
		Use:   "profile COMPONENT",
		Short: "Fetch a pprof profile (cpu, heap, goroutine, …) from a component of a running cluster",
		Long: "Fetch a Go pprof profile from a control-plane component (" + strings.Join(controlPlaneNames(), ", ") + ") " +
			"of a cluster brought up by `ownkube up`, which starts each with --profiling. Read it with `go tool pprof FILE`.",
		Example: "  ownkube debug profile apiserver --type cpu --seconds 10 -o apiserver.pprof\n" +
			"  ownkube debug profile scheduler --type heap\n" +
			"  go tool pprof -top apiserver.pprof",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(profileKinds, kind) {
				return fmt.Errorf("unknown profile type %q: give one of %s", kind, strings.Join(profileKinds, ", "))
			}
			c, err := cluster.Get(cmd.Context(), name)
			if errors.Is(err, cluster.ErrNotFound) {
				return fmt.Errorf("no cluster named %q: bring one up with `ownkube up --name %s`", name, name)
			}
			if err != nil {
				return err
			}
			urls := c.ComponentURLs[args[0]]
			if len(urls) == 0 {
				return fmt.Errorf("cluster %q runs no component %q with a published port: give one of %s",
					name, args[0], strings.Join(slices.Sorted(maps.Keys(c.ComponentURLs)), ", "))
			}
			if output == "" {
				output = fmt.Sprintf("%s-%s.pprof", args[0], kind)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Fetching the %s profile of %s%s…\n", kind, args[0], during(kind, seconds))
			client, err := profileClient(c, args[0], seconds)
			if err != nil {
				return err
			}
			n, from, err := fetchProfile(cmd.Context(), client, urls, kind, seconds, output)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Wrote %s (%d bytes, from %s); read it with: go tool pprof %s\n", output, n, from, output)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "name", cluster.DefaultName, "cluster to profile")
	f.StringVar(&kind, "type", "cpu", "profile to fetch: "+strings.Join(profileKinds, ", "))
	f.IntVar(&seconds, "seconds", 10, "how long a cpu profile or trace samples")
	f.StringVarP(&output, "output", "o", "", "file to write (default COMPONENT-TYPE.pprof)")
	return cmd
}

func during(kind string, seconds int) string {
	if kind == "cpu" || kind == "trace" {
		return fmt.Sprintf(" over %ds", seconds)
	}
	return ""
}

// profilePath is the pprof handler path of kind.
func profilePath(kind string, seconds int) string {
	switch kind {
	case "cpu":
		return fmt.Sprintf("/debug/pprof/profile?seconds=%d", seconds)
	case "trace":
		return fmt.Sprintf("/debug/pprof/trace?seconds=%d", seconds)
	}
	return "/debug/pprof/" + kind
}

// fetchProfile asks each replica in turn (a standby scheduler serves no
// health port) and writes the first profile answered to output.
func fetchProfile(ctx context.Context, client *http.Client, urls []string, kind string, seconds int, output string) (int64, string, error) {
	var errs []error
	for _, base := range urls {
		n, err := fetchOne(ctx, client, base+profilePath(kind, seconds), output)
		if err == nil {
			return n, base, nil
		}
		errs = append(errs, err)
	}
	return 0, "", fmt.Errorf("no replica answered with a profile (is it started with --profiling?): %w", errors.Join(errs...))
}

// profileClient is the HTTP client of component's profiles: the
// kubeconfig's, with its CA and admin certificate, for the API server,
// which serves its profiles to authenticated users only; a plain one for
// the health ports of the others.
func profileClient(c *cluster.Cluster, component string, seconds int) (*http.Client, error) {
	timeout := time.Duration(seconds)*time.Second + 30*time.Second
	if component != cluster.APIServer {
		return &http.Client{Timeout: timeout}, nil
	}
	cfg, err := kubeconfig.RESTConfig(c.KubeconfigPath)
	if err != nil {
		return nil, err
	}
	cfg.Timeout = timeout
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("the API server's client: %w", err)
	}
	return client, nil
}

func fetchOne(ctx context.Context, client *http.Client, url, output string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return 0, fmt.Errorf("GET %s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	f, err := os.Create(output)
	if err != nil {
		return 0, fmt.Errorf("write the profile: %w", err)
	}
	n, err := io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("write the profile to %s: %w", output, err)
	}
	return n, nil
}

func controlPlaneNames() []string {
	return []string{cluster.Etcd, cluster.APIServer, cluster.Scheduler, cluster.ControllerManager, cluster.DNS}
}
