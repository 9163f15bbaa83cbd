package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"skillpath"
	"skillpath/netguard"
	"skillpath/store"
)

// apiLRS registers results tracking (SPEC §4–5): a training's LRS settings,
// the outbox of statements, and the metrics of their delivery.
func (s *Server) apiLRS() {
	s.handle("GET /api/v1/trainings/{id}/lrs", s.getLRSSettings)
	s.handle("PUT /api/v1/trainings/{id}/lrs", s.putLRSSettings)
	s.handle("GET /api/v1/lrs/outbox", s.getOutbox)
	s.handle("POST /api/v1/lrs/outbox/retry", s.retryOutbox)
	s.mux.HandleFunc("GET /metrics", s.handleMetrics)
}

// trackingAccess returns the training named in the path if the caller may
// configure its results tracking.
func (s *Server) trackingAccess(r *http.Request, caller *skillpath.User) (skillpath.ID, error) {
	id, err := pathID(r, "id", "training")
	if err != nil {
		return 0, err
	}
	a, err := s.Store.Access(r.Context(), caller, 0, id)
	if err != nil {
		return 0, err
	}
	if !a.CanConfigureTracking() {
		return 0, skillpath.Errorf(skillpath.EFORBIDDEN, "only platform admins and the training's authors may configure its results tracking")
	}
	return id, nil
}

func (s *Server) getLRSSettings(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, err := s.trackingAccess(r, caller)
	if err != nil {
		return err
	}
	view, err := s.Store.LRSSettings(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, view)
	return nil
}

// putLRSSettings saves the draft; POST /api/v1/trainings/{id}/publish makes
// it live. A password left out keeps the stored one while the endpoint stays
// the same, and is dropped when the endpoint changes; "" removes it.
func (s *Server) putLRSSettings(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, err := s.trackingAccess(r, caller)
	if err != nil {
		return err
	}
	var in struct {
		Endpoint string           `json:"endpoint"`
		Login    string           `json:"login"`
		Password *string          `json:"password"`
		Verbs    []skillpath.Verb `json:"verbs"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	view, err := s.saveLRSDraft(r.Context(), id, store.LRSInput{Endpoint: in.Endpoint, Login: in.Login, Password: in.Password, Verbs: in.Verbs})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, view)
	return nil
}

// saveLRSDraft saves a training's draft settings after checking that the
// endpoint is not inside the server's own network (SPEC §4), unless the
// operator allows it (LRSGuard.AllowPrivate). Returns EINVALID naming
// endpoint for a refused address, and what Store.SetLRSDraft returns.
func (s *Server) saveLRSDraft(ctx context.Context, id skillpath.ID, in store.LRSInput) (*store.LRSView, error) {
	// A URL that does not parse is left to the store's validation, which
	// says what the endpoint must look like.
	if u, err := url.Parse(strings.TrimSpace(in.Endpoint)); err == nil && u.Hostname() != "" {
		if err := s.checkHost(ctx, "endpoint", u.Hostname()); err != nil {
			return nil, err
		}
	}
	return s.Store.SetLRSDraft(ctx, id, in)
}

// publishTraining makes the training's draft results tracking live (SPEC
// §4: changes apply only when the training is (re)published).
func (s *Server) publishTraining(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, err := s.trackingAccess(r, caller)
	if err != nil {
		return err
	}
	t, err := s.Store.PublishTraining(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// outbox is the answer of GET /api/v1/lrs/outbox (SPEC §5).
type outbox struct {
	store.OutboxCounts
	ParkedStatements []store.ParkedStatement `json:"parked_statements"`
	Next             string                  `json:"next,omitempty"`
}

func (s *Server) getOutbox(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	q := r.URL.Query()
	trainingID, err := queryID(q, "training_id")
	if err != nil {
		return err
	}
	limit, after, err := page(q, 100, 1000)
	if err != nil {
		return err
	}
	var out outbox
	if out.OutboxCounts, err = s.Store.CountOutbox(r.Context(), trainingID); err != nil {
		return err
	}
	if out.ParkedStatements, out.Next, err = s.Store.ParkedStatements(r.Context(), trainingID, limit, after); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// maxRetryIDs bounds the ids of one retry request.
const maxRetryIDs = 1000

// retryOutbox re-queues parked statements: those listed in ids, or those of
// training_id, or every one when the body is empty or {}.
func (s *Server) retryOutbox(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	var in struct {
		IDs        []string     `json:"ids"`
		TrainingID skillpath.ID `json:"training_id"`
	}
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			return err
		}
	}
	if len(in.IDs) > maxRetryIDs {
		return skillpath.Invalid("ids", "at most %d ids at a time", maxRetryIDs)
	}
	for i, id := range in.IDs {
		if err := uuid.Validate(id); err != nil {
			return skillpath.Invalid("ids["+strconv.Itoa(i)+"]", "%q is not a statement id (a UUID)", id)
		}
	}
	n, err := s.Store.RetryParked(r.Context(), in.IDs, in.TrainingID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"requeued": n})
	return nil
}

// handleMetrics serves the Prometheus metrics (SPEC §4: the outbox's
// pending, delivered and parked statements, delivery latency), without
// authentication as Prometheus scrapes: they hold counts, no personal data.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	if s.Metrics == nil {
		http.NotFound(w, r)
		return
	}
	s.Metrics.ServeHTTP(w, r)
}

// checkHost refuses a host inside the server's own network (SPEC §4: LRS
// endpoints; SPEC §7: webhooks) unless the operator allows it
// (LRSGuard.AllowPrivate). Returns EINVALID naming field.
func (s *Server) checkHost(ctx context.Context, field, host string) error {
	if err := s.LRSGuard.CheckHost(ctx, host); err != nil {
		if errors.Is(err, netguard.ErrForbidden) {
			return skillpath.Invalid(field, "%v: this server does not call addresses inside its own network "+
				"unless its operator allows them (--lrs-allow-private)", err)
		}
		return skillpath.Invalid(field, "%v", err)
	}
	return nil
}
