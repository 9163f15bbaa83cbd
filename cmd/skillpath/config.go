package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"skillpath"
)

// config is what every command shares: the database, the clock and the
// platform's time zone.
type config struct {
	db       string
	timezone string
	now      string
}

// register adds the shared flags, their defaults taken from the environment.
func (c *config) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&c.db, "db", envOr(getenv, "SKILLPATH_DB", "sqlite:skillpath.db"), "database: sqlite:PATH or postgres://… (env SKILLPATH_DB)")
	fs.StringVar(&c.timezone, "timezone", envOr(getenv, "SKILLPATH_TZ", "UTC"), "platform time zone for dates shown to people, e.g. Europe/Paris (env SKILLPATH_TZ)")
	c.now = getenv("SKILLPATH_NOW")
}

// zone returns the platform's time zone.
func (c *config) zone() (*time.Location, error) {
	z, err := time.LoadLocation(c.timezone)
	if err != nil {
		return nil, fmt.Errorf("--timezone %q: not a known time zone (try UTC or Europe/Paris)", c.timezone)
	}
	return z, nil
}

// clock returns the business clock, frozen when SKILLPATH_NOW is set.
func (c *config) clock() (skillpath.Clock, error) {
	if c.now == "" {
		return skillpath.SystemClock, nil
	}
	t, err := time.Parse(time.RFC3339Nano, c.now)
	if err != nil {
		return nil, fmt.Errorf("SKILLPATH_NOW %q: not an RFC 3339 time such as 2026-01-31T09:00:00Z", c.now)
	}
	return skillpath.FixedClock(t), nil
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// envInt reads a whole number from the environment, def when unset.
func envInt(getenv func(string) string, key string, def int) (int, error) {
	v := getenv(key)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s %q: not a whole number", key, v)
	}
	return n, nil
}

// envBool reads true or false from the environment, def when unset.
func envBool(getenv func(string) string, key string, def bool) (bool, error) {
	v := getenv(key)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s %q: must be true or false", key, v)
	}
	return b, nil
}

// parse reads a command's flags; help is true when -h asked for the usage,
// which the flag set has printed and which is not an error.
// A word that is not a flag is refused: the flag package stops there and
// would ignore every flag after it.
func parse(fs *flag.FlagSet, args []string) (help bool, err error) {
	err = fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return true, nil
	}
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("%s: unexpected argument %q (flags are written --name value; see %[1]s -h)", fs.Name(), fs.Arg(0))
	}
	return false, err
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	return fs
}
