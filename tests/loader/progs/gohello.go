// gohello - a Go program for zpoline-loader: goroutines, many OS threads,
// asynchronous preemption (SIGURG), file reading and a child process
// through os/exec (Go's raw vfork).  Its output must be the same natively
// and under the loader; nothing printed depends on timing or addresses.
//
//	gohello FILE
package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// spin runs a loop with no function calls: only an asynchronous preemption
// (a SIGURG from the Go runtime's sysmon) can take its P away.
func spin(stop *int32, done chan<- int) {
	n := 0
	for atomic.LoadInt32(stop) == 0 {
		n++
	}
	done <- 1
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gohello FILE")
		os.Exit(2)
	}

	// Goroutines on many threads, each reading the file.
	var wg sync.WaitGroup
	sums := make([]int, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			runtime.LockOSThread() // a thread of its own
			b, err := os.ReadFile(os.Args[1])
			if err != nil {
				sums[i] = -1
				return
			}
			s := 0
			for _, c := range b {
				s = s*31 + int(c)
			}
			sums[i] = s & 0xffffff
		}(i)
	}
	wg.Wait()
	same := true
	for _, s := range sums {
		same = same && s == sums[0]
	}
	fmt.Printf("goroutines: 8, same sum: %v (%d)\n", same, sums[0])

	// Preemption: with one P, main runs again only if the spinning
	// goroutine is preempted asynchronously.
	prev := runtime.GOMAXPROCS(1)
	var stop int32
	done := make(chan int)
	go spin(&stop, done)
	time.Sleep(20 * time.Millisecond)
	atomic.StoreInt32(&stop, 1)
	<-done
	runtime.GOMAXPROCS(prev)
	fmt.Println("preempted: yes")

	// A child process.  It gets an environment of its own, without the
	// runtime, so that only this program's calls are in the hook's count.
	cmd := exec.Command("/bin/echo", "child", "says", "hi")
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	out, err := cmd.Output()
	fmt.Printf("child: %q, error: %v\n", out, err)

	// A child that fails.
	f := exec.Command("/bin/false")
	f.Env = cmd.Env
	err = f.Run()
	fmt.Printf("false: %v\n", err)

	host, err := os.Hostname()
	fmt.Printf("hostname read: %v\n", err == nil && host != "")
	fmt.Printf("args: %q\n", os.Args[2:])
}
