package server_test

import (
	"os"
	"testing"
)

// TestMain closes what the tests of this package share once they have all
// run: the browser, and the databases the benchmarks generated.
func TestMain(m *testing.M) {
	code := m.Run()
	if theBrowser != nil {
		theBrowser.Close()
	}
	for _, drop := range benchDrops {
		drop()
	}
	os.Exit(code)
}
