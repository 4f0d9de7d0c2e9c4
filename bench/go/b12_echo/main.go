// B12 tcp echo over loopback, P=2: an echo server (a goroutine per connection)
// and 100 client goroutines, each doing 1,000 round trips of a 64-byte message on
// its own connection. Figures: ns per round trip (elapsed / 100,000) and the 99th
// percentile of one round trip's latency in us.
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sort"
	"sync"
	"time"
)

const (
	clients    = 100
	roundTrips = 1000
	message    = 64
)

func serve(ln net.Listener) {
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				buf := make([]byte, message)
				for {
					if _, err := io.ReadFull(c, buf); err != nil {
						break
					}
					if _, err := c.Write(buf); err != nil {
						break
					}
				}
				c.Close()
			}(c)
		}
	}()
}

func load(addr string) (time.Duration, []float64) {
	perClient := make([][]float64, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			msg := make([]byte, message)
			for k := range msg {
				msg[k] = byte('a' + i%26)
			}
			buf := make([]byte, message)
			lat := make([]float64, 0, roundTrips)
			for k := 0; k < roundTrips; k++ {
				s := time.Now()
				if _, err := c.Write(msg); err != nil {
					os.Exit(1)
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					os.Exit(1)
				}
				lat = append(lat, float64(time.Since(s).Nanoseconds())/1e3)
			}
			perClient[i] = lat
			c.Close()
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []float64
	for _, v := range perClient {
		all = append(all, v...)
	}
	sort.Float64s(all)
	return elapsed, all
}

func report(prefix string, elapsed time.Duration, lat []float64) {
	fmt.Printf("RESULT name=%s_P2 value=%.3f unit=ns\n", prefix, float64(elapsed.Nanoseconds())/(clients*roundTrips))
	fmt.Printf("RESULT name=%s_p99_P2 value=%.3f unit=us\n", prefix, lat[len(lat)*99/100])
}

// With no arguments: server and clients in this process. "serve": print
// "LISTEN <addr>" and serve until killed. "client <addr>": load that server
// (bench/cross_echo.py pairs each client with each server).
func main() {
	runtime.GOMAXPROCS(2)
	if len(os.Args) > 2 && os.Args[1] == "client" {
		elapsed, lat := load(os.Args[2])
		report("B12x_echo", elapsed, lat)
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	serve(ln)
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		fmt.Printf("LISTEN %s\n", ln.Addr().String())
		select {}
	}
	elapsed, lat := load(ln.Addr().String())
	ln.Close()
	report("B12_echo", elapsed, lat)
}
