// The Go program that deadlock_scenarios.cpp's "twin" scenario mirrors line for
// line: deadlock_test.cpp builds it with the system's Go and compares the two
// reports block by block.
package main

import "sync"

func receiver(ch chan int) {
	<-ch
}

func sender(ch chan int) {
	ch <- 1
}

func selector(a, b chan int) {
	select {
	case <-a:
	case b <- 1:
	}
}

func locker(mu *sync.Mutex) {
	mu.Lock()
}

func waiter(wg *sync.WaitGroup) {
	wg.Wait()
}

func spawn(in, out, a, b chan int, mu *sync.Mutex, wg *sync.WaitGroup) {
	go receiver(in)
	go sender(out)
	go selector(a, b)
	go locker(mu)
	go waiter(wg)
}

func main() {
	in, out, a, b := make(chan int), make(chan int), make(chan int), make(chan int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	mu.Lock()
	wg.Add(1)
	spawn(in, out, a, b, &mu, &wg)
	<-in
}
