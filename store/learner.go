package store

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"skillpath"
	"skillpath/status"
)

// EnrollmentSummary is one line of a learner's own list of enrollments.
type EnrollmentSummary struct {
	ID             skillpath.ID    `json:"id"`
	TrainingID     skillpath.ID    `json:"training_id"`
	TrainingTitle  string          `json:"training_title"`
	SessionID      skillpath.ID    `json:"session_id"`
	SessionName    string          `json:"session_name"`
	Status         status.Training `json:"status"`
	Label          string          `json:"label"`
	Score          *float64        `json:"score"`
	AutoReenrolled bool            `json:"auto_reenrolled"`
	EnrolledAt     time.Time       `json:"enrolled_at"`
	// Certified is true when a certificate was delivered in the
	// enrollment: it has a PDF (SPEC §8).
	Certified bool `json:"certified"`
	// sessionClosed: its session is archived or deleted (the catalog offers
	// another then).
	sessionClosed bool
}

// UserEnrollments lists a user's live enrollments, the newest first, with
// their status at now.
func (s *Store) UserEnrollments(ctx context.Context, userID skillpath.ID) ([]EnrollmentSummary, error) {
	var list []EnrollmentSummary
	err := s.read(ctx, func(tx *Tx) error {
		var err error
		list, err = tx.userEnrollments(ctx, userID)
		return err
	})
	return list, err
}

func (tx *Tx) userEnrollments(ctx context.Context, userID skillpath.ID) ([]EnrollmentSummary, error) {
	list := []EnrollmentSummary{}
	expiries, err := tx.awardExpiries(ctx, `e.user_id = $1`, userID)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT e.id, e.training_id, t.title, e.session_id, s.name, e.status, e.score, e.auto_reenrolled, e.enrolled_at,
			s.archived_at IS NOT NULL OR s.deleted_at IS NOT NULL
		FROM enrollments e JOIN trainings t ON t.id = e.training_id JOIN sessions s ON s.id = e.session_id
		WHERE e.user_id = $1 AND e.deleted_at IS NULL ORDER BY e.enrolled_at DESC, e.id DESC`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var es EnrollmentSummary
		var score sql.NullFloat64
		var enrolled int64
		if err := rows.Scan(&es.ID, &es.TrainingID, &es.TrainingTitle, &es.SessionID, &es.SessionName, &es.Status, &score, &es.AutoReenrolled, &enrolled, &es.sessionClosed); err != nil {
			return nil, err
		}
		es.Score, es.EnrolledAt = floatPtr(score), fromMillis(enrolled)
		es.Status = status.Expire(es.Status, expiries[es.ID], tx.now)
		es.Certified = len(expiries[es.ID]) > 0
		es.Label = es.Status.Label()
		list = append(list, es)
	}
	return list, rows.Err()
}

// awardExpiries reads the expirations of the certificates delivered in the
// live enrollments matching where (over enrollments e), by enrollment: what
// status.Expire needs to turn a stored pass into "expired" at now.
func (tx *Tx) awardExpiries(ctx context.Context, where string, args ...any) (map[skillpath.ID][]status.AwardFacts, error) {
	rows, err := tx.QueryContext(ctx, `SELECT a.enrollment_id, a.expires_at FROM awards a JOIN enrollments e ON e.id = a.enrollment_id
		WHERE e.deleted_at IS NULL AND a.revoked_at IS NULL AND `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[skillpath.ID][]status.AwardFacts{}
	for rows.Next() {
		var id skillpath.ID
		var expires sql.NullInt64
		if err := rows.Scan(&id, &expires); err != nil {
			return nil, err
		}
		out[id] = append(out[id], status.AwardFacts{ExpiresAt: timePtr(expires)})
	}
	return out, rows.Err()
}

// Catalog actions (SPEC §5).
const (
	ActionBuy    = "buy"
	ActionEnroll = "enroll"
	ActionOpen   = "open"
)

// CatalogEntry is a training as one learner sees it in the catalog.
type CatalogEntry struct {
	ID               skillpath.ID     `json:"id"`
	Title            string           `json:"title"`
	Price            *skillpath.Price `json:"price"`
	RequiresApproval bool             `json:"requires_approval"`
	// Action is buy until a purchase of a paid training is recorded, then
	// enroll, and open once the learner is enrolled (SPEC §1, commerce) —
	// enroll again, with EnrollmentID naming the newest enrollment, when
	// that one is over (archived session or expired) and another session
	// is open.
	Action       string           `json:"action"`
	EnrollmentID *skillpath.ID    `json:"enrollment_id,omitempty"`
	Status       *status.Training `json:"status,omitempty"`
	Sessions     []CatalogSession `json:"sessions"`
	// Prerequisites are the trainings to pass before starting this one
	// (SPEC §1), by title, each saying whether the learner has (issue 18).
	Prerequisites []Prerequisite `json:"prerequisites"`
}

// Prerequisite is a training to pass before another, and whether the
// learner has passed it at least once (an expired pass counts, SPEC §1).
type Prerequisite struct {
	ID     skillpath.ID `json:"id"`
	Title  string       `json:"title"`
	Passed bool         `json:"passed"`
}

// CatalogSession is a session open to self-enrollment.
type CatalogSession struct {
	ID       skillpath.ID   `json:"id"`
	Name     string         `json:"name"`
	StartsAt time.Time      `json:"starts_at"`
	EndsAt   *time.Time     `json:"ends_at"`
	State    status.Session `json:"state"`
}

// Catalog lists every training with the action the learner may take and
// the sessions open to self-enrollment: one query per table.
func (s *Store) Catalog(ctx context.Context, userID skillpath.ID) ([]CatalogEntry, error) {
	list := []CatalogEntry{}
	err := s.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT t.id, t.title, t.price_cents, t.requires_approval,
				EXISTS (SELECT 1 FROM purchases p WHERE p.training_id = t.id AND p.user_id = $1)
			FROM trainings t ORDER BY t.title, t.id`, userID)
		if err != nil {
			return err
		}
		index := map[skillpath.ID]int{}
		for rows.Next() {
			var c CatalogEntry
			var price sql.NullInt64
			var bought bool
			if err := rows.Scan(&c.ID, &c.Title, &price, &c.RequiresApproval, &bought); err != nil {
				rows.Close()
				return err
			}
			c.Action, c.Sessions, c.Prerequisites = ActionEnroll, []CatalogSession{}, []Prerequisite{}
			if price.Valid {
				p := skillpath.Price(price.Int64)
				c.Price = &p
				if !bought {
					c.Action = ActionBuy
				}
			}
			index[c.ID] = len(list)
			list = append(list, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		mine, err := tx.userEnrollments(ctx, userID)
		if err != nil {
			return err
		}
		taken := map[skillpath.ID]bool{}      // sessions the learner is enrolled in: no second self-enrollment there
		closed := map[skillpath.ID]bool{}     // trainings whose newest enrollment is over: archived session or expired
		for i := len(mine) - 1; i >= 0; i-- { // oldest first, so the newest wins
			e := mine[i]
			c := &list[index[e.TrainingID]]
			c.Action, c.EnrollmentID, c.Status = ActionOpen, &e.ID, &e.Status
			taken[e.SessionID] = true
			closed[e.TrainingID] = e.sessionClosed || e.Status == status.TrainingExpired
		}
		prereqs, err := tx.prerequisites(ctx, userID, 0)
		if err != nil {
			return err
		}
		for training, ps := range prereqs {
			if i, ok := index[training]; ok {
				list[i].Prerequisites = ps
			}
		}
		if err := tx.openSessions(ctx, list, index); err != nil {
			return err
		}
		// A learner whose newest enrollment is over — its session archived,
		// or its certificate expired — may enroll again in an open session
		// they are not enrolled in (review fix 4): the action is enroll,
		// still naming that enrollment.
		for i := range list {
			c := &list[i]
			if c.Action != ActionOpen || !closed[c.ID] {
				continue
			}
			open := c.Sessions[:0:0]
			for _, se := range c.Sessions {
				if !taken[se.ID] {
					open = append(open, se)
				}
			}
			if len(open) > 0 {
				c.Action, c.Sessions = ActionEnroll, open
			}
		}
		return nil
	})
	return list, err
}

// Prerequisites lists the prerequisites of training trainingID by title,
// each saying whether user userID has passed it (issue 18): what the
// player names when it says "pass these first".
func (s *Store) Prerequisites(ctx context.Context, userID, trainingID skillpath.ID) ([]Prerequisite, error) {
	var out []Prerequisite
	err := s.read(ctx, func(tx *Tx) error {
		m, err := tx.prerequisites(ctx, userID, trainingID)
		out = m[trainingID]
		return err
	})
	if out == nil {
		out = []Prerequisite{}
	}
	return out, err
}

// prerequisites maps each training (trainingID's alone unless 0) to its
// prerequisites by title, with whether userID has passed each — ever, as
// the start rule counts it (passed_at; SPEC §9: a later edit of the
// prerequisite does not take the pass away): one query.
func (tx *Tx) prerequisites(ctx context.Context, userID, trainingID skillpath.ID) (map[skillpath.ID][]Prerequisite, error) {
	rows, err := tx.QueryContext(ctx, `SELECT tp.training_id, p.id, p.title,
			EXISTS (SELECT 1 FROM enrollments e WHERE e.training_id = p.id AND e.user_id = $1 AND e.passed_at IS NOT NULL AND e.deleted_at IS NULL)
		FROM training_prerequisites tp JOIN trainings p ON p.id = tp.prerequisite_id
		WHERE $2 = 0 OR tp.training_id = $2
		ORDER BY tp.training_id, p.title, p.id`, userID, trainingID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[skillpath.ID][]Prerequisite{}
	for rows.Next() {
		var training skillpath.ID
		var p Prerequisite
		if err := rows.Scan(&training, &p.ID, &p.Title, &p.Passed); err != nil {
			return nil, err
		}
		out[training] = append(out[training], p)
	}
	return out, rows.Err()
}

// openSessions adds to the catalog the sessions a learner may enroll in:
// neither archived nor ended.
func (tx *Tx) openSessions(ctx context.Context, list []CatalogEntry, index map[skillpath.ID]int) error {
	rows, err := tx.QueryContext(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE deleted_at IS NULL AND archived_at IS NULL AND (ends_at IS NULL OR ends_at > $1) ORDER BY starts_at, id`, millis(tx.now))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		se, err := scanSession(rows)
		if err != nil {
			return err
		}
		c := &list[index[se.TrainingID]]
		c.Sessions = append(c.Sessions, CatalogSession{ID: se.ID, Name: se.Name, StartsAt: se.StartsAt, EndsAt: se.EndsAt,
			State: status.SessionState(se.StartsAt, se.EndsAt, false, tx.now)})
	}
	return rows.Err()
}

// GradingItem is an answer awaiting scoring.
type GradingItem struct {
	EnrollmentID  skillpath.ID `json:"enrollment_id"`
	UserID        skillpath.ID `json:"user_id"`
	UserName      string       `json:"user_name"`
	TrainingID    skillpath.ID `json:"training_id"`
	TrainingTitle string       `json:"training_title"`
	ModuleID      skillpath.ID `json:"module_id"`
	ModuleTitle   string       `json:"module_title"`
	ActivityID    skillpath.ID `json:"activity_id"`
	ActivityTitle string       `json:"activity_title"`
	Points        float64      `json:"points"`
	Response      string       `json:"response"`
	AnsweredAt    time.Time    `json:"answered_at"`
	answerID      skillpath.ID // the page's order after answered_at
}

// Grading lists the answers awaiting scoring that the caller may score, the
// oldest first, deleted learners' left out (issue 13, fault 5): all for platform admins; for others, those in trainings they
// instruct and those of learners of groups (and subgroups) where they are
// admin or coach — skillpath.Access.CanScore, as a query.
func (s *Store) Grading(ctx context.Context, caller *skillpath.User) ([]GradingItem, error) {
	p, err := s.GradingPage(ctx, caller, GradingQuery{})
	return p.Items, err
}

// GradingQuery narrows and pages the grading queue: one training's answers
// (0: every training), Limit answers (0: all) after the cursor After.
type GradingQuery struct {
	TrainingID skillpath.ID
	Limit      int
	After      string
}

// GradingQueue is one page of the grading queue: its answers, the cursor
// of the next page ("" on the last), the answers of every page (Total) and
// those of the pages before this one (Before).
type GradingQueue struct {
	Items         []GradingItem
	Next          string
	Total, Before int
}

// GradingPage is Grading one page at a time (issue 18: the queue of
// hundreds of answers is paged), oldest first. Returns EINVALID (after)
// for a cursor no page returned.
func (s *Store) GradingPage(ctx context.Context, caller *skillpath.User, q GradingQuery) (GradingQueue, error) {
	out := GradingQueue{Items: []GradingItem{}}
	a := sqlArgs{caller.PlatformAdmin, caller.ID, roleInstructor}
	conditions := []string{`act.manual_scoring = TRUE`, `a.score IS NULL`, `a.response IS NOT NULL`, `e.deleted_at IS NULL`, `u.deleted_at IS NULL`,
		`($1 OR EXISTS (SELECT 1 FROM training_staff ts WHERE ts.training_id = e.training_id AND ts.user_id = $2 AND ts.role = $3)
			OR EXISTS (SELECT 1 FROM group_staff gs JOIN group_tree gt ON gt.ancestor_id = gs.group_id
				JOIN group_members gm ON gm.group_id = gt.descendant_id WHERE gs.user_id = $2 AND gm.user_id = e.user_id))`}
	if q.TrainingID != 0 {
		conditions = append(conditions, `e.training_id = `+a.add(q.TrainingID))
	}
	from := ` FROM answers a
		JOIN activities act ON act.id = a.activity_id
		JOIN module_attempts ma ON ma.id = a.module_attempt_id
		JOIN enrollments e ON e.id = ma.enrollment_id
		JOIN users u ON u.id = e.user_id`
	upTo, page := `0`, conditions
	if q.After != "" {
		at, id, err := parseGradingCursor(q.After)
		if err != nil {
			return out, err
		}
		position := `(a.answered_at, a.id)`
		upTo = `CASE WHEN ` + position + ` <= (` + a.add(at) + `, ` + a.add(id) + `) THEN 1 ELSE 0 END`
		page = append(slices.Clone(conditions), position+` > ($`+strconv.Itoa(len(a)-1)+`, $`+strconv.Itoa(len(a))+`)`)
	}
	counted := slices.Clone(a)
	limit := ""
	if q.Limit > 0 {
		limit = ` LIMIT ` + a.add(q.Limit+1)
	}
	err := s.read(ctx, func(tx *Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(`+upTo+`), 0)`+from+where(conditions), counted...).Scan(&out.Total, &out.Before); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT e.id, e.user_id, u.name, e.training_id, t.title, m.id, m.title, act.id, act.title, act.points, a.response, a.answered_at, a.id`+
			from+` JOIN modules m ON m.id = ma.module_id JOIN trainings t ON t.id = e.training_id`+
			where(page)+` ORDER BY a.answered_at, a.id`+limit, a...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var g GradingItem
			var answered, answerID int64
			if err := rows.Scan(&g.EnrollmentID, &g.UserID, &g.UserName, &g.TrainingID, &g.TrainingTitle, &g.ModuleID, &g.ModuleTitle,
				&g.ActivityID, &g.ActivityTitle, &g.Points, &g.Response, &answered, &answerID); err != nil {
				return err
			}
			if q.Limit > 0 && len(out.Items) == q.Limit {
				last := out.Items[len(out.Items)-1]
				out.Next = strconv.FormatInt(millis(last.AnsweredAt), 10) + "-" + strconv.FormatInt(int64(last.answerID), 10)
				break
			}
			g.AnsweredAt = fromMillis(answered)
			g.answerID = skillpath.ID(answerID)
			out.Items = append(out.Items, g)
		}
		return rows.Err()
	})
	return out, err
}

// parseGradingCursor reads a grading page's cursor: "ANSWERED-ID", the
// moment (milliseconds) and id of the previous page's last answer.
func parseGradingCursor(v string) (int64, skillpath.ID, error) {
	at, id, ok := strings.Cut(v, "-")
	ms, err := strconv.ParseInt(at, 10, 64)
	answer, idOK := skillpath.ParseID(id)
	if !ok || err != nil || !idOK || ms < 0 {
		return 0, 0, errBadCursor
	}
	return ms, answer, nil
}
