package roster_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"skillpath"
	"skillpath/roster"
)

var now = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)

func parse(t *testing.T, file string) *roster.File {
	t.Helper()
	f, err := roster.Parse(strings.NewReader(file), now, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestParseAsExcelWrites: the same people read alike whatever Excel's
// flavour: a byte-order mark or not, commas or semicolons, CRLF, headers
// in any case and order, a trailing blank line.
func TestParseAsExcelWrites(t *testing.T) {
	files := map[string]string{
		"comma":            "email,name,groups\nana@example.com,Ana,\"North;South\"\n",
		"semicolon, BOM":   "\ufeffemail;name;groups\r\nana@example.com;Ana;\"North;South\"\r\n\r\n",
		"headers reversed": "Groups,NAME, Email \n\"North; South\",Ana,ana@example.com\n",
	}
	for name, file := range files {
		t.Run(name, func(t *testing.T) {
			f := parse(t, file)
			if len(f.Errors()) != 0 || len(f.Lines) != 1 {
				t.Fatalf("errors %v, %d lines", f.Errors(), len(f.Lines))
			}
			l := f.Lines[0]
			if l.Email != "ana@example.com" || l.Name != "Ana" || fmt.Sprint(l.Groups) != "[North South]" || l.Number != 2 {
				t.Errorf("line %+v", l)
			}
		})
	}
}

// TestPlan: what each line does against the stored facts.
func TestPlan(t *testing.T) {
	north, south, east1, east2 := skillpath.ID(1), skillpath.ID(2), skillpath.ID(3), skillpath.ID(4)
	reg := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	stored := func() roster.Stored {
		return roster.Stored{
			Groups: []*skillpath.Group{{ID: north, Name: "North"}, {ID: south, Name: "South"}, {ID: east1, Name: "East"}, {ID: east2, Name: "east"}},
			Users: map[string]*skillpath.User{
				"ana@example.com":  {ID: 10, Email: "Ana@Example.com", Name: "Ana", RegisteredAt: reg, Status: skillpath.UserActive, GroupIDs: []skillpath.ID{north}, CustomFields: map[string]string{"region": "EMEA", "site": "Porto"}},
				"gone@example.com": {ID: 11, Email: "gone@example.com", Name: "Gone", RegisteredAt: reg, Status: skillpath.UserDeleted, CustomFields: map[string]string{}},
			},
		}
	}
	cases := []struct {
		name, file string
		action     roster.Action
		changes    string
		problem    string
	}{
		{"unchanged, other columns absent", "email,name\nANA@example.com,Ana\n", roster.Unchanged, "", ""},
		{"rename", "email,name\nana@example.com,Ana Maria\n", roster.Update, "name", ""},
		{"groups by id and name, same set", "email,name,groups\nana@example.com,Ana,1\n", roster.Unchanged, "", ""},
		{"groups replaced", "email,name,groups\nana@example.com,Ana,South;north\n", roster.Update, "groups", ""},
		{"no group", "email,name,groups\nana@example.com,Ana,\n", roster.Update, "groups", ""},
		{"field removed and set", "email,name,field.region,field.site\nana@example.com,Ana,,Lisbon\n", roster.Update, "field.region, field.site", ""},
		{"registered later", "email,name,registered_at\nana@example.com,Ana,2025-01-01\n", roster.Update, "registered_at", ""},
		{"create", "email,name\nnew@example.com,New\n", roster.Create, "", ""},
		{"unknown group", "email,name,groups\nnew@example.com,New,West\n", roster.Refused, "", `no group is named "West"`},
		{"ambiguous group", "email,name,groups\nnew@example.com,New,EAST\n", roster.Refused, "", `2 groups are named "EAST": give the one you mean by its id`},
		{"ambiguous group by id", "email,name,groups\nnew@example.com,New,4\n", roster.Create, "", ""},
		{"deleted user", "email,name\ngone@example.com,Gone\n", roster.Refused, "", "belongs to a deleted user"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := roster.Plan(parse(t, tc.file), stored(), now)
			o := rep.Lines[0]
			if o.Action != tc.action || strings.Join(o.Changes, ", ") != tc.changes {
				t.Errorf("%s with changes %v, want %s with %q", o.Action, o.Changes, tc.action, tc.changes)
			}
			if tc.problem == "" && len(o.Problems) > 0 || tc.problem != "" && (len(o.Problems) != 1 || !strings.Contains(o.Problems[0].Message, tc.problem)) {
				t.Errorf("problems %v, want %q", o.Problems, tc.problem)
			}
		})
	}
	t.Run("a creation's values", func(t *testing.T) {
		rep := roster.Plan(parse(t, "email,name,groups,registered_at,field.region\nNew@Example.com,=1+2,South;3,,APAC\n"), stored(), now)
		u := rep.Lines[0].User
		if rep.Lines[0].Action != roster.Create || u.Name != "=1+2" || u.Email != "New@Example.com" || !u.RegisteredAt.Equal(now) ||
			fmt.Sprint(u.GroupIDs) != "[2 3]" || u.CustomFields["region"] != "APAC" || u.PlatformAdmin {
			t.Errorf("%+v (problems %v)", u, rep.Errors)
		}
	})
	t.Run("an update keeps what the file does not name", func(t *testing.T) {
		rep := roster.Plan(parse(t, "email,name,field.site\nana@example.com,Ana,Braga\n"), stored(), now)
		u := rep.Lines[0].User
		if u.CustomFields["region"] != "EMEA" || u.CustomFields["site"] != "Braga" || fmt.Sprint(u.GroupIDs) != "[1]" || !u.RegisteredAt.Equal(reg) || u.Email != "Ana@Example.com" {
			t.Errorf("%+v", u)
		}
	})
}
