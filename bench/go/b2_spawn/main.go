// B2 spawn: start 1,000,000 goroutines that each call wg.Done(); main waits.
// Figure: ns per goroutine (spawn + run + exit), P=2.
package main

import (
	"fmt"
	"runtime"
	"sync"
	"time"
)

const n = 1_000_000

func main() {
	runtime.GOMAXPROCS(2)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() { wg.Done() }()
	}
	wg.Wait()
	elapsed := time.Since(start)
	fmt.Printf("RESULT name=B2_spawn_P2 value=%.2f unit=ns\n", float64(elapsed.Nanoseconds())/n)
}
