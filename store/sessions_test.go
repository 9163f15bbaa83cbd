package store_test

import (
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/testdb"
)

// TestSessions creates, lists, archives and deletes the sessions of a
// training (SPEC §2): archiving happens once, and a deleted session is gone
// from every read.
func TestSessions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		tr := fullTraining(nil, nil, nil, nil)
		if err := st.CreateTraining(ctx, tr); err != nil {
			t.Fatal(err)
		}
		// Created in the opposite order of their starts, to show ListSessions sorts.
		ends := time.Date(2026, 6, 30, 17, 0, 0, 0, time.UTC)
		autumn := &skillpath.Session{TrainingID: tr.ID, Name: "Autumn", StartsAt: time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC), AutoReenroll: true}
		spring := &skillpath.Session{TrainingID: tr.ID, Name: "Spring", StartsAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.FixedZone("CET", 3600)), EndsAt: &ends}
		for _, se := range []*skillpath.Session{autumn, spring} {
			if err := st.CreateSession(ctx, se); err != nil {
				t.Fatal(err)
			}
			got, err := st.FindSession(ctx, se.ID)
			if err != nil || !equalJSON(got, se) {
				t.Errorf("FindSession = %+v, %v; want %+v", got, err, se)
			}
		}
		if list, err := st.ListSessions(ctx, tr.ID); err != nil || !equalJSON(list, []*skillpath.Session{spring, autumn}) {
			t.Errorf("ListSessions = %v, %v; want Spring then Autumn", list, err)
		}

		before := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for _, tc := range []struct {
			name    string
			session skillpath.Session
			code    string
		}{
			{"unknown training", skillpath.Session{TrainingID: 999999, Name: "S", StartsAt: now}, skillpath.ENOTFOUND},
			{"no name", skillpath.Session{TrainingID: tr.ID, StartsAt: now}, skillpath.EINVALID},
			{"no start", skillpath.Session{TrainingID: tr.ID, Name: "S"}, skillpath.EINVALID},
			{"ends before it starts", skillpath.Session{TrainingID: tr.ID, Name: "S", StartsAt: now, EndsAt: &before}, skillpath.EINVALID},
		} {
			t.Run(tc.name, func(t *testing.T) { wantCode(t, st.CreateSession(ctx, &tc.session), tc.code) })
		}

		archived, err := st.ArchiveSession(ctx, spring.ID)
		if err != nil || archived.ArchivedAt == nil || !archived.ArchivedAt.Equal(now) {
			t.Fatalf("ArchiveSession = %+v, %v; want archived at %s", archived, err, now)
		}
		_, err = st.ArchiveSession(ctx, spring.ID)
		wantCode(t, err, skillpath.ECONFLICT)
		_, err = st.ArchiveSession(ctx, 999999)
		wantCode(t, err, skillpath.ENOTFOUND)

		if err := st.DeleteSession(ctx, spring.ID); err != nil {
			t.Fatalf("deleting an archived session: %v", err)
		}
		_, err = st.FindSession(ctx, spring.ID)
		wantCode(t, err, skillpath.ENOTFOUND)
		wantCode(t, st.DeleteSession(ctx, spring.ID), skillpath.ENOTFOUND)
		_, err = st.ArchiveSession(ctx, spring.ID)
		wantCode(t, err, skillpath.ENOTFOUND)
		wantCode(t, st.DeleteSession(ctx, 999999), skillpath.ENOTFOUND)
		if list, err := st.ListSessions(ctx, tr.ID); err != nil || !equalJSON(list, []*skillpath.Session{autumn}) {
			t.Errorf("ListSessions after deleting Spring = %v, %v; want Autumn only", list, err)
		}
	})
}
