package images

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"time"
)

// writeContext writes a Docker build context as a tar stream: the Dockerfile,
// the binary (size bytes read from binary) under binaryName, and a directory
// rootfs/ holding an empty tmp/ with mode 1777, because a scratch image has no
// /tmp. The Dockerfile copies rootfs/ onto /: the legacy builder keeps the
// mode of directories inside a copied directory, whereas `COPY tmp /tmp`
// would create /tmp with mode 0755.
func writeContext(w io.Writer, dockerfile []byte, binaryName string, binary io.Reader, size int64) error {
	tw := tar.NewWriter(w)
	// A fixed time keeps the context, and so the builder's cache key, stable.
	mtime := time.Unix(0, 0)
	entries := []struct {
		hdr  tar.Header
		body io.Reader
	}{
		{tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(dockerfile))}, bytes.NewReader(dockerfile)},
		{tar.Header{Name: binaryName, Mode: 0o755, Size: size}, binary},
		{tar.Header{Name: "rootfs/", Typeflag: tar.TypeDir, Mode: 0o755}, nil},
		{tar.Header{Name: "rootfs/tmp/", Typeflag: tar.TypeDir, Mode: 0o1777}, nil},
	}
	for _, e := range entries {
		hdr := e.hdr
		hdr.ModTime = mtime
		if hdr.Typeflag == 0 {
			hdr.Typeflag = tar.TypeReg
		}
		if err := tw.WriteHeader(&hdr); err != nil {
			return fmt.Errorf("build context: %s: %w", hdr.Name, err)
		}
		if e.body == nil {
			continue
		}
		if n, err := io.Copy(tw, e.body); err != nil {
			return fmt.Errorf("build context: %s: %w", hdr.Name, err)
		} else if n != hdr.Size {
			return fmt.Errorf("build context: %s: wrote %d of %d bytes", hdr.Name, n, hdr.Size)
		}
	}
	return tw.Close()
}
