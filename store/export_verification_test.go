package store

// Schema is a migration's text as the store's dialect runs it, for tests
// that replay a migration's statement.
func (s *Store) Schema(sql string) string { return s.dialect.schema(sql) }
