//go:build !solutions

package main

// defaultImpl is the implementation benchmarked: the one this program was
// built with (default tags).
const defaultImpl = "exercises"
