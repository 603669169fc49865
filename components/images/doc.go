// Package images builds the kit's container images from source, with no
// registry: each image is FROM scratch and holds one static Go binary
// (CGO_ENABLED=0) compiled from this module.
//
// The table holds the node image, ownkube:<impl> (the one binary of
// components/cmd/ownkube, linking solutions/ or exercises/), and the workload
// images, each tagged :latest and built from a main package of its own folder
// here with the standard library only: ownkube/pause (holds a pod's network
// namespace), ownkube/echo (HTTP server telling which pod answered, with
// /healthz and /readyz that fail on cue), ownkube/crasher (exits with a
// chosen code) and ownkube/probe (one-shot HTTP/TCP check from inside the
// cluster network).
//
// Build walks a table of images. For each it runs `go build` into
// _output/images/ under the module root, hashes the binary, and asks Docker to
// build only when no image of that tag carries the same hash in its
// ownkube.io/binary-sha256 label; so a rebuild with nothing changed costs one
// cached `go build`. The Docker build context (Dockerfile, binary, an empty
// /tmp) is a tar made in memory and sent to the engine's legacy builder, which
// needs no front-end image.
//
// Callers: `ownkube images` (components/cli) and the e2e suite's bring-up
// (e2e/framework), before they start a cluster with components/cluster.
package images
