//go:build unix

package faultmatrix

import (
	"fmt"
	"net"
	"syscall"
)

// portsHeld says whether reserveClosedPort holds the port it returns.
const portsHeld = true

// reserveClosedPort binds a TCP socket to a free loopback port and never
// listens on it: a connection there is refused (the kernel answers RST),
// and the port is not handed to another socket while it is bound.
func reserveClosedPort() (string, func(), error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return "", nil, fmt.Errorf("a socket for a closed port: %w", err)
	}
	release := func() { syscall.Close(fd) }
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		release()
		return "", nil, fmt.Errorf("bind a closed port: %w", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		release()
		return "", nil, fmt.Errorf("the closed port's address: %w", err)
	}
	in, ok := sa.(*syscall.SockaddrInet4)
	if !ok {
		release()
		return "", nil, fmt.Errorf("the closed port's address is %T, not IPv4", sa)
	}
	return (&net.TCPAddr{IP: net.IP(in.Addr[:]), Port: in.Port}).String(), release, nil
}
