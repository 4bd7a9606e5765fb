package faultmatrix

// ClosedLoopbackURL returns the http URL of a loopback port where nothing
// listens, for a Setup with Refused: every connection to it is refused.
// Until release is called the port stays taken, where the system allows
// (a socket bound to it that does not listen), so that no server another
// test starts meanwhile can be given it and answer in its place.
func ClosedLoopbackURL() (url string, release func(), err error) {
	addr, release, err := reserveClosedPort()
	if err != nil {
		return "", nil, err
	}
	return "http://" + addr, release, nil
}
