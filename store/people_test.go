package store_test

import (
	"fmt"
	"strings"
	"testing"

	"skillpath"
	"skillpath/internal/testdb"
	"skillpath/store"
)

// TestPeople: the people list's scope, filters, sorts and cursor, on both
// databases alike. Everyone registers at the same moment here, so the
// registration order is the ids'; names sort by their bytes.
func TestPeople(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		north := mustGroup(t, st, "North", 0)
		east := mustGroup(t, st, "East", north)
		south := mustGroup(t, st, "South", 0)
		admin := &skillpath.User{ID: 0, PlatformAdmin: true}
		for i, spec := range []struct {
			name  string
			group skillpath.ID
		}{{"Émilie", east}, {"bruno", north}, {"Chloé 50%", south}, {"Ana_b", east}, {"Dan", south}} {
			u := &skillpath.User{Email: fmt.Sprintf("U%d@Example.com", i), Name: spec.name, GroupIDs: []skillpath.ID{spec.group},
				CustomFields: map[string]string{"region": []string{"EMEA", "APAC"}[i%2]}}
			if err := st.CreateUser(ctx, u, ""); err != nil {
				t.Fatal(err)
			}
		}
		olga := mustUser(t, st, "olga@example.com")
		if err := st.AddStaff(ctx, skillpath.Staff{GroupID: north, UserID: olga.ID, Role: skillpath.RoleCoach}); err != nil {
			t.Fatal(err)
		}
		list := func(f store.PeopleFilter) string {
			t.Helper()
			var got []string
			for {
				users, next, err := st.People(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range users {
					got = append(got, u.Name)
				}
				if next == "" {
					return strings.Join(got, "|")
				}
				f.After = next
			}
		}
		cases := []struct {
			name string
			f    store.PeopleFilter
			want string
		}{
			{"admin, by name, pages of 2", store.PeopleFilter{Caller: admin, Limit: 2, Query: "u"}, "Ana_b|Chloé 50%|Dan|User olga@example.com|bruno|Émilie"},
			{"descending", store.PeopleFilter{Caller: admin, Limit: 2, Query: "@example.com", Sort: "-name"}, "Émilie|bruno|User olga@example.com|Dan|Chloé 50%|Ana_b"},
			{"by email", store.PeopleFilter{Caller: admin, Limit: 2, Sort: "email", Query: "u"}, "User olga@example.com|Émilie|bruno|Chloé 50%|Ana_b|Dan"},
			{"by registration, newest first", store.PeopleFilter{Caller: admin, Limit: 2, Sort: "-registered_at", Query: "u"}, "User olga@example.com|Dan|Ana_b|Chloé 50%|bruno|Émilie"},
			{"search ignores case, Unicode too", store.PeopleFilter{Caller: admin, Query: "ÉMI"}, "Émilie"},
			{"search wildcards are text", store.PeopleFilter{Caller: admin, Query: "50%"}, "Chloé 50%"},
			{"underscore is text", store.PeopleFilter{Caller: admin, Query: "a_b"}, "Ana_b"},
			{"group with subgroups", store.PeopleFilter{Caller: admin, GroupIDs: []skillpath.ID{north}}, "Ana_b|bruno|Émilie"},
			{"custom field", store.PeopleFilter{Caller: admin, FieldKey: "region", FieldValue: "APAC"}, "Ana_b|bruno"},
			{"a coach sees their groups and subgroups", store.PeopleFilter{Caller: olga, Limit: 1}, "Ana_b|bruno|Émilie"},
			{"a coach's group filter outside their scope", store.PeopleFilter{Caller: olga, GroupIDs: []skillpath.ID{south}}, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				if got := list(tc.f); got != tc.want {
					t.Errorf("%s, want %s", got, tc.want)
				}
			})
		}
		_, _, err := st.People(ctx, store.PeopleFilter{Caller: admin, Sort: "age"})
		wantCode(t, err, skillpath.EINVALID)
		_, _, err = st.People(ctx, store.PeopleFilter{Caller: admin, After: "not-a-cursor"})
		wantCode(t, err, skillpath.EINVALID)
	})
}
