package server_test

import (
	"database/sql"
	"strings"
	"testing"

	"skillpath"
	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
	"skillpath/store"
)

// BenchmarkTrackingPages reads a training's tracking page and the /tracking
// overview, as a platform admin over HTTP, with 200,000 statements in the
// outbox (two trainings; 1% pending and 0.1% parked, the rest delivered).
//
//	go test -run '^$' -bench BenchmarkTrackingPages ./server
func BenchmarkTrackingPages(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			e := apitest.Start(b, dialect, webNow)
			ctx := b.Context()
			var trainings []skillpath.ID
			for _, title := range []string{"Forklift", "Data protection"} {
				tr := &skillpath.Training{Title: title, Modules: []*skillpath.Module{{Title: "M", MaxAttempts: 1,
					Activities: []*skillpath.Activity{{Title: "Read", Kind: skillpath.KindContent}}}}}
				if err := e.Store.CreateTraining(ctx, tr); err != nil {
					b.Fatal(err)
				}
				if _, err := e.Store.SetLRSDraft(ctx, tr.ID, store.LRSInput{Endpoint: "https://lrs.example.com/xapi/", Verbs: skillpath.Verbs}); err != nil {
					b.Fatal(err)
				}
				if _, err := e.Store.PublishTraining(ctx, tr.ID); err != nil {
					b.Fatal(err)
				}
				trainings = append(trainings, tr.ID)
			}
			fillOutbox(b, e.DBURL, trainings, 200_000)
			c := newWebClient(b, e.Server.URL)
			c.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
			for name, path := range map[string]string{"training": "/trainings/" + trainings[0].String() + "/tracking", "overview": "/tracking"} {
				b.Run(name, func(b *testing.B) {
					for b.Loop() {
						if p := c.get(path); p.Status != 200 {
							b.Fatal(p.Status)
						}
					}
				})
			}
		})
	}
}

// fillOutbox writes n statements straight into the outbox, alternating
// between the trainings, with a connection of its own.
func fillOutbox(b *testing.B, dbURL string, trainings []skillpath.ID, n int) {
	driver, dsn := "pgx", dbURL
	if path, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
		driver, dsn = "sqlite", "file:"+path+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
		INSERT INTO lrs_outbox (statement_id, training_id, verb, statement, state, attempts, next_attempt_at, last_error, created_at, parked_at)
		SELECT 'statement-' || i, CASE WHEN i % 2 = 0 THEN CAST($2 AS BIGINT) ELSE CAST($3 AS BIGINT) END, 'progressed', '{}',
			CASE WHEN i % 1000 = 0 THEN 'parked' WHEN i % 100 = 0 THEN 'pending' ELSE 'delivered' END, 1, 0,
			CASE WHEN i % 1000 = 0 THEN 'LRS answered 400 Bad Request' END, 0, CASE WHEN i % 1000 = 0 THEN 0 END
		FROM n`, n, int64(trainings[0]), int64(trainings[1])); err != nil {
		b.Fatal(err)
	}
	analyze := `ANALYZE`
	if driver == "pgx" {
		analyze = `VACUUM ANALYZE lrs_outbox` // as autovacuum would, after such a load
	}
	if _, err := db.Exec(analyze); err != nil {
		b.Fatal(err)
	}
}
