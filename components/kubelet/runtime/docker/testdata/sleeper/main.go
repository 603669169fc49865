// Command sleeper is the runtime tests' workload and pause stand-in. With no
// arguments it prints a line and waits for SIGTERM; "exit N" exits with N;
// "ignore-term" ignores SIGTERM, so only SIGKILL ends it.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	cwd, _ := os.Getwd()
	fmt.Printf("sleeper started in %s greeting=%s\n", cwd, os.Getenv("GREETING"))
	switch {
	case len(os.Args) == 3 && os.Args[1] == "exit":
		code, _ := strconv.Atoi(os.Args[2])
		fmt.Fprintf(os.Stderr, "sleeper exits %d\n", code)
		os.Exit(code)
	case len(os.Args) == 2 && os.Args[1] == "ignore-term":
		signal.Ignore(syscall.SIGTERM)
		for {
			time.Sleep(time.Hour)
		}
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	fmt.Println("sleeper stopped")
}
