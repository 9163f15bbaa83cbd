package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"skillpath"
	"skillpath/status"
)

// ResultRow is one learner's enrollment on a training's results page
// (issue 7; statuses of SPEC §1, certificate status of SPEC §2).
type ResultRow struct {
	EnrollmentID     skillpath.ID    `json:"enrollment_id"`
	UserID           skillpath.ID    `json:"user_id"`
	Name             string          `json:"name"`
	Email            string          `json:"email"`
	SessionID        skillpath.ID    `json:"session_id"`
	SessionName      string          `json:"session_name"`
	Status           status.Training `json:"status"`
	Label            string          `json:"label"`
	Score            *float64        `json:"score"`
	Progress         float64         `json:"progress"` // percent of the activities answered or viewed
	ModulesCompleted int             `json:"modules_completed"`
	ModulesTotal     int             `json:"modules_total"`
	// CertificateStatus is the status of the training's (first) certificate
	// in this enrollment; nil when the training grants none.
	CertificateStatus *status.Certification `json:"certificate_status"`
	AutoReenrolled    bool                  `json:"auto_reenrolled"`
	// EnrolledAt is when the enrollment was made; CompletedAt when its
	// attempt completed (passed or failed), nil before.
	EnrolledAt  time.Time  `json:"enrolled_at"`
	CompletedAt *time.Time `json:"completed_at"`
}

// ResultsFilter narrows and pages a training's results.
type ResultsFilter struct {
	Status status.Training // "" for every status
	After  string          // the cursor of the previous page's last row
	Limit  int
}

// TrainingResults lists the live enrollments of a training that caller may
// see, by learner name: every one for platform admins and the training's
// authors and instructors; for group admins and coaches, those of learners
// of their groups and subgroups (skillpath.Access.CanView as a query).
// Deleted users are left out. The status filter applies to the status at
// now: "expired" is a stored pass whose certificates have all expired, and
// "passed" excludes those. It returns the page and the cursor of the next
// one ("" on the last page), with a fixed number of queries per page.
// Returns ENOTFOUND for an unknown training and EINVALID for a bad filter.
func (s *Store) TrainingResults(ctx context.Context, caller *skillpath.User, trainingID skillpath.ID, f ResultsFilter) ([]ResultRow, string, error) {
	if f.Status != "" && !f.Status.Valid() {
		return nil, "", skillpath.Invalid("status", "%q is not a training status", f.Status)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	var after *cursor
	if f.After != "" {
		c, err := parseCursor(f.After)
		if err != nil {
			return nil, "", err
		}
		after = &c
	}
	rows := []ResultRow{}
	next := ""
	err := s.read(ctx, func(tx *Tx) error {
		def, err := tx.trainingDef(ctx, trainingID)
		if err != nil {
			return err
		}
		everyone, err := tx.seesWholeTraining(ctx, caller, trainingID)
		if err != nil {
			return err
		}
		list, extra, err := tx.resultEnrollments(ctx, caller.ID, trainingID, everyone, f, after)
		if err != nil {
			return err
		}
		if len(list) > f.Limit {
			list, extra = list[:f.Limit], extra[:f.Limit]
			last := list[f.Limit-1]
			next = cursor{name: extra[f.Limit-1].name, id: last.ID}.String()
		}
		p, err := tx.loadProgress(ctx, def, list)
		if err != nil {
			return err
		}
		for i, e := range list {
			rows = append(rows, def.resultRow(e, p[e.ID], extra[i], tx))
		}
		return nil
	})
	return rows, next, err
}

// seesWholeTraining reports whether caller sees every learner of the
// training: a platform admin, or one of its authors or instructors.
func (tx *Tx) seesWholeTraining(ctx context.Context, caller *skillpath.User, trainingID skillpath.ID) (bool, error) {
	if caller.PlatformAdmin {
		return true, nil
	}
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM training_staff WHERE training_id = $1 AND user_id = $2`, trainingID, caller.ID).Scan(&n)
	return n > 0, err
}

// resultExtra is what a results row shows beyond the enrollment itself.
type resultExtra struct {
	name, email, session string
}

// awardsAllExpired is the condition, over enrollments e, of SPEC §1's
// expired row at the time $N: certificates were delivered and every one has
// expired (status.Expire as SQL).
const awardsAllExpired = `(EXISTS (SELECT 1 FROM awards a WHERE a.enrollment_id = e.id AND a.revoked_at IS NULL)
	AND NOT EXISTS (SELECT 1 FROM awards a WHERE a.enrollment_id = e.id AND a.revoked_at IS NULL AND (a.expires_at IS NULL OR a.expires_at > $%d)))`

// resultConditions are the conditions of a training's results the caller
// sees under f, over enrollments e and users u, with their arguments.
func (tx *Tx) resultConditions(callerID, trainingID skillpath.ID, everyone bool, f ResultsFilter) ([]string, []any) {
	args := []any{trainingID, everyone, callerID}
	where := []string{`e.training_id = $1`, `e.deleted_at IS NULL`, `u.deleted_at IS NULL`,
		`($2 OR EXISTS (SELECT 1 FROM group_staff gs JOIN group_tree gt ON gt.ancestor_id = gs.group_id
			JOIN group_members gm ON gm.group_id = gt.descendant_id WHERE gs.user_id = $3 AND gm.user_id = e.user_id))`}
	arg := func(v any) int { args = append(args, v); return len(args) }
	switch f.Status {
	case "":
	case status.TrainingExpired:
		where = append(where, fmt.Sprintf(`e.status = $%d`, arg(status.TrainingPassed)), fmt.Sprintf(awardsAllExpired, arg(millis(tx.now))))
	case status.TrainingPassed:
		where = append(where, fmt.Sprintf(`e.status = $%d`, arg(status.TrainingPassed)), fmt.Sprintf(`NOT `+awardsAllExpired, arg(millis(tx.now))))
	default:
		where = append(where, fmt.Sprintf(`e.status = $%d`, arg(f.Status)))
	}
	return where, args
}

// CountTrainingResults counts the rows of TrainingResults over every page
// and those of the pages before the cursor f.After: a page's total and
// position (issue 18). Returns EINVALID (after) for a bad cursor.
func (s *Store) CountTrainingResults(ctx context.Context, caller *skillpath.User, trainingID skillpath.ID, f ResultsFilter) (total, before int, err error) {
	err = s.read(ctx, func(tx *Tx) error {
		everyone, err := tx.seesWholeTraining(ctx, caller, trainingID)
		if err != nil {
			return err
		}
		where, args := tx.resultConditions(caller.ID, trainingID, everyone, f)
		upTo := `0`
		if f.After != "" {
			c, err := parseCursor(f.After)
			if err != nil {
				return err
			}
			args = append(args, c.name, c.id)
			n, id := len(args)-1, len(args)
			upTo = fmt.Sprintf(`CASE WHEN u.name < $%d OR (u.name = $%d AND e.id <= $%d) THEN 1 ELSE 0 END`, n, n, id)
		}
		return tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(`+upTo+`), 0) FROM enrollments e JOIN users u ON u.id = e.user_id
			WHERE `+strings.Join(where, " AND "), args...).Scan(&total, &before)
	})
	return total, before, err
}

// resultEnrollments reads one page (and one row more, to know whether
// another page follows) of the enrollments the caller sees.
func (tx *Tx) resultEnrollments(ctx context.Context, callerID, trainingID skillpath.ID, everyone bool, f ResultsFilter, after *cursor) ([]*enrollmentRow, []resultExtra, error) {
	where, args := tx.resultConditions(callerID, trainingID, everyone, f)
	arg := func(v any) int { args = append(args, v); return len(args) }
	if after != nil {
		n, id := arg(after.name), arg(after.id)
		where = append(where, fmt.Sprintf(`(u.name > $%d OR (u.name = $%d AND e.id > $%d))`, n, n, id))
	}
	limit := arg(f.Limit + 1)
	rows, err := tx.QueryContext(ctx, `SELECT `+enrollmentColumns+`, u.name, u.email, s.name
		FROM enrollments e JOIN users u ON u.id = e.user_id JOIN sessions s ON s.id = e.session_id
		WHERE `+strings.Join(where, " AND ")+fmt.Sprintf(` ORDER BY u.name, e.id LIMIT $%d`, limit), args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var list []*enrollmentRow
	var extra []resultExtra
	for rows.Next() {
		var x resultExtra
		e, err := scanEnrollment(scanWith{rows, []any{&x.name, &x.email, &x.session}})
		if err != nil {
			return nil, nil, err
		}
		list, extra = append(list, e), append(extra, x)
	}
	return list, extra, rows.Err()
}

// scanWith scans the enrollment's columns and then extra ones.
type scanWith struct {
	rows  *sql.Rows
	extra []any
}

func (s scanWith) Scan(dest ...any) error { return s.rows.Scan(append(dest, s.extra...)...) }

// resultRow computes a row: the status is the stored one with expiry
// applied at now (what the filter matched); module progress and the
// certificate come from the facts.
func (def *trainingDef) resultRow(e *enrollmentRow, p *progress, x resultExtra, tx *Tx) ResultRow {
	awards := make([]status.AwardFacts, len(p.awards))
	for i, a := range p.awards {
		awards[i] = status.AwardFacts{ExpiresAt: a.expiresAt}
	}
	st := status.Expire(e.Status, awards, tx.now)
	row := ResultRow{EnrollmentID: e.ID, UserID: e.UserID, Name: x.name, Email: x.email, SessionID: e.SessionID, SessionName: x.session,
		Status: st, Label: st.Label(), Score: e.Score, ModulesTotal: len(def.Modules), AutoReenrolled: e.AutoReenrolled,
		EnrolledAt: e.EnrolledAt, CompletedAt: e.CompletedAt}
	tr := status.TrainingStatus(def.facts(e, p), tx.now)
	row.Progress = tr.Progress
	for _, m := range tr.Modules {
		if m.Status.Completed() {
			row.ModulesCompleted++
		}
	}
	if len(def.certificates) > 0 {
		c := status.CertificationStatus(false, nil, tx.now)
		for _, a := range p.awards {
			if a.certificateID == def.certificates[0].ID {
				c = status.CertificationStatus(true, a.expiresAt, tx.now)
			}
		}
		row.CertificateStatus = &c
	}
	return row
}
