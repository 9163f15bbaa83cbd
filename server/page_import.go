package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"skillpath"
	"skillpath/roster"
)

// The import page (SPEC §6, issue 14): upload a CSV file, see what each
// line will do and every line's problems, then apply. The preview is a
// dry run; the file travels back with the apply form (a hidden field), so
// nothing is kept on the server between the two and nothing is written
// before apply. Apply plans the file again against the database as it is
// then, all or nothing.
func (s *Server) pagesImport() {
	s.page("GET /people/import", s.pageImport)
	s.uploadPage("POST /people/import", s.pageImportPreview)
	s.uploadPage("POST /people/import/apply", s.pageImportApply)
}

// uploadLimit bounds an upload form: the file, or its text sent back with
// the apply form, and the form's few other fields.
const uploadLimit = roster.MaxBytes + 1<<20

// uploadPage registers a page whose form sends a file
// (multipart/form-data): the form is read here, up to uploadLimit, before
// the page's usual checks (session, origin, form token) read its fields.
// A file over the limit is refused with a page saying so.
func (s *Server) uploadPage(pattern string, h pageFunc) {
	page := s.pageHandler(pattern, h)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			r.Body = http.MaxBytesReader(w, r.Body, uploadLimit)
			if err := r.ParseMultipartForm(4 << 20); err != nil {
				pageHeaders(w)
				var tooLarge *http.MaxBytesError
				if errors.As(err, &tooLarge) {
					s.importTooLarge(w, r)
				} else {
					s.pageError(w, r, &view{}, skillpath.Errorf(skillpath.EINVALID, "The form could not be read."))
				}
				return
			}
			defer r.MultipartForm.RemoveAll()
		}
		page(w, r)
	})
}

// importTooLarge answers a file over the limit with the import page and
// the message next to the file's field (413), as the page's script does
// before sending: the form, cut short, is not read, so this page only
// shows (it changes nothing, and needs no form token). Anyone but a
// signed-in platform admin gets the error page.
func (s *Server) importTooLarge(w http.ResponseWriter, r *http.Request) {
	ws, err := s.webSession(r)
	if err != nil || !ws.User.PlatformAdmin {
		s.pageError(w, r, &view{}, errImportTooLarge)
		return
	}
	v := &view{User: ws.User, CSRF: ws.CSRF}
	if v.Roles, err = s.Store.UserRoles(r.Context(), ws.User); err != nil {
		s.pageError(w, r, v, err)
		return
	}
	v.Nav = s.navigation(v.Roles, "/people/import")
	v.Title, v.Data = "Import people", &importView{}
	v.Error, v.ErrorFor, v.Status = pageMessage(errImportTooLarge), "file", http.StatusRequestEntityTooLarge
	if err := s.render(w, r, v, "people-import.html"); err != nil {
		s.Log.Error("render the import page", "error", err)
	}
}

var errImportTooLarge = skillpath.Errorf(skillpath.ETOOLARGE,
	"The file is larger than 16 MiB. Split it into smaller files and import each.")

// importView is the import page: the form, and after an upload the
// preview of each line.
type importView struct {
	FileName string
	FileText string // sent back with the apply form
	Report   *roster.Report
	Lines    []importLine
	Columns  []string
	Shown    int // lines listed (the first importShown with changes or errors)
	// Errors are the first importErrorsShown errors, MoreErrors the rest's count.
	Errors     []roster.Problem
	MoreErrors int
}

// importErrorsShown bounds the list of errors at the top of the preview;
// the table below shows each line's errors too.
const importErrorsShown = 200

// importLine is a line of the preview.
type importLine struct {
	Line     int
	Action   roster.Action
	Email    string
	Name     string
	Changes  string
	Problems []roster.Problem
}

// importShown bounds the lines the preview lists: every line with an
// error, and the first ones that create or update.
const importShown = 1000

func (s *Server) pageImport(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return err
	}
	v.Title, v.Data = "Import people", &importView{}
	return s.render(w, r, v, "people-import.html")
}

// importText reads the uploaded file, or the text sent back for apply.
func importText(r *http.Request) (name, text string, err error) {
	if r.MultipartForm != nil {
		if fh := r.MultipartForm.File["file"]; len(fh) > 0 {
			if fh[0].Size > roster.MaxBytes {
				return "", "", errImportTooLarge
			}
			f, err := fh[0].Open()
			if err != nil {
				return "", "", err
			}
			defer f.Close()
			b, err := io.ReadAll(f)
			return fh[0].Filename, string(b), err
		}
	}
	text = r.PostForm.Get("file_text")
	if text == "" {
		return "", "", &skillpath.Error{Code: skillpath.EINVALID, Field: "file", Message: "Choose a CSV file to import."}
	}
	if len(text) > roster.MaxBytes {
		return "", "", errImportTooLarge
	}
	return r.PostForm.Get("file_name"), text, nil
}

func (s *Server) pageImportPreview(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.importPage(w, r, v, true)
}

func (s *Server) pageImportApply(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.importPage(w, r, v, false)
}

// importPage previews (dryRun) or applies the file of the form.
func (s *Server) importPage(w http.ResponseWriter, r *http.Request, v *view, dryRun bool) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return err
	}
	d := &importView{}
	v.Title, v.Data = "Import people", d
	show := func(w http.ResponseWriter, r *http.Request, v *view) error {
		return s.render(w, r, v, "people-import.html")
	}
	name, text, err := importText(r)
	if err != nil {
		return s.refused(w, r, v, err, "file", show)
	}
	release, err := s.importSlot()
	if err != nil {
		return err
	}
	defer release()
	f := roster.ParseBytes([]byte(text), s.now(), s.Store.Zone)
	rep, err := s.Store.ImportUsers(r.Context(), f, dryRun)
	if err != nil {
		return s.refused(w, r, v, err, "file", show)
	}
	if !dryRun && rep.OK() {
		s.flash(w, r, fmt.Sprintf("Imported %s: %d created, %d updated, %d unchanged.", name, rep.Created, rep.Updated, rep.Unchanged))
		return redirect(w, r, "/people")
	}
	d.FileName, d.Report, d.Columns = name, rep, f.Columns
	if rep.OK() {
		d.FileText = text
	} else {
		v.Status = http.StatusUnprocessableEntity
		v.Error = "The file has " + quantity(len(rep.Errors), "error") + ": nothing will be written. Correct them and upload the file again."
		v.ErrorFor = "import-errors"
	}
	d.Errors = rep.Errors
	if len(d.Errors) > importErrorsShown {
		d.Errors, d.MoreErrors = d.Errors[:importErrorsShown], len(rep.Errors)-importErrorsShown
	}
	d.Lines = previewLines(f, rep)
	d.Shown = len(d.Lines)
	return show(w, r, v)
}

// previewLines are the lines the preview lists: those with problems (and
// the file's own problems), then those that change something, at most
// importShown.
func previewLines(f *roster.File, rep *roster.Report) []importLine {
	var out []importLine
	for _, p := range f.Problems {
		out = append(out, importLine{Line: p.Line, Action: roster.Refused, Problems: []roster.Problem{p}})
	}
	byLine := map[int]roster.Line{}
	for _, l := range f.Lines {
		byLine[l.Number] = l
	}
	for _, pass := range []bool{true, false} {
		for _, o := range rep.Lines {
			if (o.Action == roster.Refused) != pass || o.Action == roster.Unchanged || len(out) >= importShown {
				continue
			}
			l := byLine[o.Line]
			out = append(out, importLine{Line: o.Line, Action: o.Action, Email: l.Email, Name: l.Name,
				Changes: strings.Join(o.Changes, ", "), Problems: o.Problems})
		}
	}
	return out
}
