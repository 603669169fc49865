package tables

import (
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// now is the clock of every test: ages are computed against it.
var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// ago is a timestamp d before now.
func ago(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }

// agoPtr is ago as a pointer, for deletionTimestamp.
func agoPtr(d time.Duration) *metav1.Time { t := ago(d); return &t }

func objectMeta(name string, created time.Duration) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "default", CreationTimestamp: ago(created)}
}

func cells(v ...interface{}) []interface{} { return v }

// checkCells compares printed cells with the expected ones, naming the column that differs.
func checkCells(t *testing.T, columns []metav1.TableColumnDefinition, got, want []interface{}) {
	t.Helper()
	if len(got) != len(columns) {
		t.Fatalf("got %d cells for %d columns: %#v", len(got), len(columns), got)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%s: got %#v, want %#v", columns[i].Name, got[i], want[i])
		}
	}
}

func running() corev1.ContainerState {
	return corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ago(time.Hour)}}
}

func waiting(reason string) corev1.ContainerState {
	return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}
}

func terminated(reason string, exitCode, signal int32) corev1.ContainerState {
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: reason, ExitCode: exitCode, Signal: signal}}
}
