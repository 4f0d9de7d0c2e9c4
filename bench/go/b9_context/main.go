// B9 context, P=2: 10,000 WithCancel children of one WithCancel root, a
// goroutine blocked on each child's Done(); cancel the root.
// Figure: us from calling the root's cancel until every goroutine has observed
// its child's Done() closing (the WaitGroup wait returns).
package main

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"
)

const (
	n            = 10_000
	settleYields = 10
)

func main() {
	runtime.GOMAXPROCS(2)
	root, cancelRoot := context.WithCancel(context.Background())
	cancels := make([]context.CancelFunc, 0, n)
	var started, finished sync.WaitGroup
	started.Add(n)
	finished.Add(n)
	for i := 0; i < n; i++ {
		ctx, cancel := context.WithCancel(root)
		cancels = append(cancels, cancel)
		go func() {
			done := ctx.Done()
			started.Done()
			<-done
			finished.Done()
		}()
	}
	// Every goroutine has reached its receive; yielding lets the last ones park.
	started.Wait()
	for i := 0; i < settleYields; i++ {
		runtime.Gosched()
	}
	start := time.Now()
	cancelRoot()
	finished.Wait()
	elapsed := time.Since(start)
	for _, c := range cancels {
		c()
	}
	fmt.Printf("RESULT name=B9_context_cancel value=%.3f unit=us\n", float64(elapsed.Nanoseconds())/1e3)
}
