// B3 skynet: a tree of 1,000,000 leaves, 10 children per node. Each node
// makes ONE result channel of capacity div, its children send into it, and it
// sends the sum of the div values up. Figure: total ms, for P=1 and P=2.
package main

import (
	"fmt"
	"os"
	"runtime"
	"time"
)

const (
	leaves = 1_000_000
	div    = 10
	want   = 499999500000
)

func skynet(c chan<- int64, num, size, div int64) {
	if size == 1 {
		c <- num
		return
	}
	rc := make(chan int64, div)
	size /= div
	for i := int64(0); i < div; i++ {
		go skynet(rc, num+i*size, size, div)
	}
	var sum int64
	for i := int64(0); i < div; i++ {
		sum += <-rc
	}
	c <- sum
}

func main() {
	for _, p := range []int{1, 2} {
		runtime.GOMAXPROCS(p)
		start := time.Now()
		c := make(chan int64, 1)
		go skynet(c, 0, leaves, div)
		sum := <-c
		elapsed := time.Since(start)
		if sum != want {
			fmt.Fprintf(os.Stderr, "B3: sum %d, want %d\n", sum, want)
			os.Exit(1)
		}
		fmt.Printf("RESULT name=B3_skynet_P%d value=%.3f unit=ms\n", p,
			float64(elapsed.Nanoseconds())/1e6)
	}
}
