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

func main() {
	runtime.GOMAXPROCS(2)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
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
	addr := ln.Addr().String()
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
	ln.Close()
	var all []float64
	for _, v := range perClient {
		all = append(all, v...)
	}
	sort.Float64s(all)
	p99 := all[len(all)*99/100]
	fmt.Printf("RESULT name=B12_echo_P2 value=%.3f unit=ns\n", float64(elapsed.Nanoseconds())/(clients*roundTrips))
	fmt.Printf("RESULT name=B12_echo_p99_P2 value=%.3f unit=us\n", p99)
}
