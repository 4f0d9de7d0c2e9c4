// Its own module: golang.org/x/time comes from Debian's golang-golang-x-time-dev
// (scripts/install-deps.sh --bench), never from the network.
module gocxxbench/ratelimiter

go 1.19

require golang.org/x/time v0.3.0

replace golang.org/x/time => /usr/share/gocode/src/golang.org/x/time
