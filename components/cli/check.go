package cli

import "github.com/ownkube/ownkube/components/kit/check"

// `ownkube check`: the grader (components/kit/check), also built alone as
// components/cmd/check.
var _ = register(check.NewCommand)
