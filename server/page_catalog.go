package server

func (s *Server) pagesCatalog() {}
