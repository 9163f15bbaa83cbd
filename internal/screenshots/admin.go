package main

import (
	"context"
	"fmt"
	"time"

	"skillpath"
	"skillpath/demo"
	"skillpath/store"
)

// adminShots are the pictures of the administration pages (issue 15): the
// catalog, the training editor of the first demo path, its first open session
// and that session's deletion preview, and the approvals — two demo
// learners asking to join a path that requires approval, made here.
func adminShots(ctx context.Context, st *store.Store) ([]shot, error) {
	sessions, err := st.ListSessions(ctx, 1)
	if err != nil {
		return nil, err
	}
	session := ""
	for _, se := range sessions {
		if se.ArchivedAt == nil && session == "" {
			session = "/sessions/" + se.ID.String()
		}
	}
	if session == "" {
		return nil, fmt.Errorf("the first demo path has no open session")
	}
	gated := &skillpath.Training{Title: "Confined space entry", RequiresApproval: true, Modules: []*skillpath.Module{{Title: "Permit",
		MaxAttempts: 1, Activities: []*skillpath.Activity{{Title: "Read the permit", Kind: skillpath.KindContent}}}}}
	if err := st.CreateTraining(ctx, gated); err != nil {
		return nil, err
	}
	se := &skillpath.Session{TrainingID: gated.ID, Name: "March", StartsAt: now.Add(-24 * time.Hour)}
	if err := st.CreateSession(ctx, se); err != nil {
		return nil, err
	}
	for _, email := range []string{"learner02@demo.skillpath.test", "learner03@demo.skillpath.test"} {
		id, err := userID(ctx, st, email)
		if err != nil {
			return nil, err
		}
		if _, err := st.Enroll(ctx, se.ID, id, id, true); err != nil {
			return nil, err
		}
	}
	admin, password := demo.AdminEmail, demo.AdminPassword
	return []shot{
		{"catalog.png", admin, password, "/catalog", 1280},
		{"training-editor.png", admin, password, "/catalog/trainings/1", 1280},
		{"training-editor-phone.png", admin, password, "/catalog/trainings/1", 360},
		{"session.png", admin, password, session, 1280},
		{"session-phone.png", admin, password, session, 360},
		{"session-delete.png", admin, password, session + "/delete", 1280},
		{"approvals.png", admin, password, "/approvals", 1280},
	}, nil
}
