package apiserver

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"

	"github.com/ownkube/ownkube/components/kit/linearizable"
	"github.com/ownkube/ownkube/e2e/framework"
)

// The history is bounded: keys × clients × rounds operations, each a read
// then a compare-and-swap write, small enough for the checker to decide in
// well under a second and contended enough that writes collide.
const (
	registerKeys    = 3
	registerClients = 4
	registerRounds  = 15
)

var _ = Describe("Compare-and-swap under concurrent clients", apiserverLabels, Label("linearizability"), func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("linearizable")
	})

	It("should keep a history of reads and conditional updates that is linearizable per key", func(ctx SpecContext) {
		cms := framework.Client().CoreV1().ConfigMaps(ns)
		rec := linearizable.NewRecorder()

		By(fmt.Sprintf("creating %d ConfigMaps", registerKeys))
		for k := range registerKeys {
			key := fmt.Sprintf("register-%d", k)
			call := rec.Begin()
			cm, err := cms.Create(ctx, newConfigMap(key, map[string]string{"v": "initial"}), metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred(), "create ConfigMap %s", key)
			rec.End(call, linearizable.Op{Key: key, Kind: linearizable.Create, Out: stateOf(cm)})
		}

		By(fmt.Sprintf("reading and updating them from %d clients at once, %d rounds each", registerClients, registerRounds))
		var wg sync.WaitGroup
		errs := make(chan error, registerClients)
		var won, refused atomic.Int64
		for c := range registerClients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := contend(ctx, cms, rec, c, &won, &refused); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			Expect(err).NotTo(HaveOccurred())
		}
		GinkgoWriter.Printf("%d operations: %d updates won, %d refused with 409\n", rec.Len(), won.Load(), refused.Load())
		// A history without collisions says nothing about compare-and-swap.
		Expect(refused.Load()).To(BeNumerically(">", 0), "no update was refused: the clients never collided, so the history proves nothing")
		Expect(won.Load()).To(BeNumerically(">=", registerKeys), "too few updates won to tell anything")

		By("checking the history with porcupine, one register per key")
		res := rec.Check(30 * time.Second)
		if !res.Linearizable {
			path := filepath.Join(os.TempDir(), "ownkube-linearizability-"+ns+".html")
			if err := res.Visualize(path); err != nil {
				AddReportEntry("Linearizability history", err.Error())
			} else {
				AddReportEntry("Linearizability history", "open "+path+" in a browser: the history per key and the longest order that explains it")
			}
		}
		Expect(res.Verdict).To(BeEquivalentTo("Ok"), "no order of the operations, one at a time and respecting real time, explains what the clients saw: "+
			"an update won that should have been refused (compare-and-swap on the revision read), or a read returned a value that was not the latest")
	}, SpecTimeout(2*specTimeout))
})

// contend runs registerRounds rounds of client c: for each key in turn, a
// read, then an update of the value conditional on the resourceVersion read.
func contend(ctx context.Context, cms typedcorev1.ConfigMapInterface, rec *linearizable.Recorder, c int, won, refused *atomic.Int64) error {
	for round := range registerRounds {
		for k := range registerKeys {
			key := fmt.Sprintf("register-%d", k)
			call := rec.Begin()
			cm, err := cms.Get(ctx, key, metav1.GetOptions{})
			if err != nil {
				return fmt.Errorf("client %d: read %s: %w", c, key, err)
			}
			rec.End(call, linearizable.Op{Client: c, Key: key, Kind: linearizable.Read, Out: stateOf(cm)})

			// A value no one else writes, so every update changes the object.
			value := fmt.Sprintf("client-%d-round-%d", c, round)
			op := linearizable.Op{Client: c, Key: key, Kind: linearizable.Write, FromRV: cm.ResourceVersion, Value: value}
			cm.Data = map[string]string{"v": value}
			call = rec.Begin()
			updated, err := cms.Update(ctx, cm, metav1.UpdateOptions{})
			switch {
			case apierrors.IsConflict(err):
				op.Conflict = true
				refused.Add(1)
			case err != nil:
				return fmt.Errorf("client %d: update %s from resourceVersion %s: %w", c, key, op.FromRV, err)
			default:
				op.Out = stateOf(updated)
				won.Add(1)
			}
			rec.End(call, op)
		}
	}
	return nil
}

func stateOf(cm *corev1.ConfigMap) linearizable.State {
	return linearizable.State{Value: cm.Data["v"], RV: cm.ResourceVersion}
}
