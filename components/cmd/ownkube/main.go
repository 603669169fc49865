// Command ownkube is the one binary of the kit: every component and every
// cluster command is one of its subcommands (ownkube --help lists them).
package main

import "github.com/ownkube/ownkube/components/cli"

func main() { cli.Execute() }
