// Package synthetic generates a realistic organisation of any size for
// benchmarks and demos (`skillpath generate`, SPEC §5): a group tree a few
// levels deep, learners with custom fields, staff, certificates with and
// without validity, about one path per 200 learners with their sessions
// (some archived, deleted, or re-enrolling automatically), and about five
// enrollments per learner at every status — with the certificates, expired
// and expiring ones and automatic re-enrollments that follow.
//
// It writes through store.Bulk with multi-row INSERTs, computing every
// stored status with the pure rules of status/ from the facts it writes,
// and the learners of each certificate from the same facts, so the result
// is what the store itself would have stored (its tests prove both). The same seed
// and business time give the same organisation.
package synthetic

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"skillpath"
	"skillpath/password"
	"skillpath/store"
)

// Options shape one organisation.
type Options struct {
	Learners int
	Seed     uint64
	// AdminEmail and AdminPassword are the platform admin's login; the
	// defaults below when empty.
	AdminEmail, AdminPassword string
	// Progress, when set, is called as learners are written.
	Progress func(done, total int)
}

// Default login of the generated platform admin.
const (
	DefaultAdminEmail    = "admin@synthetic.skillpath.test"
	DefaultAdminPassword = "skillpath-synthetic"
)

// Summary counts what was generated.
type Summary struct {
	Learners, Staff, Groups, Certificates, Paths, Sessions int
	Enrollments, Reenrollments, Awards                     int
	AdminEmail, AdminPassword                              string
}

// Shape of the organisation, per SPEC §5 and the issue: about one path per
// 200 learners, certificates for three paths in five, about five
// enrollments per learner, a few percent deleted users.
const (
	learnersPerPath    = 200
	learnersPerTeam    = 100
	deletedUserShare   = 0.03
	deletedEnrollShare = 0.01
	reenrollLead       = store.DefaultReenrollLead
	years              = 365 * 24 * time.Hour
	days               = 24 * time.Hour
)

// Generate fills the empty store with an organisation of o.Learners
// learners. Returns ECONFLICT when the database is not empty.
func Generate(ctx context.Context, st *store.Store, o Options) (Summary, error) {
	if o.Learners < 1 {
		return Summary{}, skillpath.Invalid("learners", "must be 1 or more")
	}
	if o.AdminEmail == "" {
		o.AdminEmail, o.AdminPassword = DefaultAdminEmail, DefaultAdminPassword
	}
	if err := skillpath.ValidateEmail("admin email", o.AdminEmail); err != nil {
		return Summary{}, err
	}
	if err := skillpath.ValidatePassword("admin password", o.AdminPassword); err != nil {
		return Summary{}, err
	}
	hash, err := password.Hash(ctx, o.AdminPassword)
	if err != nil {
		return Summary{}, err
	}
	g := &gen{
		o: o, rnd: rand.New(rand.NewPCG(o.Seed, 0x5ca1ab1e)), zone: st.Zone,
		now: st.Now().UTC().Truncate(time.Millisecond), adminHash: hash,
	}
	err = st.Bulk(ctx, func(b *store.Bulk) error {
		g.declare(b)
		g.staffAndGroups()
		g.catalog()
		return g.learners(ctx)
	})
	g.sum.AdminEmail, g.sum.AdminPassword = o.AdminEmail, o.AdminPassword
	return g.sum, err
}

// gen is one generation in progress.
type gen struct {
	o         Options
	rnd       *rand.Rand
	now       time.Time
	zone      *time.Location
	adminHash string
	attempts  uint64 // the attempt UUIDs made so far
	sum       Summary
	t         tables
	ids       map[*store.BulkTable]int64
	bulk      *store.Bulk

	admin        int64
	teams        []*group
	owners       []int64 // groups owning certificates: the company and its divisions
	projects     []*group
	instructors  []int64
	authors      []int64
	certificates []*certificate
	paths        []*path
	weights      []float64 // cumulative popularity of the other paths
	others       []*path
}

type tables struct {
	users, userFields, groups, groupTree, groupMembers, groupStaff              *store.BulkTable
	certificates, trainings, trainingCertificates, prerequisites, trainingStaff *store.BulkTable
	modules, activities, sessions, enrollments, moduleAttempts, answers, awards *store.BulkTable
	learners                                                                    *store.BulkTable
}

// declare names the tables, parents first, with the columns written.
func (g *gen) declare(b *store.Bulk) {
	g.t = tables{
		users:                b.Table("users", "id", "email", "email_key", "name", "registered_at", "deleted_at", "platform_admin", "password_hash", "created_at"),
		userFields:           b.Table("user_fields", "user_id", "key", "value"),
		groups:               b.Table("groups", "id", "name", "parent_id", "created_at"),
		groupTree:            b.Table("group_tree", "ancestor_id", "descendant_id", "depth"),
		groupMembers:         b.Table("group_members", "group_id", "user_id"),
		groupStaff:           b.Table("group_staff", "group_id", "user_id", "role"),
		certificates:         b.Table("certificates", "id", "title", "owner_group_id", "validity_months", "created_at"),
		trainings:            b.Table("trainings", "id", "title", "requires_approval", "created_at", "updated_at", "published_at"),
		trainingCertificates: b.Table("training_certificates", "training_id", "certificate_id"),
		prerequisites:        b.Table("training_prerequisites", "training_id", "prerequisite_id"),
		trainingStaff:        b.Table("training_staff", "training_id", "user_id", "role"),
		modules:              b.Table("modules", "id", "training_id", "position", "title", "min_score", "max_attempts"),
		activities: b.Table("activities", "id", "module_id", "position", "title", "kind", "points", "manual_scoring", "choices", "correct",
			"choice_ids", "choice_seq"),
		sessions: b.Table("sessions", "id", "training_id", "name", "starts_at", "ends_at", "auto_reenroll", "archived_at", "deleted_at", "created_at"),
		enrollments: b.Table("enrollments", "id", "session_id", "training_id", "user_id", "enrolled_at", "enrolled_by", "self_enrolled",
			"approved_at", "approved_by", "auto_reenrolled", "reenrolled_from", "deleted_at", "attempt_uuid", "started_at", "status", "score",
			"completed_at", "mastered_at", "passed_at"),
		moduleAttempts: b.Table("module_attempts", "id", "enrollment_id", "module_id", "number", "started_at"),
		answers:        b.Table("answers", "id", "module_attempt_id", "activity_id", "response", "answered_at", "score", "scored_at", "scored_by"),
		awards:         b.Table("awards", "id", "enrollment_id", "certificate_id", "user_id", "delivered_at", "expires_at"),
		learners: b.Table("certificate_learners", "certificate_id", "user_id", "user_name", "user_deleted", "enrolled",
			"delivered_at", "expires_at", "user_email"),
	}
	g.ids = map[*store.BulkTable]int64{}
	g.bulk = b
}

// id returns the next id of a table: the database is empty, so ids are
// chosen here and the sequences moved past them afterwards.
func (g *gen) id(t *store.BulkTable) int64 {
	g.ids[t]++
	return g.ids[t]
}

// between returns a moment in [lo, hi), lo when the span is empty.
func (g *gen) between(lo, hi time.Time) time.Time {
	if !hi.After(lo) {
		return lo
	}
	return lo.Add(time.Duration(g.rnd.Int64N(int64(hi.Sub(lo))))).Truncate(time.Millisecond)
}

func (g *gen) chance(p float64) bool { return g.rnd.Float64() < p }

func ms(t time.Time) int64 { return t.UnixMilli() }

// nullMs is an optional moment as a column value.
func nullMs(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

func ptr[T any](v T) *T { return &v }

// uuid is a training attempt's UUID: version 7 (RFC 9562 §5.7) at the
// generator's clock, whose 42 bits after the time are a counter of the
// attempts generated (§6.2, method 1) and the 32 last bits come from the
// generator's random source — so the attempts of one seed are the same
// every time, and each is greater than the one before it. In that order
// the unique index on enrollments.attempt_uuid is filled by appending
// rather than at random places, which a load's small page cache could not
// hold at a million learners (store.Bulk). The server makes version 4
// UUIDs for the attempts it starts; xAPI takes either as a registration.
func (g *gen) uuid() string {
	_, lo := g.rnd.Uint64(), g.rnd.Uint64() // two draws, as version 4 took: the other rows stay as they were
	g.attempts++
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[:8], uint64(g.now.UnixMilli())<<16|0x7000|g.attempts>>30&0xfff)
	binary.BigEndian.PutUint64(u[8:], 0x8<<60|(g.attempts&(1<<30-1))<<32|lo&0xffffffff)
	return u.String()
}
