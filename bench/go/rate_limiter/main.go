// RATE: golang.org/x/time/rate's costs, the twin of bench/gocxx/rate_limiter.cpp:
// ns per AllowN on a limiter that refuses (one goroutine, then two at P=2 on the
// same limiter), ns per Wait that never has to wait.
package main

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

const (
	allows = 4_000_000
	waits  = 2_000_000
)

func allowNs(goroutines int) float64 {
	runtime.GOMAXPROCS(goroutines)
	lim := rate.NewLimiter(rate.Every(time.Second), 1)
	now := time.Now()
	each := allows / goroutines
	start := time.Now()
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			allowed := 0
			for i := 0; i < each; i++ {
				if lim.AllowN(now, 1) {
					allowed++
				}
			}
			if allowed > 1 {
				panic("allowed more than the burst")
			}
		}()
	}
	wg.Wait()
	return float64(time.Since(start).Nanoseconds()) / float64(each*goroutines)
}

func waitNs() float64 {
	runtime.GOMAXPROCS(1)
	lim := rate.NewLimiter(rate.Limit(waits), waits)
	ctx := context.Background()
	start := time.Now()
	for i := 0; i < waits; i++ {
		if err := lim.Wait(ctx); err != nil {
			panic(err)
		}
	}
	return float64(time.Since(start).Nanoseconds()) / waits
}

func main() {
	fmt.Printf("RESULT name=RATE_allow_P1 value=%.3f unit=ns\n", allowNs(1))
	fmt.Printf("RESULT name=RATE_allow_P2 value=%.3f unit=ns\n", allowNs(2))
	fmt.Printf("RESULT name=RATE_wait_nodelay_P1 value=%.3f unit=ns\n", waitNs())
}
