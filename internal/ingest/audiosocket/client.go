package audiosocket

import (
	"fmt"
	"net"
	"time"

	"github.com/undertone/undertone/internal/codec"
)

// Client plays one party into an AudioSocket server the way Asterisk's res_audiosocket
// does: a UUID frame, then 20 ms kind 0x10 frames, then a hangup frame. Tests and the
// load generator use it.
type Client struct {
	conn net.Conn
	buf  []byte
	pcm  []byte
}

// Dial connects and sends the UUID frame.
func Dial(addr, uuid string) (*Client, error) {
	u, err := ParseUUID(uuid)
	if err != nil {
		return nil, err
	}
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("audiosocket: dial: %w", err)
	}
	c := &Client{conn: conn}
	if err := c.send(KindUUID, u[:]); err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

// Conn returns the socket (tests write raw bytes through it).
func (c *Client) Conn() net.Conn { return c.conn }

func (c *Client) send(k Kind, p []byte) error {
	c.buf = AppendFrame(c.buf[:0], k, p)
	_ = c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.conn.Write(c.buf); err != nil {
		return fmt.Errorf("audiosocket: write kind %#02x: %w", byte(k), err)
	}
	return nil
}

// WriteAudio sends pcm (8 kHz mono) as one kind 0x10 frame.
func (c *Client) WriteAudio(pcm []int16) error {
	c.pcm = codec.EncodeL16LE(c.pcm[:0], pcm)
	return c.send(KindSlin, c.pcm)
}

// Hangup sends the hangup frame and closes the connection.
func (c *Client) Hangup() error {
	err := c.send(KindHangup, nil)
	c.conn.Close()
	return err
}

// Close closes the connection without a hangup frame (a vanished peer).
func (c *Client) Close() error { return c.conn.Close() }
