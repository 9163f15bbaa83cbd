package server

// HoldImportSlot takes the import slot as a running import would, for
// the tests of the import limit; call the result to release it.
func (s *Server) HoldImportSlot() (release func(), err error) { return s.importSlot() }
