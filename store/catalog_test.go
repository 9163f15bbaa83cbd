package store_test

import (
	"encoding/json"
	"testing"

	"skillpath"
	"skillpath/internal/testdb"
	"skillpath/store"
)

func ptr[T any](v T) *T { return &v }

// TestCertificates stores certificates with and without a validity period
// and refuses bad ones.
func TestCertificates(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		g := mustGroup(t, st, "Owners", 0)
		forever := &skillpath.Certificate{Title: "Safety", OwnerGroupID: g}
		yearly := &skillpath.Certificate{Title: "First aid", OwnerGroupID: g, ValidityMonths: ptr(12)}
		for _, c := range []*skillpath.Certificate{forever, yearly} {
			if err := st.CreateCertificate(ctx, c); err != nil {
				t.Fatal(err)
			}
			got, err := st.FindCertificate(ctx, c.ID)
			if err != nil || !equalJSON(got, c) {
				t.Errorf("FindCertificate = %+v, %v; want %+v", got, err, c)
			}
		}
		for _, tc := range []struct {
			name string
			cert skillpath.Certificate
			code string
		}{
			{"no title", skillpath.Certificate{OwnerGroupID: g}, skillpath.EINVALID},
			{"no owner", skillpath.Certificate{Title: "C"}, skillpath.EINVALID},
			{"unknown owner", skillpath.Certificate{Title: "C", OwnerGroupID: 999999}, skillpath.EINVALID},
			{"validity 0", skillpath.Certificate{Title: "C", OwnerGroupID: g, ValidityMonths: ptr(0)}, skillpath.EINVALID},
		} {
			t.Run(tc.name, func(t *testing.T) { wantCode(t, st.CreateCertificate(ctx, &tc.cert), tc.code) })
		}
		list, err := st.ListCertificates(ctx)
		if err != nil || !equalJSON(list, []*skillpath.Certificate{yearly, forever}) {
			t.Errorf("ListCertificates = %v, %v; want First aid then Safety", list, err)
		}
		_, err = st.FindCertificate(ctx, 999999)
		wantCode(t, err, skillpath.ENOTFOUND)
	})
}

// equalJSON compares two values as the API would show them.
func equalJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// fullTraining is a training using every field of the tree; its module and
// activity titles sort against their order, so order by title would show.
func fullTraining(certs, prereqs, authors, instructors []skillpath.ID) *skillpath.Training {
	return &skillpath.Training{
		Title: "Forklift", CertificateIDs: certs, PrerequisiteIDs: prereqs, RequiresApproval: true,
		Price: ptr(skillpath.Price(1999)), PassingScore: ptr(62.5), MasteryScore: ptr(90.0),
		AuthorIDs: authors, InstructorIDs: instructors,
		Modules: []*skillpath.Module{
			{Title: "Zulu basics", MinScore: ptr(50.0), MaxAttempts: 3, Activities: []*skillpath.Activity{
				{Title: "Read", Kind: skillpath.KindContent},
				{Title: "Pick", Kind: skillpath.KindChoice, Points: 2, Choices: []string{"no", "yes", "maybe"}, Correct: ptr("yes")},
				{Title: "Answer", Kind: skillpath.KindText, Points: 1, Correct: ptr("Forks")},
			}},
			{Title: "Alpha practice", MaxAttempts: 0, Activities: []*skillpath.Activity{
				{Title: "Essay", Kind: skillpath.KindText, Points: 10, ManualScoring: true},
				{Title: "Any answer", Kind: skillpath.KindText, Points: 0},
			}},
		},
	}
}

// TestCreateTraining: the whole tree round-trips through FindTraining with
// every id filled in and the order of modules and activities kept.
func TestCreateTraining(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		g := mustGroup(t, st, "Owners", 0)
		var certs []skillpath.ID
		for _, title := range []string{"C1", "C2"} {
			c := &skillpath.Certificate{Title: title, OwnerGroupID: g}
			if err := st.CreateCertificate(ctx, c); err != nil {
				t.Fatal(err)
			}
			certs = append(certs, c.ID)
		}
		prereq := fullTraining(nil, nil, nil, nil)
		prereq.Title = "Prerequisite"
		if err := st.CreateTraining(ctx, prereq); err != nil {
			t.Fatal(err)
		}
		author, instructor, learner := mustUser(t, st, "author@example.com"), mustUser(t, st, "instructor@example.com"), mustUser(t, st, "l@example.com")

		tr := fullTraining(certs, []skillpath.ID{prereq.ID}, []skillpath.ID{author.ID}, []skillpath.ID{author.ID, instructor.ID})
		if err := st.CreateTraining(ctx, tr); err != nil {
			t.Fatal(err)
		}
		ids := map[skillpath.ID]bool{}
		for _, m := range tr.Modules {
			ids[m.ID] = true
			for _, a := range m.Activities {
				ids[a.ID] = true
			}
		}
		if tr.ID == 0 || ids[0] || len(ids) != 7 || !tr.CreatedAt.Equal(now) {
			t.Fatalf("created training %s with %d distinct module and activity ids %v, created at %s: want 7 non-zero ids, created at %s", tr.ID, len(ids), ids, tr.CreatedAt, now)
		}
		got, err := st.FindTraining(ctx, tr.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !equalJSON(got, tr) {
			a, _ := json.Marshal(got)
			b, _ := json.Marshal(tr)
			t.Errorf("FindTraining =\n%s\nwant\n%s", a, b)
		}

		list, err := st.ListTrainings(ctx)
		want := []store.TrainingSummary{{ID: tr.ID, Title: "Forklift", Price: tr.Price, RequiresApproval: true},
			{ID: prereq.ID, Title: "Prerequisite", Price: prereq.Price, RequiresApproval: true}}
		if err != nil || !equalJSON(list, want) {
			t.Errorf("ListTrainings = %+v, %v; want %+v", list, err, want)
		}

		// Training staff reach the training through Access; others do not.
		for _, tc := range []struct {
			who                *skillpath.User
			author, instructor bool
		}{{author, true, true}, {instructor, false, true}, {learner, false, false}} {
			a, err := st.Access(ctx, tc.who, 0, tr.ID)
			if err != nil || a.Author != tc.author || a.Instructor != tc.instructor {
				t.Errorf("Access of %s = %+v, %v; want author %v, instructor %v", tc.who.Email, a, err, tc.author, tc.instructor)
			}
		}
		_, err = st.FindTraining(ctx, 999999)
		wantCode(t, err, skillpath.ENOTFOUND)
	})
}

// TestCreateTrainingRefused: links to unknown rows and bad trees are
// refused with the field at fault, and nothing is written.
func TestCreateTrainingRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		gone := mustUser(t, st, "gone@example.com")
		if err := st.DeleteUser(ctx, gone.ID); err != nil {
			t.Fatal(err)
		}
		unknown := []skillpath.ID{999999}
		noModules := fullTraining(nil, nil, nil, nil)
		noModules.Modules = nil
		badCorrect := fullTraining(nil, nil, nil, nil)
		badCorrect.Modules[0].Activities[1].Correct = ptr("never")
		for _, tc := range []struct {
			name     string
			training *skillpath.Training
			field    string
		}{
			{"unknown certificate", fullTraining(unknown, nil, nil, nil), "certificate_ids"},
			{"unknown prerequisite", fullTraining(nil, unknown, nil, nil), "prerequisite_ids"},
			{"unknown author", fullTraining(nil, nil, unknown, nil), "author_ids"},
			{"deleted instructor", fullTraining(nil, nil, nil, []skillpath.ID{gone.ID}), "instructor_ids"},
			{"no modules", noModules, "modules"},
			{"correct answer not a choice", badCorrect, "modules[0].activities[1].correct"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := st.CreateTraining(ctx, tc.training)
				wantCode(t, err, skillpath.EINVALID)
				if e := err.(*skillpath.Error); e.Field != tc.field {
					t.Errorf("field %q, want %q", e.Field, tc.field)
				}
			})
		}
		if list, err := st.ListTrainings(ctx); err != nil || len(list) != 0 {
			t.Errorf("ListTrainings = %v, %v; want none", list, err)
		}
	})
}
