// B8 timers, P=2: 100,000 goroutines each sleep a seeded random 1-100 ms
// (splitmix64, seed 42, drawn in order by main while spawning); main waits.
// Figures: wall ms from just before the first spawn until wg.Wait() returns
// (ideal ~100), and the process CPU seconds (user + sys) over the same interval.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
)

const n = 100_000

// splitmix64 state, seeded as in the gocxx and Boost.Fiber programs.
var state uint64 = 42

func splitmix64() uint64 {
	state += 0x9e3779b97f4a7c15
	z := state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// cpuSeconds is the process CPU time (user + sys, all threads) so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fmt.Fprintln(os.Stderr, "B8:", err)
		os.Exit(1)
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func main() {
	runtime.GOMAXPROCS(2)
	var wg sync.WaitGroup
	wg.Add(n)
	cpu0 := cpuSeconds()
	start := time.Now()
	for i := 0; i < n; i++ {
		d := time.Duration(1+splitmix64()%100) * time.Millisecond
		go func() {
			time.Sleep(d)
			wg.Done()
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	cpu := cpuSeconds() - cpu0
	fmt.Printf("RESULT name=B8_timers_wall value=%.3f unit=ms\n", float64(wall.Nanoseconds())/1e6)
	fmt.Printf("RESULT name=B8_timers_cpu value=%.3f unit=s\n", cpu)
}
