package server

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode"

	"skillpath"
	"skillpath/store"
)

// Attachments of content activities (issue 18): an author uploads an image
// or a PDF to a training and links its URL from a content body's Markdown;
// the pages serve it to those who may see the training.

// MaxAttachmentBytes is the largest attachment accepted (413 above it).
const MaxAttachmentBytes = 5 << 20

// attachmentTypes are the types an attachment may have, as sniffed from
// its bytes (http.DetectContentType), never as the client declares: no SVG
// or HTML, which a browser would run scripts in.
var attachmentTypes = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true, "application/pdf": true,
}

func (s *Server) apiAttachments() {
	s.handle("POST /api/v1/trainings/{id}/attachments", s.uploadAttachment)
	s.page("GET /trainings/{id}/attachments/{attachment_id}", s.pageAttachment)
}

// uploadAttachment stores the request body as an attachment of the
// training, named by ?name= (default "attachment"), for platform admins
// and the training's authors. Answers 201 with store.Attachment (its url is
// what a body links); 400 naming body (empty, or not PNG, JPEG, GIF, WebP
// or PDF) or name; 413 above MaxAttachmentBytes; 404 for an unknown training.
func (s *Server) uploadAttachment(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, err := pathID(r, "id", "training")
	if err != nil {
		return err
	}
	if !caller.PlatformAdmin {
		a, err := s.Store.Access(r.Context(), caller, 0, id)
		if err != nil {
			return err
		}
		if !a.Author {
			return skillpath.Errorf(skillpath.EFORBIDDEN, "only platform admins and the training's authors may add attachments")
		}
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		name = "attachment"
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxAttachmentBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return &skillpath.Error{Code: skillpath.ETOOLARGE, Field: "body", Message: fmt.Sprintf("body: an attachment is at most %d MiB", MaxAttachmentBytes>>20)}
	case err != nil:
		return skillpath.Invalid("body", "could not be read")
	}
	a, err := s.addAttachment(r, id, name, data, caller, "body")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

// addAttachment checks an attachment's name and bytes and stores it: the
// work of POST /api/v1/trainings/{id}/attachments and of the editor's
// upload form, whose file is named by field ("body" or "file" in errors).
func (s *Server) addAttachment(r *http.Request, training skillpath.ID, name string, data []byte, caller *skillpath.User, field string) (*store.Attachment, error) {
	if err := skillpath.ValidateName("name", name); err != nil {
		return nil, err
	}
	if err := checkFileName(name); err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, skillpath.Invalid(field, "the file is empty")
	}
	ct := http.DetectContentType(data)
	if !attachmentTypes[ct] {
		return nil, skillpath.Invalid(field, "must be a PNG, JPEG, GIF or WebP image or a PDF (this file reads as %s)", ct)
	}
	a := &store.Attachment{TrainingID: training, Name: name, ContentType: ct, Data: data}
	if err := s.Store.AddAttachment(r.Context(), a, caller.ID); err != nil {
		return nil, err
	}
	return a, nil
}

// pageAttachment serves an attachment with its type, nosniff and the
// pages' security headers, to those who may see its training
// (store.ReadAttachment); 404 to anyone else.
func (s *Server) pageAttachment(w http.ResponseWriter, r *http.Request, v *view) error {
	trainingID, err := pathID(r, "id", "training")
	if err != nil {
		return err
	}
	id, err := pathID(r, "attachment_id", "attachment")
	if err != nil {
		return err
	}
	a, err := s.Store.ReadAttachment(r.Context(), v.User, trainingID, id)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Cache-Control", "private, max-age=300")
	h.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": a.Name}))
	_, err = w.Write(a.Data)
	if err != nil {
		responseFailed(w, "write", err)
	}
	return nil
}

// checkFileName refuses an attachment name that is no plain file name
// (review fix 10): a path separator or quote, a control character (tab
// included), an invisible formatting character — the bidirectional
// overrides such as U+202E, which make "gpj.exe" read "exe.jpg" — or a
// name of dots alone ("." and ".."). EINVALID naming "name".
func checkFileName(name string) error {
	if strings.ContainsAny(name, `/\"`) {
		return skillpath.Invalid("name", "must be a file name without / \\ or \"")
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return skillpath.Invalid("name", "must not hold control or invisible formatting characters (such as %U)", r)
		}
	}
	if strings.Trim(name, ". ") == "" {
		return skillpath.Invalid("name", "must be a file name, not dots alone")
	}
	return nil
}
