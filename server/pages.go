package server

import (
	"embed"
	"html/template"
	"net/http"
)

//go:embed templates/*.html
var templateFiles embed.FS

var templates = template.Must(template.ParseFS(templateFiles, "templates/*.html"))

func (s *Server) pages() {
	s.mux.HandleFunc("GET /{$}", s.pageHome)
}

func (s *Server) pageHome(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := templates.ExecuteTemplate(w, "home.html", nil); err != nil {
		s.Log.Error("render home", "error", err)
	}
}
