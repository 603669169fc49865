//go:build !solutions

package framework

// defaultImpl is the implementation the suite tests unless OWNKUBE_E2E_IMPL
// says otherwise: the one the suite itself was built with (default tags).
const defaultImpl = "exercises"
