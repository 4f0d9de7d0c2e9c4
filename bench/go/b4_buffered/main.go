// B4 buffered channel (capacity 128), P=2: 1 producer / 1 consumer and
// 4 producers / 4 consumers on one channel, 10,000,000 ints in all.
// Figure: ns per item = elapsed / 10,000,000.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

const (
	items    = 10_000_000
	capacity = 128
	// sum of 0..items-1
	wantSum = int64(items) * (items - 1) / 2
)

func check(name string, got int64) {
	if got != wantSum {
		fmt.Fprintf(os.Stderr, "%s: sum %d, want %d\n", name, got, wantSum)
		os.Exit(1)
	}
}

func oneToOne() float64 {
	ch := make(chan int, capacity)
	var sum int64
	done := make(chan struct{})
	start := time.Now()
	go func() {
		for i := 0; i < items; i++ {
			ch <- i
		}
		close(ch)
	}()
	go func() {
		var s int64
		for v := range ch {
			s += int64(v)
		}
		sum = s
		close(done)
	}()
	<-done
	elapsed := time.Since(start)
	check("B4 1p1c", sum)
	return float64(elapsed.Nanoseconds()) / items
}

func fourToFour() float64 {
	const producers, consumers = 4, 4
	ch := make(chan int, capacity)
	var total int64
	var prodWG, consWG sync.WaitGroup
	start := time.Now()
	per := items / producers
	for p := 0; p < producers; p++ {
		prodWG.Add(1)
		go func(first int) { // producer p sends first .. first+per-1
			for i := first; i < first+per; i++ {
				ch <- i
			}
			prodWG.Done()
		}(p * per)
	}
	for c := 0; c < consumers; c++ {
		consWG.Add(1)
		go func() {
			var s int64
			for v := range ch {
				s += int64(v)
			}
			atomic.AddInt64(&total, s)
			consWG.Done()
		}()
	}
	prodWG.Wait()
	close(ch)
	consWG.Wait()
	elapsed := time.Since(start)
	check("B4 4p4c", total)
	return float64(elapsed.Nanoseconds()) / items
}

func main() {
	runtime.GOMAXPROCS(2)
	fmt.Printf("RESULT name=B4_buffered_1p1c_P2 value=%.2f unit=ns\n", oneToOne())
	fmt.Printf("RESULT name=B4_buffered_4p4c_P2 value=%.2f unit=ns\n", fourToFour())
}
