// golib - a Go library for C programs (-buildmode=c-shared), linked by the
// C linker: its Go code has no unwind table (the C parts have one), and
// Go's function table is merged into .data.rel.ro.  GoPids makes raw
// getpid calls (Go's syscall package does not go through libc).
package main

import "C"
import "syscall"

//export GoPids
func GoPids(n C.int) C.int {
	k := 0
	for i := 0; i < int(n); i++ {
		if syscall.Getpid() > 0 {
			k++
		}
	}
	return C.int(k)
}

func main() {}
