package store_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/testdb"
	"skillpath/store"
)

// TestCreateUserRoundTrip: what CreateUser stores is what FindUser reads,
// custom fields and groups included.
func TestCreateUserRoundTrip(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		g1, g2 := mustGroup(t, st, "One", 0), mustGroup(t, st, "Two", 0)
		registered := time.Date(2024, 5, 17, 14, 30, 0, 123_000_000, time.FixedZone("CEST", 2*3600))
		u := &skillpath.User{Email: "Ann.Lee@Example.com", Name: "Ann Lée", RegisteredAt: registered,
			CustomFields: map[string]string{"region": "North", "job": "Picker"}, GroupIDs: []skillpath.ID{g2, g1}, PlatformAdmin: true}
		if err := st.CreateUser(ctx, u, "a-good-password"); err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || u.Status != skillpath.UserActive || !u.RegisteredAt.Equal(registered) {
			t.Fatalf("created user %+v: want an id, status active and registered_at %s", u, registered)
		}
		got, err := st.FindUser(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := *u
		want.RegisteredAt = registered.UTC()
		want.GroupIDs = []skillpath.ID{g1, g2} // read back by id
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("FindUser = %+v\nwant       %+v", got, &want)
		}

		// registered_at defaults to the business time.
		plain := mustUser(t, st, "plain@example.com")
		if got, _ := st.FindUser(ctx, plain.ID); !got.RegisteredAt.Equal(now) || len(got.CustomFields) != 0 || len(got.GroupIDs) != 0 {
			t.Errorf("user without extras = %+v, want registered at %s, no fields, no groups", got, now)
		}
		_, err = st.FindUser(ctx, 999999)
		wantCode(t, err, skillpath.ENOTFOUND)
	})
}

// TestCreateUserRefused: emails are unique ignoring case, and bad input is
// refused without writing anything.
func TestCreateUserRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		mustUser(t, st, "taken@example.com")
		cases := []struct {
			name  string
			user  skillpath.User
			pass  string
			code  string
			field string
		}{
			{"same email", skillpath.User{Email: "taken@example.com", Name: "X"}, "", skillpath.ECONFLICT, "email"},
			{"email in other case", skillpath.User{Email: "TAKEN@Example.COM", Name: "X"}, "", skillpath.ECONFLICT, "email"},
			{"bad email", skillpath.User{Email: "not an email", Name: "X"}, "", skillpath.EINVALID, "email"},
			{"blank name", skillpath.User{Email: "x@example.com", Name: " "}, "", skillpath.EINVALID, "name"},
			{"bad field key", skillpath.User{Email: "x@example.com", Name: "X", CustomFields: map[string]string{"a b": "c"}}, "", skillpath.EINVALID, "custom_fields.a b"},
			{"unknown group", skillpath.User{Email: "x@example.com", Name: "X", GroupIDs: []skillpath.ID{999999}}, "", skillpath.EINVALID, "group_ids"},
			{"group twice", skillpath.User{Email: "x@example.com", Name: "X", GroupIDs: []skillpath.ID{1, 1}}, "", skillpath.EINVALID, "group_ids"},
			{"short password", skillpath.User{Email: "x@example.com", Name: "X"}, "short", skillpath.EINVALID, "password"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				u := tc.user
				err := st.CreateUser(ctx, &u, tc.pass)
				wantCode(t, err, tc.code)
				if e := err.(*skillpath.Error); e.Field != tc.field {
					t.Errorf("field %q, want %q", e.Field, tc.field)
				}
			})
		}
		if n, err := st.CountUsers(ctx); err != nil || n != 1 {
			t.Errorf("CountUsers = %d, %v; want 1: a refused user was written", n, err)
		}
	})
}

// TestListUsers pages through users by id and filters them by status and
// by a part of the name or email in any case.
func TestListUsers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		var all []skillpath.ID
		for _, email := range []string{"ann@north.example", "bob@south.example", "cy@north.example", "dee@south.example", "eve@north.example"} {
			all = append(all, mustUser(t, st, email).ID)
		}
		accented := &skillpath.User{Email: "emile@west.example", Name: "Émile Ølund"}
		if err := st.CreateUser(ctx, accented, ""); err != nil {
			t.Fatal(err)
		}
		all = append(all, accented.ID)
		if err := st.DeleteUser(ctx, all[1]); err != nil {
			t.Fatal(err)
		}

		// Paging with Limit 2 visits every user once, in id order.
		var seen []skillpath.ID
		pages := 0
		for after := skillpath.ID(0); pages == 0 || after != 0; pages++ {
			users, next, err := st.ListUsers(ctx, store.UserFilter{After: after, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range users {
				seen = append(seen, u.ID)
			}
			if next != 0 && next != users[len(users)-1].ID {
				t.Fatalf("next = %s, want the page's last id %s", next, users[len(users)-1].ID)
			}
			after = next
		}
		if !slices.Equal(seen, all) || pages != 3 {
			t.Errorf("paged ids %v in %d pages, want %v in 3 pages", seen, pages, all)
		}

		cases := []struct {
			name   string
			filter store.UserFilter
			want   []skillpath.ID
		}{
			{"all statuses", store.UserFilter{}, all},
			{"active", store.UserFilter{Status: skillpath.UserActive}, []skillpath.ID{all[0], all[2], all[3], all[4], all[5]}},
			{"deleted", store.UserFilter{Status: skillpath.UserDeleted}, []skillpath.ID{all[1]}},
			{"query on email, any case", store.UserFilter{Query: "NORTH"}, []skillpath.ID{all[0], all[2], all[4]}},
			{"query on name", store.UserFilter{Query: "user dee"}, []skillpath.ID{all[3]}},
			{"query on non-ASCII capitals", store.UserFilter{Query: "émile ølund"}, []skillpath.ID{all[5]}},
			{"query in non-ASCII capitals", store.UserFilter{Query: "ÉMILE"}, []skillpath.ID{all[5]}},
			{"query and status", store.UserFilter{Query: "south", Status: skillpath.UserActive}, []skillpath.ID{all[3]}},
			{"query matching none", store.UserFilter{Query: "zed"}, nil},
			{"after and limit", store.UserFilter{After: all[0], Limit: 3}, all[1:4]},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				users, _, err := st.ListUsers(ctx, tc.filter)
				if err != nil {
					t.Fatal(err)
				}
				var got []skillpath.ID
				for _, u := range users {
					got = append(got, u.ID)
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("ids %v, want %v", got, tc.want)
				}
			})
		}
	})
}

// TestUpdateUser changes only what is given and refuses bad input.
func TestUpdateUser(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		g1, g2, g3 := mustGroup(t, st, "One", 0), mustGroup(t, st, "Two", 0), mustGroup(t, st, "Three", 0)
		u := &skillpath.User{Email: "u@example.com", Name: "Old", CustomFields: map[string]string{"a": "1", "b": "2"}, GroupIDs: []skillpath.ID{g1}}
		if err := st.CreateUser(ctx, u, "old-password"); err != nil {
			t.Fatal(err)
		}
		name, fields, groups, admin, pass := "New", map[string]string{"c": "3"}, []skillpath.ID{g3, g2}, true, "new-password"
		got, err := st.UpdateUser(ctx, u.ID, store.UserUpdate{Name: &name, CustomFields: &fields, GroupIDs: &groups, PlatformAdmin: &admin, Password: &pass})
		if err != nil {
			t.Fatal(err)
		}
		stored, err := st.FindUser(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, stored) {
			t.Errorf("UpdateUser returned %+v, the store holds %+v", got, stored)
		}
		if stored.Name != "New" || !reflect.DeepEqual(stored.CustomFields, fields) || !slices.Equal(stored.GroupIDs, []skillpath.ID{g2, g3}) || !stored.PlatformAdmin {
			t.Errorf("updated user = %+v", stored)
		}
		if _, err := st.Login(ctx, "u@example.com", "new-password"); err != nil {
			t.Errorf("login with the new password: %v", err)
		}
		_, err = st.Login(ctx, "u@example.com", "old-password")
		wantCode(t, err, skillpath.EUNAUTHORIZED)

		// An empty update changes nothing.
		if got, err := st.UpdateUser(ctx, u.ID, store.UserUpdate{}); err != nil || !reflect.DeepEqual(got, stored) {
			t.Errorf("empty update = %+v, %v; want %+v", got, err, stored)
		}

		blank, unknown, short := " ", []skillpath.ID{999999}, "short"
		for _, tc := range []struct {
			name string
			id   skillpath.ID
			up   store.UserUpdate
			code string
		}{
			{"unknown user", 999999, store.UserUpdate{Name: &name}, skillpath.ENOTFOUND},
			{"blank name", u.ID, store.UserUpdate{Name: &blank}, skillpath.EINVALID},
			{"unknown group", u.ID, store.UserUpdate{GroupIDs: &unknown}, skillpath.EINVALID},
			{"short password", u.ID, store.UserUpdate{Password: &short}, skillpath.EINVALID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := st.UpdateUser(ctx, tc.id, tc.up)
				wantCode(t, err, tc.code)
			})
		}
		if after, _ := st.FindUser(ctx, u.ID); !reflect.DeepEqual(after, stored) {
			t.Errorf("refused updates changed the user: %+v, want %+v", after, stored)
		}
	})
}

// TestDeleteUser: deletion is soft; the user is still found, with status
// deleted, their tokens stop working, and their email stays taken.
func TestDeleteUser(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		u := &skillpath.User{Email: "gone@example.com", Name: "Gone", CustomFields: map[string]string{"k": "v"}}
		if err := st.CreateUser(ctx, u, "gone-password"); err != nil {
			t.Fatal(err)
		}
		token, err := st.CreateToken(ctx, u.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteUser(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		got, err := st.FindUser(ctx, u.ID)
		if err != nil {
			t.Fatalf("a deleted user must still be found: %v", err)
		}
		if got.Status != skillpath.UserDeleted || got.CustomFields["k"] != "v" {
			t.Errorf("deleted user = %+v, want status deleted and fields kept", got)
		}
		_, err = st.UserByToken(ctx, token)
		wantCode(t, err, skillpath.EUNAUTHORIZED)
		_, err = st.Login(ctx, "gone@example.com", "gone-password")
		wantCode(t, err, skillpath.EUNAUTHORIZED)
		_, err = st.CreateToken(ctx, u.ID, u.ID)
		wantCode(t, err, skillpath.ENOTFOUND)
		wantCode(t, st.CreateUser(ctx, &skillpath.User{Email: "GONE@example.com", Name: "Again"}, ""), skillpath.ECONFLICT)
		wantCode(t, st.DeleteUser(ctx, u.ID), skillpath.ENOTFOUND)
		wantCode(t, st.DeleteUser(ctx, 999999), skillpath.ENOTFOUND)
		if n, _ := st.CountUsers(ctx); n != 1 {
			t.Errorf("CountUsers = %d, want 1: deleted users still count", n)
		}
	})
}
