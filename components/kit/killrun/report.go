package killrun

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/onsi/ginkgo/v2/types"
)

// errSetup says that an e2e run failed before its specs: no spec killed
// the mutant, the cluster did not come up.
var errSetup = errors.New("the suite's setup failed")

// firstFailedSpec reads the Ginkgo JSON report at path and names its first
// failed spec, "" when every spec passed. A failed setup is an error: it
// says nothing of the mutant.
func firstFailedSpec(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read the Ginkgo report: %w", err)
	}
	var reports []types.Report
	if err := json.Unmarshal(data, &reports); err != nil {
		return "", fmt.Errorf("parse the Ginkgo report %s: %w", path, err)
	}
	if len(reports) == 0 {
		return "", fmt.Errorf("the Ginkgo report %s holds no suite", path)
	}
	for _, sr := range reports[0].SpecReports {
		if !sr.State.Is(types.SpecStateFailureStates) {
			continue
		}
		if sr.LeafNodeType != types.NodeTypeIt {
			return "", fmt.Errorf("%w: %s: %s", errSetup, sr.LeafNodeType, firstLineOf(sr.Failure.Message, 200))
		}
		return sr.FullText(), nil
	}
	if reports[0].PreRunStats.SpecsThatWillRun == 0 {
		return "", fmt.Errorf("the e2e run of %s ran no spec", path)
	}
	return "", nil
}
