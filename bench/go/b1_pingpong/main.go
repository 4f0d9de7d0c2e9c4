// B1 ping-pong: two goroutines bounce a value over two unbuffered channels.
// Figure: ns per one-way hand-off = elapsed / (2 * rounds), for P=1 and P=2.
package main

import (
	"fmt"
	"os"
	"runtime"
	"time"
)

const rounds = 1_000_000

func pingpong(procs int) float64 {
	runtime.GOMAXPROCS(procs)
	a := make(chan int)
	b := make(chan int)
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() {
		close(ready) // the partner is running: main may start the clock
		for v := range a {
			b <- v
		}
		close(done)
	}()
	<-ready
	start := time.Now()
	for i := 0; i < rounds; i++ {
		a <- i
		if v := <-b; v != i {
			fmt.Fprintf(os.Stderr, "B1: got %d, want %d\n", v, i)
			os.Exit(1)
		}
	}
	elapsed := time.Since(start)
	close(a)
	<-done
	return float64(elapsed.Nanoseconds()) / (2 * rounds)
}

func main() {
	for _, p := range []int{1, 2} {
		ns := pingpong(p)
		fmt.Printf("RESULT name=B1_pingpong_P%d value=%.2f unit=ns\n", p, ns)
	}
}
