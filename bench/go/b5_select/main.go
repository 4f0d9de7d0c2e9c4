// B5 select, P=1.
//
//	ready:   two capacity-1 channels each holding a value; every iteration
//	         selects one and sends the value back (figure: select + refill).
//	default: select with default over two empty unbuffered channels.
//
// Figure: ns per iteration, 10,000,000 iterations.
package main

import (
	"fmt"
	"os"
	"runtime"
	"time"
)

const iters = 10_000_000

func ready() float64 {
	c1 := make(chan int, 1)
	c2 := make(chan int, 1)
	c1 <- 1
	c2 <- 2
	var n1, n2 int
	start := time.Now()
	for i := 0; i < iters; i++ {
		select {
		case v := <-c1:
			n1++
			c1 <- v
		case v := <-c2:
			n2++
			c2 <- v
		}
	}
	elapsed := time.Since(start)
	if n1+n2 != iters || n1 == 0 || n2 == 0 {
		fmt.Fprintf(os.Stderr, "B5 ready: case counts %d/%d (select must pick both)\n", n1, n2)
		os.Exit(1)
	}
	return float64(elapsed.Nanoseconds()) / iters
}

func withDefault() float64 {
	c1 := make(chan int)
	c2 := make(chan int)
	defaults := 0
	start := time.Now()
	for i := 0; i < iters; i++ {
		select {
		case <-c1:
		case <-c2:
		default:
			defaults++
		}
	}
	elapsed := time.Since(start)
	if defaults != iters {
		fmt.Fprintf(os.Stderr, "B5 default: %d defaults, want %d\n", defaults, iters)
		os.Exit(1)
	}
	return float64(elapsed.Nanoseconds()) / iters
}

func main() {
	runtime.GOMAXPROCS(1)
	fmt.Printf("RESULT name=B5_select_ready_P1 value=%.2f unit=ns\n", ready())
	fmt.Printf("RESULT name=B5_select_default_P1 value=%.2f unit=ns\n", withDefault())
}
