package store

import (
	"context"
	"time"

	"skillpath"
	"skillpath/status"
)

// Result computes where the learner stands in a live enrollment, from the
// facts and the clock (statuses, scores, attempts, certificates). Returns
// ENOTFOUND for an unknown or deleted enrollment.
func (s *Store) Result(ctx context.Context, id skillpath.ID) (*skillpath.EnrollmentResult, error) {
	l, err := s.Learn(ctx, id, nil, nil, Act{Kind: ActRead})
	if err != nil {
		return nil, err
	}
	return l.Result, nil
}

// result assembles an enrollment's result from the pure rules' answer.
func (def *trainingDef) result(e *enrollmentRow, p *progress, now time.Time) *skillpath.EnrollmentResult {
	tr := status.TrainingStatus(def.facts(e, p), now)
	r := &skillpath.EnrollmentResult{
		ID: e.ID, UserID: e.UserID, SessionID: e.SessionID, TrainingID: e.TrainingID,
		Status: tr.Status, Label: tr.Status.Label(), AutoReenrolled: e.AutoReenrolled, SelfEnrolled: e.SelfEnrolled,
		EnrolledAt: e.EnrolledAt, StartedAt: e.StartedAt, CompletedAt: e.CompletedAt,
		Score: tr.Score, Progress: tr.Progress,
		Modules: make([]skillpath.ModuleResult, len(def.Modules)), Certificates: []skillpath.CertificateResult{},
	}
	for i, m := range def.Modules {
		mr := tr.Modules[i]
		att := p.attempts[m.ID]
		out := skillpath.ModuleResult{ID: m.ID, Title: m.Title, Status: mr.Status, Label: mr.Status.Label(), Score: mr.Score,
			MinScore: m.MinScore, MaxAttempts: m.MaxAttempts, Activities: make([]skillpath.ActivityResult, len(m.Activities))}
		if att != nil {
			out.Attempt = att.number
		}
		retake, _ := status.Retake(mr.Status, tr.Status)
		out.CanRetake = retake && (m.MaxAttempts == 0 || out.Attempt < m.MaxAttempts)
		for j, a := range m.Activities {
			ar := skillpath.ActivityResult{ID: a.ID, Title: a.Title, Kind: a.Kind, Status: mr.Activities[j], Label: mr.Activities[j].Label(), Points: a.Points}
			if att != nil {
				if ans := att.answers[a.ID]; ans != nil {
					ar.Score, ar.Response, ar.AnsweredAt = ans.score, ans.response, &ans.answeredAt
				}
			}
			out.Activities[j] = ar
		}
		r.Modules[i] = out
	}
	for _, c := range def.certificates {
		cr := skillpath.CertificateResult{CertificateID: c.ID, Title: c.Title}
		for _, a := range p.awards {
			if a.certificateID == c.ID {
				cr.DeliveredAt, cr.ExpiresAt = &a.deliveredAt, a.expiresAt
			}
		}
		cr.Status = status.CertificationStatus(cr.DeliveredAt != nil, cr.ExpiresAt, now)
		cr.Label = cr.Status.Label()
		r.Certificates = append(r.Certificates, cr)
	}
	if len(r.Certificates) > 0 {
		r.Certificate = &r.Certificates[0]
	}
	return r
}
