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
// has finished sending (FIN) and whether it has reset the connection (RST: it closed with our data unread, or
// our data reached a socket it had already closed). known=false when the state cannot be read.
func peerState(c net.Conn) (finished, reset, known bool) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false, false, false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false, false, false
	}
	var state byte
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
	})
	if cerr != nil || serr != nil {
		return false, false, false
	}
	switch state {
	case tcpEstablished:
		return false, false, true
	case tcpCloseWait:
		return true, false, true
	case tcpClose:
		return true, true, true
	}
	// FIN_WAIT, CLOSING, LAST_ACK, TIME_WAIT: we began closing; the peer's side tells nothing more.
	return false, false, true
}
