package gossip

import (
	"net"
	"net/netip"
)

// Transport moves datagrams for the bus. The default is UDP; tests wrap it to
// drop, duplicate, delay and reorder datagrams.
//
// Recv blocks until a datagram arrives; the returned slice is valid only until
// the next Recv call. After Close, Recv returns an error.
// Send must be safe to call concurrently with Recv.
type Transport interface {
	Send(addr netip.AddrPort, b []byte) error
	Recv() ([]byte, netip.AddrPort, error)
	Close() error
	LocalAddr() netip.AddrPort
}

// UDPTransport is the default Transport: one UDP socket.
type UDPTransport struct {
	conn *net.UDPConn
	buf  []byte // receive buffer; owned by the Recv caller
}

// ListenUDP opens a UDP socket on addr ("host:port"; port 0 picks a free one).
func ListenUDP(addr string) (*UDPTransport, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, err
	}
	conn, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, err
	}
	// Bursts of PONGs from many nodes should not overflow the socket buffer.
	_ = conn.SetReadBuffer(1 << 20)
	// One byte more than MaxMessage, so that an oversized datagram is
	// detected (and rejected by decode) instead of silently truncated.
	return &UDPTransport{conn: conn, buf: make([]byte, MaxMessage+1)}, nil
}

// Send writes one datagram.
func (t *UDPTransport) Send(addr netip.AddrPort, b []byte) error {
	_, err := t.conn.WriteToUDPAddrPort(b, addr)
	return err
}

// Recv reads one datagram.
func (t *UDPTransport) Recv() ([]byte, netip.AddrPort, error) {
	n, from, err := t.conn.ReadFromUDPAddrPort(t.buf)
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	return t.buf[:n], from, nil
}

// Close closes the socket; a blocked Recv returns an error.
func (t *UDPTransport) Close() error { return t.conn.Close() }

// LocalAddr is the bound address.
func (t *UDPTransport) LocalAddr() netip.AddrPort {
	return t.conn.LocalAddr().(*net.UDPAddr).AddrPort()
}
