// B10 fan-out: the tutorial's prime finder in its style: repeatFn of random ints
// below 50,000,000 (splitmix64, seed 1), prime finders (trial division by d in
// [2, sqrt(n)]) reading that one stream, merged by fanIn, take the first 10,000
// primes. One finder, then runtime.NumCPU() finders. Figures: ms each, speed-up.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

const (
	primes       = 10_000
	bound        = 50_000_000
	sumOneFinder = 242_801_809_722
)

type splitMix64 struct{ state uint64 }

func (s *splitMix64) next() uint64 {
	s.state += 0x9e3779b97f4a7c15
	z := s.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func isPrime(n int64) bool {
	if n < 2 {
		return false
	}
	for d := int64(2); d*d <= n; d++ {
		if n%d == 0 {
			return false
		}
	}
	return true
}

func repeatFn(done <-chan struct{}, fn func() int64) <-chan int64 {
	out := make(chan int64)
	go func() {
		defer close(out)
		for {
			select {
			case <-done:
				return
			case out <- fn():
			}
		}
	}()
	return out
}

func primeFinder(done <-chan struct{}, in <-chan int64) <-chan int64 {
	out := make(chan int64)
	go func() {
		defer close(out)
		for n := range in {
			if !isPrime(n) {
				continue
			}
			select {
			case <-done:
				return
			case out <- n:
			}
		}
	}()
	return out
}

func fanIn(done <-chan struct{}, channels ...<-chan int64) <-chan int64 {
	var wg sync.WaitGroup
	out := make(chan int64)
	multiplex := func(c <-chan int64) {
		defer wg.Done()
		for v := range c {
			select {
			case <-done:
				return
			case out <- v:
			}
		}
	}
	wg.Add(len(channels))
	for _, c := range channels {
		go multiplex(c)
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}

func take(done <-chan struct{}, in <-chan int64, n int) <-chan int64 {
	out := make(chan int64)
	go func() {
		defer close(out)
		for i := 0; i < n; i++ {
			var v int64
			var ok bool
			select {
			case <-done:
				return
			case v, ok = <-in:
				if !ok {
					return
				}
			}
			select {
			case <-done:
				return
			case out <- v:
			}
		}
	}()
	return out
}

func findPrimes(finders int) float64 {
	start := time.Now()
	done := make(chan struct{})
	rng := splitMix64{1}
	randInts := repeatFn(done, func() int64 { return int64(rng.next() % bound) })
	found := make([]<-chan int64, finders)
	for i := range found {
		found[i] = primeFinder(done, randInts)
	}
	var sum int64
	count := 0
	for p := range take(done, fanIn(done, found...), primes) {
		sum += p
		count++
	}
	close(done)
	ms := float64(time.Since(start).Nanoseconds()) / 1e6
	if count != primes || (finders == 1 && sum != sumOneFinder) {
		fmt.Fprintf(os.Stderr, "B10: %d primes, sum %d\n", count, sum)
		os.Exit(1)
	}
	return ms
}

func main() {
	if len(os.Args) > 1 { // one phase alone, for profiling: b10_fanout FINDERS
		finders, err := strconv.Atoi(os.Args[1])
		if err != nil || finders < 1 {
			finders = 1
		}
		fmt.Printf("RESULT name=B10_fanout_%s value=%.3f unit=ms\n", os.Args[1], findPrimes(finders))
		return
	}
	cpus := runtime.NumCPU()
	one := findPrimes(1)
	many := findPrimes(cpus)
	fmt.Printf("RESULT name=B10_fanout_1 value=%.3f unit=ms\n", one)
	fmt.Printf("RESULT name=B10_fanout_ncpu value=%.3f unit=ms\n", many)
	fmt.Printf("RESULT name=B10_speedup value=%.3f unit=x\n", one/many)
}
