package store_test

import (
	"slices"
	"testing"

	"skillpath"
	"skillpath/internal/testdb"
	"skillpath/store"
)

// TestGroupTree: groups nest under their parents and ListGroups gives
// every parent before its children.
func TestGroupTree(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		// Names sort against the tree, so a list by name alone would fail.
		root := mustGroup(t, st, "Zulu", 0)
		mid := mustGroup(t, st, "Mike", root)
		leaf := mustGroup(t, st, "Alpha", mid)
		other := mustGroup(t, st, "Bravo", 0)
		sibling := mustGroup(t, st, "Alpha", root)

		g, err := st.FindGroup(ctx, leaf)
		if err != nil || g.Name != "Alpha" || g.ParentID == nil || *g.ParentID != mid {
			t.Fatalf("FindGroup(leaf) = %+v, %v; want Alpha under %s", g, err, mid)
		}
		assertParentsFirst(t, st, []skillpath.ID{root, mid, leaf, other, sibling})

		_, err = st.FindGroup(ctx, 999999)
		wantCode(t, err, skillpath.ENOTFOUND)
		unknown := skillpath.ID(999999)
		wantCode(t, st.CreateGroup(ctx, &skillpath.Group{Name: "Orphan", ParentID: &unknown}), skillpath.EINVALID)
		wantCode(t, st.CreateGroup(ctx, &skillpath.Group{Name: ""}), skillpath.EINVALID)
		if groups, _ := st.ListGroups(ctx); len(groups) != 5 {
			t.Errorf("%d groups after refused creations, want 5", len(groups))
		}
	})
}

// assertParentsFirst checks that ListGroups holds exactly the ids and
// lists each group after its parent.
func assertParentsFirst(t *testing.T, st *store.Store, ids []skillpath.ID) {
	t.Helper()
	groups, err := st.ListGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	position := map[skillpath.ID]int{}
	for i, g := range groups {
		position[g.ID] = i
	}
	if len(groups) != len(ids) {
		t.Fatalf("ListGroups gives %d groups, want %d", len(groups), len(ids))
	}
	for _, g := range groups {
		if !slices.Contains(ids, g.ID) {
			t.Errorf("ListGroups gives unknown group %s", g.ID)
		}
		if g.ParentID != nil && position[*g.ParentID] > position[g.ID] {
			t.Errorf("group %s is listed before its parent %s", g.ID, *g.ParentID)
		}
	}
}

// TestMoveGroup: moving a group carries its whole subtree, so staff of the
// new ancestors reach its learners and staff of the old ones no longer do;
// moves that would make a cycle are refused and change nothing.
func TestMoveGroup(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		a := mustGroup(t, st, "A", 0)
		b := mustGroup(t, st, "B", 0)
		moved := mustGroup(t, st, "Moved", a)
		below := mustGroup(t, st, "Below", moved)
		learner := mustUser(t, st, "learner@example.com", below)
		adminOf := map[string]*skillpath.User{}
		for name, g := range map[string]skillpath.ID{"A": a, "B": b, "Moved": moved} {
			adminOf[name] = mustUser(t, st, "admin-"+name+"@example.com")
			if err := st.AddStaff(ctx, skillpath.Staff{GroupID: g, UserID: adminOf[name].ID, Role: skillpath.RoleGroupAdmin}); err != nil {
				t.Fatal(err)
			}
		}
		// reaches tells which group admins reach the learner, in name order.
		reaches := func() []string {
			t.Helper()
			var names []string
			for _, name := range []string{"A", "B", "Moved"} {
				acc, err := st.Access(ctx, adminOf[name], learner.ID, 0)
				if err != nil {
					t.Fatal(err)
				}
				if acc.GroupAdmin {
					names = append(names, name)
				}
			}
			return names
		}
		if got := reaches(); !slices.Equal(got, []string{"A", "Moved"}) {
			t.Fatalf("before any move the learner is reached by %v, want [A Moved]", got)
		}

		refusals := []struct {
			name   string
			parent skillpath.ID
			code   string
		}{
			{"under itself", moved, skillpath.EUNPROCESSABLE},
			{"under its subgroup", below, skillpath.EUNPROCESSABLE},
			{"under an unknown group", 999999, skillpath.EINVALID},
		}
		for _, tc := range refusals {
			t.Run(tc.name, func(t *testing.T) {
				_, err := st.UpdateGroup(ctx, moved, nil, true, &tc.parent)
				wantCode(t, err, tc.code)
				if got := reaches(); !slices.Equal(got, []string{"A", "Moved"}) {
					t.Errorf("after a refused move the learner is reached by %v, want [A Moved]", got)
				}
			})
		}

		moves := []struct {
			name   string
			parent *skillpath.ID
			want   []string
		}{
			{"from A to B", &b, []string{"B", "Moved"}},
			{"to the top", nil, []string{"Moved"}},
			{"back under A", &a, []string{"A", "Moved"}},
		}
		for _, tc := range moves {
			t.Run(tc.name, func(t *testing.T) {
				g, err := st.UpdateGroup(ctx, moved, nil, true, tc.parent)
				if err != nil {
					t.Fatal(err)
				}
				if (g.ParentID == nil) != (tc.parent == nil) || (g.ParentID != nil && *g.ParentID != *tc.parent) {
					t.Errorf("parent %v, want %v", g.ParentID, tc.parent)
				}
				if got := reaches(); !slices.Equal(got, tc.want) {
					t.Errorf("the learner is reached by %v, want %v", got, tc.want)
				}
				assertParentsFirst(t, st, []skillpath.ID{a, b, moved, below})
			})
		}

		// A rename alone keeps the parent.
		name := "Renamed"
		g, err := st.UpdateGroup(ctx, moved, &name, false, nil)
		if err != nil || g.Name != name || g.ParentID == nil || *g.ParentID != a {
			t.Errorf("rename = %+v, %v; want Renamed under %s", g, err, a)
		}
		_, err = st.UpdateGroup(ctx, 999999, &name, false, nil)
		wantCode(t, err, skillpath.ENOTFOUND)
	})
}

// TestStaff adds, lists and removes group roles, and refuses duplicates
// and unknown users, groups and roles.
func TestStaff(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		g := mustGroup(t, st, "Team", 0)
		learner := mustUser(t, st, "learner@example.com", g)
		u := mustUser(t, st, "staff@example.com")
		gone := mustUser(t, st, "gone@example.com")
		if err := st.DeleteUser(ctx, gone.ID); err != nil {
			t.Fatal(err)
		}
		admin := skillpath.Staff{GroupID: g, UserID: u.ID, Role: skillpath.RoleGroupAdmin}
		coach := skillpath.Staff{GroupID: g, UserID: u.ID, Role: skillpath.RoleCoach}
		for _, s := range []skillpath.Staff{admin, coach} {
			if err := st.AddStaff(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			name  string
			staff skillpath.Staff
			code  string
		}{
			{"duplicate", admin, skillpath.ECONFLICT},
			{"unknown role", skillpath.Staff{GroupID: g, UserID: u.ID, Role: "king"}, skillpath.EINVALID},
			{"unknown user", skillpath.Staff{GroupID: g, UserID: 999999, Role: skillpath.RoleCoach}, skillpath.EINVALID},
			{"deleted user", skillpath.Staff{GroupID: g, UserID: gone.ID, Role: skillpath.RoleCoach}, skillpath.EINVALID},
			{"unknown group", skillpath.Staff{GroupID: 999999, UserID: u.ID, Role: skillpath.RoleCoach}, skillpath.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) { wantCode(t, st.AddStaff(ctx, tc.staff), tc.code) })
		}
		staff, err := st.ListStaff(ctx, g)
		if err != nil || !slices.Equal(staff, []skillpath.Staff{admin, coach}) {
			t.Fatalf("ListStaff = %v, %v; want %v", staff, err, []skillpath.Staff{admin, coach})
		}
		if a, _ := st.Access(ctx, u, learner.ID, 0); !a.GroupAdmin || !a.Coach || a.PlatformAdmin || a.Self {
			t.Errorf("Access of admin and coach = %+v", a)
		}

		if err := st.RemoveStaff(ctx, admin); err != nil {
			t.Fatal(err)
		}
		wantCode(t, st.RemoveStaff(ctx, admin), skillpath.ENOTFOUND)
		if staff, _ := st.ListStaff(ctx, g); !slices.Equal(staff, []skillpath.Staff{coach}) {
			t.Errorf("ListStaff after removal = %v, want %v", staff, []skillpath.Staff{coach})
		}
		if a, _ := st.Access(ctx, u, learner.ID, 0); a.GroupAdmin || !a.Coach {
			t.Errorf("Access after removing the admin role = %+v, want coach only", a)
		}
		_, err = st.ListStaff(ctx, 999999)
		wantCode(t, err, skillpath.ENOTFOUND)
	})
}
