// B7 memory, P=2: N goroutines blocked receiving on one unbuffered channel.
// Figures: (VmRSS after - VmRSS before) / N in KiB per goroutine, and the ms
// to close the channel and wait until all N have finished. N = 100k, then 1M.
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// rssKiB returns VmRSS from /proc/self/status (the kernel reports it in kB).
func rssKiB() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		fmt.Fprintln(os.Stderr, "B7:", err)
		os.Exit(1)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "VmRSS:") {
			fields := strings.Fields(line)
			v, err := strconv.ParseInt(fields[1], 10, 64)
			if err == nil {
				return v
			}
		}
	}
	fmt.Fprintln(os.Stderr, "B7: no VmRSS in /proc/self/status")
	os.Exit(1)
	return 0
}

func run(n int, label string) {
	ch := make(chan struct{})
	var started, wg sync.WaitGroup
	before := rssKiB()
	started.Add(n)
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			started.Done()
			<-ch
			wg.Done()
		}()
	}
	started.Wait()
	after := rssKiB()
	start := time.Now()
	close(ch)
	wg.Wait()
	elapsed := time.Since(start)
	fmt.Printf("RESULT name=B7_mem_%s value=%.3f unit=KiB\n", label, float64(after-before)/float64(n))
	fmt.Printf("RESULT name=B7_wake_%s value=%.3f unit=ms\n", label, float64(elapsed.Nanoseconds())/1e6)
}

func main() {
	runtime.GOMAXPROCS(2)
	run(100_000, "100k")
	run(1_000_000, "1m")
}
