// B6 mutex, P=2.
//
//	uncontended: one goroutine, Lock/Unlock 20,000,000 times; ns per pair.
//	contended:   4 goroutines doing 2,500,000 Lock/increment/Unlock each on
//	             one sync.Mutex; ns per lock = elapsed / 10,000,000.
//
// (B6_atomic_xchg_pair is a gocxx-only baseline; there is no Go version.)
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
)

const (
	uncontendedIters = 20_000_000
	workers          = 4
	perWorker        = 2_500_000
)

// A mutex and the data it guards, as in the gocxx version.
type guarded struct {
	mu      sync.Mutex
	counter int64
}

func uncontended() float64 {
	var g guarded
	start := time.Now()
	for i := 0; i < uncontendedIters; i++ {
		g.mu.Lock()
		g.mu.Unlock()
	}
	elapsed := time.Since(start)
	return float64(elapsed.Nanoseconds()) / uncontendedIters
}

func contended() float64 {
	var g guarded
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			for i := 0; i < perWorker; i++ {
				g.mu.Lock()
				g.counter++
				g.mu.Unlock()
			}
			wg.Done()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	g.mu.Lock()
	got := g.counter
	g.mu.Unlock()
	if got != workers*perWorker {
		fmt.Fprintf(os.Stderr, "B6 contended: counter %d, want %d\n", got, workers*perWorker)
		os.Exit(1)
	}
	return float64(elapsed.Nanoseconds()) / (workers * perWorker)
}

func main() {
	runtime.GOMAXPROCS(2)
	fmt.Printf("RESULT name=B6_mutex_uncontended value=%.2f unit=ns\n", uncontended())
	fmt.Printf("RESULT name=B6_mutex_contended_P2 value=%.2f unit=ns\n", contended())
}
