//go:build linux

package netguard

import (
	"net"
	"syscall"
	"unsafe"
)

// TCP states of the Linux kernel (include/net/tcp_states.h) that matter here.
const (
	tcpEstablished = 1
	tcpClose       = 7
	tcpCloseWait   = 8
)

// peerState reads the kernel's view of a TCP connection without consuming anything from it: whether the peer
// has finished sending (FIN), whether it has reset the connection (RST: it closed with our data unread, or our
// data reached a socket it had already closed), and whether data we sent is still unacknowledged. known=false
// when the state cannot be read.
func peerState(c net.Conn) (finished, reset, unacked, known bool) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false, false, false, false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false, false, false, false
	}
	var state byte
	var inFlight uint32
	var serr error
	cerr := raw.Control(func(fd uintptr) {
		var info [232]byte // struct tcp_info; tcpi_state is its first byte
		size := uint32(len(info))
		_, _, e := syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, syscall.IPPROTO_TCP, syscall.TCP_INFO,
			uintptr(unsafe.Pointer(&info[0])), uintptr(unsafe.Pointer(&size)), 0)
		if e != 0 {
			serr = e
			return
		}
		state = info[0]
		inFlight = *(*uint32)(unsafe.Pointer(&info[24])) // tcpi_unacked: segments sent and not acknowledged
	})
	if cerr != nil || serr != nil {
		return false, false, false, false
	}
	switch state {
	case tcpEstablished:
		return false, false, inFlight > 0, true
	case tcpCloseWait:
		return true, false, inFlight > 0, true
	case tcpClose:
		return true, true, false, true
	}
	// FIN_WAIT, CLOSING, LAST_ACK, TIME_WAIT: we began closing; the peer's side tells nothing more.
	return false, false, false, true
}
