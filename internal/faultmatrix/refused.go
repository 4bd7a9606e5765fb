package faultmatrix

import "net"

// ClosedLoopbackURL returns the http URL of a loopback port where nothing
// listens, for a Setup with Refused: every connection to it is refused.
func ClosedLoopbackURL() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", err
	}
	return "http://" + addr, nil
}
