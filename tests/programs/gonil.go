// gonil: a Go program that recovers from nil-pointer panics (a nil
// struct pointer's field, a nil pointer met on the way, a call through a
// nil func value), as net/http's handlers do.  Go turns the fault of a read
// at a small address into the panic: with a readable page 0 (no protection
// keys) the reads returned sled bytes and the call jumped to a
// non-canonical address read from page 0 (tests/integration/test-detour.sh).
package main

import (
	"fmt"
	"os"
)

type node struct {
	val  int
	next *node
}

//go:noinline
func field(n *node) int { return n.val }

//go:noinline
func call(f func() int) int { return f() }

func try(name string, f func() int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Printf("%s: recovered: %v\n", name, r)
		}
	}()
	fmt.Printf("%s: no panic: %d\n", name, f())
}

func main() {
	try("nil field", func() int { return field(nil) })
	try("nil next", func() int { n := &node{}; return n.next.val })
	try("nil func", func() int { return call(nil) })
	f, err := os.Open("/proc/self/status")
	if err == nil {
		b := make([]byte, 16)
		n, _ := f.Read(b)
		fmt.Printf("read %d\n", n)
	}
}
