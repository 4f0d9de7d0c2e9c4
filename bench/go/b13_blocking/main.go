// B13: the cost of a blocking call that returns at once. Go has no blocking()
// wrapper; a cgo call pays exactly the entersyscall/exitsyscall pair that gocxx's
// blocking() implements, so an empty C function through cgo is the twin.
// 20,000,000 calls on one goroutine, ns per call, P=1.
package main

/*
static int empty_call(int x) { return x; }
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"time"
)

const calls = 20_000_000

func main() {
	runtime.GOMAXPROCS(1)
	sum := 0
	start := time.Now()
	for i := 0; i < calls; i++ {
		sum += int(C.empty_call(1))
	}
	elapsed := time.Since(start)
	if sum != calls {
		os.Exit(1)
	}
	fmt.Printf("RESULT name=B13_blocking_call_P1 value=%.3f unit=ns\n", float64(elapsed.Nanoseconds())/calls)
}
