package server_test

import (
	"context"
	"testing"

	"skillpath"
	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
)

// TestAPIGroupAdminScope: a group's admin names and removes staff of their
// groups and subgroups only, and can make no one a platform admin nor give
// anyone a role elsewhere; a coach changes no staff at all.
func TestAPIGroupAdminScope(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newImportEnv(t, dialect)
		ctx := context.Background()
		user := func(email string, groups ...skillpath.ID) *skillpath.User {
			u := &skillpath.User{Email: email, Name: email, GroupIDs: groups}
			if err := e.Store.CreateUser(ctx, u, ""); err != nil {
				t.Fatal(err)
			}
			return u
		}
		olga, carl, nina := user("olga@example.com"), user("carl@example.com"), user("nina@example.com", e.northEast)
		for _, st := range []skillpath.Staff{{GroupID: e.north, UserID: olga.ID, Role: skillpath.RoleGroupAdmin}, {GroupID: e.north, UserID: carl.ID, Role: skillpath.RoleCoach}} {
			if err := e.Store.AddStaff(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		admin, coach := e.As(olga.ID), e.As(carl.ID)
		adminID := platformAdminID(t, e.Env)
		staff := func(g skillpath.ID) string { return "/api/v1/groups/" + g.String() + "/staff" }
		cases := []struct {
			name   string
			call   func() int
			status int
		}{
			{"admin names a coach of a subgroup", func() int {
				return admin.Do("POST", staff(e.northEast), map[string]any{"user_id": nina.ID, "role": "coach"}).Status
			}, 201},
			{"admin names an admin of their group", func() int {
				return admin.Do("POST", staff(e.north), map[string]any{"user_id": nina.ID, "role": "admin"}).Status
			}, 201},
			{"admin removes that role", func() int {
				return admin.Do("DELETE", staff(e.north)+"/"+nina.ID.String()+"/admin", nil).Status
			}, 204},
			{"admin names staff of another group", func() int {
				return admin.Do("POST", staff(e.south), map[string]any{"user_id": nina.ID, "role": "admin"}).Status
			}, 403},
			{"admin makes a learner platform admin", func() int {
				return admin.Do("PATCH", "/api/v1/users/"+nina.ID.String(), map[string]any{"platform_admin": true}).Status
			}, 403},
			{"admin makes themself platform admin", func() int {
				return admin.Do("PATCH", "/api/v1/users/"+olga.ID.String(), map[string]any{"platform_admin": true}).Status
			}, 403},
			{"coach names a coach", func() int {
				return coach.Do("POST", staff(e.north), map[string]any{"user_id": nina.ID, "role": "coach"}).Status
			}, 403},
			{"admin names a user outside her groups (issue 14 review)", func() int {
				return admin.Do("POST", staff(e.northEast), map[string]any{"user_id": e.emilie.ID, "role": "coach"}).Status
			}, 404},
			{"admin names the platform admin", func() int {
				return admin.Do("POST", staff(e.north), map[string]any{"user_id": adminID, "role": "coach"}).Status
			}, 404},
			{"admin names an unknown user", func() int {
				return admin.Do("POST", staff(e.north), map[string]any{"user_id": "999999", "role": "coach"}).Status
			}, 404},
			{"admin imports users", func() int {
				return admin.Send("POST", "/api/v1/users/import", "text/csv", []byte("email,name\nx@example.com,X\n")).Status
			}, 403},
		}
		for _, tc := range cases {
			if got := tc.call(); got != tc.status {
				t.Errorf("%s: %d, want %d", tc.name, got, tc.status)
			}
		}
		if u, _ := e.Store.FindUser(ctx, nina.ID); u.PlatformAdmin {
			t.Error("Nina became platform admin")
		}
		if roles, _ := e.Store.AllStaff(ctx, nina.ID); len(roles) != 1 || roles[0].GroupID != e.northEast || roles[0].Role != skillpath.RoleCoach {
			t.Errorf("Nina's roles: %+v, want coach of North East only", roles)
		}
	})
}

// platformAdminID is the id of the Env's platform admin.
func platformAdminID(t *testing.T, e *apitest.Env) skillpath.ID {
	t.Helper()
	u, err := e.Store.FindUserByEmail(context.Background(), apitest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
