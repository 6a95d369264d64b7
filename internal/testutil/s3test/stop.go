package s3test

// Stop stops the private server, if one was started. For test binaries
// whose TestMain already runs m.Run through another helper (pgtest.Main):
//
//	code := pgtest.Main(m); if err := s3test.Stop(); err != nil { ... }
func Stop() error { return srv.Shutdown() }
