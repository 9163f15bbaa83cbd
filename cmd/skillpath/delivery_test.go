package main

import (
	"encoding/json"
	"testing"
	"time"

	"skillpath/internal/lrstest"
	"skillpath/internal/testdb"
)

// TestDeliveryAfterKill: a serve process is killed (SIGKILL) while its
// request to the LRS hangs, holding the training's delivery lease. A
// restarted process — or, on PostgreSQL, a second one already running —
// delivers the statement within 10 seconds of the kill, once (SPEC §4).
func TestDeliveryAfterKill(t *testing.T) {
	bin := buildBinary(t)
	for _, tc := range []struct {
		name    string
		dialect string
		second  bool // the other process runs before the kill
	}{
		{"restart on sqlite", "sqlite", false},
		{"restart on postgres", "postgres", false},
		{"second instance on postgres", "postgres", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"SKILLPATH_DB": testdb.URL(t, tc.dialect), "SKILLPATH_ADDR": "127.0.0.1:0",
				"SKILLPATH_ADMIN_EMAIL": "boss@example.com", "SKILLPATH_ADMIN_PASSWORD": "boss-password",
				"SKILLPATH_LRS_ALLOW_PRIVATE": "true"}
			lrs := lrstest.Start(t)
			first := startBinary(t, bin, env, "serve").await(t)
			enrollment, learnerToken := trackedEnrollment(t, first.URL, lrs.URL)

			lrs.Hang()
			apiMust(t, first.URL, learnerToken, "POST", "/api/v1/enrollments/"+enrollment+"/start", nil, 200)
			select {
			case <-lrs.Arrived(): // sent: the lease is held and the request hangs
			case <-time.After(10 * time.Second):
				t.Fatal("the first process sent nothing")
			}
			var second *instance
			if tc.second {
				second = startBinary(t, bin, env, "serve").await(t)
			}
			first.kill()
			<-first.done
			killed := time.Now()
			lrs.Drop() // the killed process's request is lost
			if !tc.second {
				second = startBinary(t, bin, env, "serve").await(t)
			}
			stored := lrs.WaitStored(t, 1, 10*time.Second)
			t.Logf("delivered %v after the kill", time.Since(killed).Round(time.Millisecond))
			if n := lrs.Received(stored[0]["id"].(string)); n != 1 {
				t.Errorf("the statement was received %d times", n)
			}
			if err := second.shutdown(t); err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
}

// trackedEnrollment creates, through the API, a published training that
// reports started to the LRS, and a learner enrolled in it; it returns the
// enrollment's id and the learner's token.
func trackedEnrollment(t *testing.T, url, endpoint string) (enrollment, token string) {
	t.Helper()
	admin := login(t, url, "boss@example.com", "boss-password")
	var training, session, user, enrolled struct {
		ID string `json:"id"`
	}
	apiJSON(t, url, admin, "POST", "/api/v1/trainings", map[string]any{"title": "Forklift", "modules": []any{
		map[string]any{"title": "Basics", "activities": []any{map[string]any{"title": "Intro", "kind": "content"}}},
	}}, 201, &training)
	apiMust(t, url, admin, "PUT", "/api/v1/trainings/"+training.ID+"/lrs", map[string]any{"endpoint": endpoint, "verbs": []string{"started"}}, 200)
	apiMust(t, url, admin, "POST", "/api/v1/trainings/"+training.ID+"/publish", nil, 200)
	apiJSON(t, url, admin, "POST", "/api/v1/trainings/"+training.ID+"/sessions", map[string]any{"name": "Winter", "starts_at": "2026-01-01T00:00:00Z"}, 201, &session)
	apiJSON(t, url, admin, "POST", "/api/v1/users", map[string]any{"email": "lee@example.com", "name": "Lee Park"}, 201, &user)
	apiJSON(t, url, admin, "POST", "/api/v1/sessions/"+session.ID+"/enrollments", map[string]any{"user_id": user.ID}, 201, &enrolled)
	var tok struct {
		Token string `json:"token"`
	}
	apiJSON(t, url, admin, "POST", "/api/v1/users/"+user.ID+"/tokens", nil, 201, &tok)
	return enrolled.ID, tok.Token
}

func apiMust(t *testing.T, url, token, method, path string, body any, want int) []byte {
	t.Helper()
	status, _, b := call(t, method, url+path, token, body)
	if status != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, status, b, want)
	}
	return b
}

func apiJSON(t *testing.T, url, token, method, path string, body any, want int, out any) {
	t.Helper()
	if err := json.Unmarshal(apiMust(t, url, token, method, path, body, want), out); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
}
