package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		want    config
		wantErr string
	}{
		{name: "defaults", want: config{code: 1, delay: time.Second}},
		{name: "env", env: map[string]string{"EXIT_CODE": "3", "DELAY": "250ms"}, want: config{code: 3, delay: 250 * time.Millisecond}},
		{name: "flags override env", args: []string{"-code", "7", "-delay=0s"}, env: map[string]string{"EXIT_CODE": "3", "DELAY": "2s"}, want: config{code: 7}},
		{name: "exit code zero", env: map[string]string{"EXIT_CODE": "0"}, want: config{code: 0, delay: time.Second}},
		{name: "code not a number", env: map[string]string{"EXIT_CODE": "three"}, wantErr: `EXIT_CODE="three": not an integer`},
		{name: "delay not a duration", env: map[string]string{"DELAY": "5"}, wantErr: `DELAY="5": not a duration`},
		{name: "code out of range", args: []string{"-code", "256"}, wantErr: "exit code 256: want 0 to 255"},
		{name: "negative delay", args: []string{"-delay", "-1s"}, wantErr: "delay -1s: want 0 or more"},
		{name: "unknown flag", args: []string{"-x"}, wantErr: "flag provided but not defined: -x"},
		{name: "stray argument", args: []string{"now"}, wantErr: "unexpected arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseConfig(tc.args, env(tc.env))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestRunExitsWithCodeAfterDelay(t *testing.T) {
	var out bytes.Buffer
	start := time.Now()
	code := run(context.Background(), config{code: 3, delay: 20 * time.Millisecond}, &out)
	if code != 3 {
		t.Errorf("exit code %d, want 3", code)
	}
	if took := time.Since(start); took < 20*time.Millisecond {
		t.Errorf("exited after %s, before its 20ms delay", took)
	}
	if want := "crasher: exiting with code 3 after 20ms\n"; out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}

func TestRunExitsZeroWhenTerminated(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	if code := run(ctx, config{code: 3, delay: time.Hour}, &out); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	if !strings.Contains(out.String(), "terminated during the delay") {
		t.Errorf("output %q does not say it was terminated", out.String())
	}
}
