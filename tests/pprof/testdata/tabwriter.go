// Formats a file through text/tabwriter exactly as runtime/pprof configures it
// (minwidth 1, tabwidth 8, padding 1, tab padding): pprof_test.cpp checks that
// gocxx's debug=1 text is what Go's tabwriter makes of the same cells.
package main

import (
	"os"
	"text/tabwriter"
)

func main() {
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	w := tabwriter.NewWriter(os.Stdout, 1, 8, 1, '\t', 0)
	w.Write(data)
	w.Flush()
}
