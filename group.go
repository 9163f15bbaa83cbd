package skillpath

// Group is a node of the organisation's tree of groups. A group includes
// its subgroups wherever SPEC speaks of "a group's learners".
type Group struct {
	ID       ID     `json:"id"`
	Name     string `json:"name"`
	ParentID *ID    `json:"parent_id"`
}

// Validate checks a group about to be created or updated.
func (g *Group) Validate() error {
	if err := ValidateName("name", g.Name); err != nil {
		return err
	}
	if g.ParentID != nil && *g.ParentID == g.ID && g.ID != 0 {
		return &Error{Code: EUNPROCESSABLE, Field: "parent_id", Message: "parent_id: a group cannot be its own parent"}
	}
	return nil
}

// StaffRole is what a staff member is to a group's learners.
type StaffRole string

const (
	RoleGroupAdmin StaffRole = "admin" // manages, approves, scores, sees statistics
	RoleCoach      StaffRole = "coach" // follows and scores, sees statistics
)

// Valid reports whether r is a known group staff role.
func (r StaffRole) Valid() bool { return r == RoleGroupAdmin || r == RoleCoach }

// Staff is one user's role in one group.
type Staff struct {
	GroupID ID        `json:"group_id"`
	UserID  ID        `json:"user_id"`
	Role    StaffRole `json:"role"`
}
