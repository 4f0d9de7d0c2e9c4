// B11 pool, P=2: the tutorial's calcPool example (E28). A sync.Pool of 1 KiB
// buffers whose New counts the buffers it makes is seeded with 4 buffers; then
// 1,048,576 goroutines each Get a buffer and Put it back; main waits for all.
// Figures: total ms (seeding, spawning and waiting) and buffers created (the 4
// initial buffers included, as the tutorial's counter counts them). The tutorial's
// unsynchronised counter is an atomic here.
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
	numWorkers = 1024 * 1024
	bufferSize = 1024
)

func main() {
	runtime.GOMAXPROCS(2)
	var numCalcsCreated int64
	start := time.Now()
	calcPool := &sync.Pool{
		New: func() interface{} {
			atomic.AddInt64(&numCalcsCreated, 1)
			mem := make([]byte, bufferSize)
			return &mem
		},
	}
	// Seed the pool with 4KB
	calcPool.Put(calcPool.New())
	calcPool.Put(calcPool.New())
	calcPool.Put(calcPool.New())
	calcPool.Put(calcPool.New())
	var wg sync.WaitGroup
	wg.Add(numWorkers)
	for i := numWorkers; i > 0; i-- {
		go func() {
			defer wg.Done()
			mem := calcPool.Get().(*[]byte)
			defer calcPool.Put(mem)
			if len(*mem) != bufferSize {
				panic("B11: wrong buffer size")
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	created := atomic.LoadInt64(&numCalcsCreated)
	if created < 4 {
		fmt.Fprintf(os.Stderr, "B11: %d buffers created, want at least the 4 initial buffers\n", created)
		os.Exit(1)
	}
	fmt.Printf("RESULT name=B11_pool_total value=%.2f unit=ms\n", float64(elapsed.Nanoseconds())/1e6)
	fmt.Printf("RESULT name=B11_pool_created value=%d unit=buffers\n", created)
}
