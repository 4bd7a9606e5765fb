//go:build !unix

package faultmatrix

import "net"

// portsHeld says whether reserveClosedPort holds the port it returns.
const portsHeld = false

// reserveClosedPort finds a free loopback port by listening on one and
// closing it. The port is not held: another socket may be given it later.
func reserveClosedPort() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", nil, err
	}
	return addr, func() {}, nil
}
