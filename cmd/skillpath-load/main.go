// Command skillpath-load measures learners answering over HTTP: it starts
// `skillpath serve` on loopback on a fresh database, lets N concurrent
// learners answer questions for a while, prints the answers per second
// beside the database's floor measured in the same run and their ratio,
// stops the server and runs `skillpath recompute --check` on the database
// (docs/PERFORMANCE.md, "Learner answers"; `make perf` runs it for both
// databases).
//
//	skillpath-load [--dialect sqlite|postgres] [--skillpath bin/skillpath] [--learners 64] [--duration 15s] [--rounds 3]
//
// The floor and the answers are measured in rounds, one after the other,
// and the median round's ratio is printed: on a shared machine whose load
// drifts, a ratio taken within seconds is steadier.
//
// The floor: on SQLite, transactions of insert + update + insert, one
// commit each, through the same driver and settings as the store; on
// PostgreSQL, pgbench's simple-update (pgbench -N) with as many clients as
// learners, or the same transaction through pgx when pgbench is missing.
// PostgreSQL is the server of SKILLPATH_TEST_POSTGRES (default the local
// database "test"); the run uses a schema of its own, dropped afterwards.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"skillpath/internal/load"
	"skillpath/internal/testdb"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "skillpath-load:", err)
		os.Exit(1)
	}
}

const (
	adminEmail    = "load-admin@example.com"
	adminPassword = "load-admin-password"
)

func run(ctx context.Context) error {
	dialect := flag.String("dialect", "sqlite", "database: sqlite or postgres")
	binary := flag.String("skillpath", "bin/skillpath", "the skillpath command to serve and check with")
	learners := flag.Int("learners", 64, "concurrent learners")
	duration := flag.Duration("duration", 15*time.Second, "how long the learners answer, all rounds together")
	floorDuration := flag.Duration("floor-duration", 3*time.Second, "how long the floor is measured in each round")
	rounds := flag.Int("rounds", 3, "rounds of floor then answers; the median round's ratio is the result")
	flag.Parse()
	if *dialect != "sqlite" && *dialect != "postgres" {
		return fmt.Errorf("--dialect %q: sqlite or postgres", *dialect)
	}
	if *learners < 1 {
		return fmt.Errorf("--learners %d: at least 1", *learners)
	}
	dir, err := os.MkdirTemp("", "skillpath-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dbURL, drop, err := testdb.Create(*dialect, dir)
	if err != nil {
		return err
	}
	defer drop()

	addr, err := freeAddr()
	if err != nil {
		return err
	}
	logPath := filepath.Join(dir, "serve.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	srv := exec.Command(*binary, "serve", "--db", dbURL, "--addr", addr)
	srv.Env = append(os.Environ(), "SKILLPATH_ADMIN_EMAIL="+adminEmail, "SKILLPATH_ADMIN_PASSWORD="+adminPassword)
	srv.Stdout, srv.Stderr = logFile, logFile
	if err := srv.Start(); err != nil {
		return fmt.Errorf("start %s serve: %w", *binary, err)
	}
	stopServer := func() error {
		if srv.Process == nil || srv.ProcessState != nil {
			return nil
		}
		_ = srv.Process.Signal(syscall.SIGTERM)
		return srv.Wait()
	}
	defer stopServer()
	base := "http://" + addr
	c := load.Client(*learners)
	if err := waitHealthy(ctx, c, base); err != nil {
		return fmt.Errorf("%w (server log: %s)", err, tail(logPath))
	}
	token, err := load.Login(ctx, c, base, adminEmail, adminPassword)
	if err != nil {
		return err
	}
	cfg := load.Config{BaseURL: base, AdminToken: token, Learners: *learners}
	f, err := load.Setup(ctx, c, cfg)
	if err != nil {
		return err
	}

	floorWhat := "insert + update + insert transactions through modernc.org/sqlite, WAL, synchronous=NORMAL"
	floor := func(ctx context.Context) (float64, error) {
		if *dialect == "sqlite" {
			return load.SQLiteFloor(ctx, dir, *learners, *floorDuration)
		}
		tps, what, err := load.PostgresFloor(ctx, testdb.PostgresURL(), *learners, *floorDuration)
		floorWhat = what
		return tps, err
	}
	cfg.Duration = *duration / time.Duration(max(1, *rounds))
	list, err := load.Compare(ctx, max(1, *rounds), floor, func(ctx context.Context) (load.Result, error) {
		return load.Run(ctx, cfg, f)
	})
	if err != nil {
		return fmt.Errorf("%w (server log: %s)", err, tail(logPath))
	}
	for i, r := range list {
		fmt.Printf("%s round %d: %.0f answers/s (%d answers, %d retakes in %s), floor %.0f/s, ratio %.2f\n", *dialect, i+1,
			r.Result.PerSecond(), r.Result.Answers, r.Result.Retakes, r.Result.Elapsed.Round(time.Millisecond), r.Floor, r.Ratio())
	}
	m := load.Median(list)
	fmt.Printf("%s, %d learners over HTTP: %.0f answers/s; floor (%s): %.0f/s; ratio %.2f (median of %d rounds)\n",
		*dialect, *learners, m.Result.PerSecond(), floorWhat, m.Floor, m.Ratio(), len(list))

	if err := stopServer(); err != nil {
		return fmt.Errorf("stop the server: %w", err)
	}
	check := exec.CommandContext(ctx, *binary, "recompute", "--db", dbURL, "--check")
	check.Stdout, check.Stderr = os.Stdout, os.Stderr
	if err := check.Run(); err != nil {
		return fmt.Errorf("recompute --check after the load: %w", err)
	}
	return nil
}

// freeAddr picks a free loopback port.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitHealthy(ctx context.Context, c *http.Client, base string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/healthz", nil)
		if resp, err := c.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return errors.New("the server did not answer /healthz within 60 s")
}

// tail is the end of the server's log, for an error message.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
