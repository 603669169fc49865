package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestMain plays the pause program when the test re-executes its own binary
// with OWNKUBE_RUN_PAUSE set, saying "ready" once the signals are caught.
func TestMain(m *testing.M) {
	if os.Getenv("OWNKUBE_RUN_PAUSE") == "1" {
		waitForSignal(func() { fmt.Println("ready") })
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestPauseExitsZeroOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "OWNKUBE_RUN_PAUSE=1")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if line, err := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
				cmd.Process.Kill()
				t.Fatalf("pause did not get ready: %q, %v", line, err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()

			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("pause after %s: %v, want exit 0", sig, err)
				}
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("pause still running 5s after %s", sig)
			}
		})
	}
}
