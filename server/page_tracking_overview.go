package server

import (
	"net/http"

	"skillpath"
	"skillpath/store"
)

// trackingOverview is /tracking: the trainings whose results tracking the
// caller may configure, with what is live and whether a draft waits to be
// published; platform admins also see each training's backlog.
type trackingOverview struct {
	Rows   []trackingOverviewRow
	Admin  bool
	Totals store.OutboxCounts // pending and parked, over the listed trainings
	Verbs  int                // how many verbs there are to send
}

type trackingOverviewRow struct {
	store.TrackingRow
	Backlog store.OutboxCounts
}

func (s *Server) pageTrackingOverview(w http.ResponseWriter, r *http.Request, v *view) error {
	if !v.Roles.PlatformAdmin && !v.Roles.Author {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "Results tracking is set up by platform admins and the trainings' authors.")
	}
	list, err := s.Store.TrackingOverview(r.Context(), v.User)
	if err != nil {
		return err
	}
	p := trackingOverview{Admin: v.User.PlatformAdmin, Verbs: len(skillpath.Verbs)}
	var backlog map[skillpath.ID]store.OutboxCounts
	if p.Admin {
		if backlog, err = s.Store.OutboxBacklog(r.Context()); err != nil {
			return err
		}
	}
	for _, t := range list {
		row := trackingOverviewRow{TrackingRow: t, Backlog: backlog[t.TrainingID]}
		p.Totals.Pending += row.Backlog.Pending
		p.Totals.Parked += row.Backlog.Parked
		p.Rows = append(p.Rows, row)
	}
	v.Title, v.Data = "Results tracking", p
	return s.render(w, r, v, "tracking-overview.html")
}
