package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"skillpath/internal/testdb"
	"skillpath/store"
)

// TestBulkUnfinishedIsRefused checks the crash rule of a bulk load on
// SQLite (which loads without syncing): a load that did not finish leaves
// a file Open refuses, naming what to do; a finished one opens.
func TestBulkUnfinishedIsRefused(t *testing.T) {
	ctx := context.Background()
	stop := errors.New("stopped midway")
	for _, tc := range []struct {
		name    string
		fail    bool
		refused bool
	}{{"finished", false, false}, {"stopped midway", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			url := testdb.URL(t, "sqlite")
			st, err := store.Open(ctx, url, testdb.Logger(t))
			if err != nil {
				t.Fatal(err)
			}
			err = st.Bulk(ctx, func(b *store.Bulk) error {
				b.Table("groups", "id", "name", "created_at").Add(1, "Company", 0)
				if tc.fail {
					return stop
				}
				return nil
			})
			st.Close()
			if tc.fail && !errors.Is(err, stop) || !tc.fail && err != nil {
				t.Fatalf("Bulk: %v", err)
			}
			again, err := store.Open(ctx, url, testdb.Logger(t))
			if tc.refused {
				if err == nil || !strings.Contains(err.Error(), "delete it and generate again") {
					t.Fatalf("Open after an unfinished load: %v, want a refusal", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open after a finished load: %v", err)
			}
			again.Close()
		})
	}
}
