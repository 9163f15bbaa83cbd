package store_test

import (
	"context"
	"strings"
	"testing"

	"skillpath/internal/testdb"
	"skillpath/internal/testorg"
)

// The learning pass reads an enrollment's latest module attempts and their
// answers through the answers' index on every database, also where the
// planner has no statistics: tables grown since their last ANALYZE (a new
// database, autovacuum off or not yet round). As a plain join PostgreSQL
// then hashed the whole answers table for each answer (docs/PERFORMANCE.md,
// "issue 12, fifth session").
func TestProgressReadUsesAnswersIndex(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := testdb.Open(t, dialect, testorg.Now)
		org := testorg.Build(t, st)
		ctx := context.Background()
		// 300 more attempts of every module attempted, each with an answer
		// to every activity of its module: about 20,000 answers, never
		// analyzed.
		if err := st.ExecSQL(ctx,
			`INSERT INTO module_attempts (enrollment_id, module_id, number, started_at)
				WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
				SELECT ma.enrollment_id, ma.module_id, 1000 + n.i, ma.started_at FROM module_attempts ma, n WHERE ma.number = 1`,
			`INSERT INTO answers (module_attempt_id, activity_id, answered_at)
				SELECT ma.id, a.id, ma.started_at FROM module_attempts ma JOIN activities a ON a.module_id = ma.module_id WHERE ma.number > 1000`,
		); err != nil {
			t.Fatal(err)
		}
		plan, err := st.ExplainProgress(ctx, org.Enrollments["Chloe Forklift Rolling"])
		if err != nil {
			t.Fatal(err)
		}
		var read bool
		if dialect == "postgres" {
			read = strings.Contains(plan, `"Index Cond": "(module_attempt_id = ma.id)"`) && !strings.Contains(plan, `"Seq Scan"`)
		} else {
			read = strings.Contains(plan, "SEARCH a USING") && !strings.Contains(plan, "SCAN a")
		}
		if !read {
			t.Errorf("the progress read does not reach the answers through their index:\n%s", plan)
		}
	})
}
