// go_bench: round trips per second of go-libvirt (Debian's golang-github-digitalocean-go-libvirt-dev),
// a pure-Go peer, in make bench.
//
//	go_bench SOCKET URI SECONDS [CLIENTS]
//
// CLIENTS goroutines (default 1), each with its own connection to the unix socket SOCKET opened
// on URI (test:///default), call ConnectGetLibVersion in a loop for SECONDS, all starting
// together. Prints "go-libvirt <clients> clients: <calls> in <seconds> s = <rate> rt/s".
// Built offline by bench/peers.py (GO111MODULE=off, GOPATH=/usr/share/gocode).
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
)

type result struct {
	calls   uint64
	seconds float64
	err     error
}

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "--help" || os.Args[1] == "-h") {
		fmt.Println("usage: go_bench SOCKET URI SECONDS [CLIENTS]")
		return
	}
	if len(os.Args) < 4 || len(os.Args) > 5 {
		fmt.Fprintln(os.Stderr, "usage: go_bench SOCKET URI SECONDS [CLIENTS]")
		os.Exit(2)
	}
	secs, err := strconv.ParseFloat(os.Args[3], 64)
	if err != nil || secs <= 0 {
		fmt.Fprintf(os.Stderr, "go_bench: SECONDS must be a positive number, not %q\n", os.Args[3])
		os.Exit(2)
	}
	clients := 1
	if len(os.Args) == 5 {
		clients, err = strconv.Atoi(os.Args[4])
		if err != nil || clients < 1 || clients > 256 {
			fmt.Fprintf(os.Stderr, "go_bench: CLIENTS must be 1..256, not %q\n", os.Args[4])
			os.Exit(2)
		}
	}
	conns := make([]*libvirt.Libvirt, clients)
	for i := range conns {
		l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(os.Args[1]),
			dialers.WithLocalTimeout(5*time.Second)))
		if err := l.ConnectToURI(libvirt.ConnectURI(os.Args[2])); err != nil {
			fmt.Fprintf(os.Stderr, "go_bench: cannot open %s on %s: %v\n", os.Args[2], os.Args[1], err)
			os.Exit(1)
		}
		conns[i] = l
	}
	results := make([]result, clients)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, l := range conns {
		wg.Add(1)
		go func(i int, l *libvirt.Libvirt) {
			defer wg.Done()
			<-start
			t0 := time.Now()
			end := t0.Add(time.Duration(secs * float64(time.Second)))
			var n uint64
			for time.Now().Before(end) {
				for j := 0; j < 50; j++ {
					if _, err := l.ConnectGetLibVersion(); err != nil {
						results[i] = result{n, time.Since(t0).Seconds(), err}
						return
					}
				}
				n += 50
			}
			results[i] = result{n, time.Since(t0).Seconds(), nil}
		}(i, l)
	}
	close(start)
	wg.Wait()
	var calls uint64
	var rate, longest float64
	for _, r := range results {
		if r.err != nil {
			fmt.Fprintf(os.Stderr, "go_bench: call failed: %v\n", r.err)
			os.Exit(1)
		}
		calls += r.calls
		rate += float64(r.calls) / r.seconds
		if r.seconds > longest {
			longest = r.seconds
		}
	}
	for _, l := range conns {
		l.Disconnect()
	}
	fmt.Printf("go-libvirt %d clients: %d in %.2f s = %.0f rt/s\n", clients, calls, longest, rate)
}
