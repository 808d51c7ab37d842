package twilio

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/gorilla/websocket"

	"github.com/undertone/undertone/internal/codec"
)

// Client speaks the Twilio side of a media stream, message for message as Twilio sends
// them. Tests and the load generator use it.
type Client struct {
	conn      *websocket.Conn
	mu        sync.Mutex
	seq       int
	chunk     map[string]int
	streamSid string
	callSid   string
	ulaw      []byte
}

// Dial opens the websocket (token may be empty when it travels as a custom parameter).
func Dial(ctx context.Context, url, token string) (*Client, error) {
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, url, h)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("twilio: dial: %w (%s)", err, resp.Status)
		}
		return nil, fmt.Errorf("twilio: dial: %w", err)
	}
	return &Client{conn: conn, chunk: map[string]int{}}, nil
}

// Conn returns the websocket (tests read the server's close through it).
func (c *Client) Conn() *websocket.Conn { return c.conn }

// SendRaw sends b as one text message, serialised with the client's own messages.
func (c *Client) SendRaw(b []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn.WriteMessage(websocket.TextMessage, b)
}

func (c *Client) send(m map[string]any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	m["sequenceNumber"] = strconv.Itoa(c.seq)
	if c.streamSid != "" && m["event"] != "connected" {
		m["streamSid"] = c.streamSid
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return c.conn.WriteMessage(websocket.TextMessage, b)
}

// Start sends connected and start for tracks ("inbound", "outbound").
func (c *Client) Start(callSid, streamSid string, tracks []string, params map[string]string) error {
	c.mu.Lock()
	c.callSid = callSid
	c.mu.Unlock()
	if err := c.send(map[string]any{"event": "connected", "protocol": "Call", "version": "1.0.0"}); err != nil {
		return err
	}
	c.mu.Lock()
	c.streamSid = streamSid
	c.mu.Unlock()
	return c.send(map[string]any{"event": "start", "start": map[string]any{
		"accountSid": "ACtest", "streamSid": streamSid, "callSid": callSid, "tracks": tracks,
		"customParameters": params,
		"mediaFormat":      map[string]any{"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
	}})
}

// Media sends pcm (8 kHz) as one µ-law chunk of track.
func (c *Client) Media(track string, pcm []int16) error {
	c.mu.Lock()
	c.chunk[track]++
	n := c.chunk[track]
	c.ulaw = codec.EncodeULaw(c.ulaw[:0], pcm)
	payload := base64.StdEncoding.EncodeToString(c.ulaw)
	c.mu.Unlock()
	return c.send(map[string]any{"event": "media", "media": map[string]any{
		"track": track, "chunk": strconv.Itoa(n), "timestamp": strconv.Itoa((n - 1) * len(pcm) / 8), "payload": payload}})
}

// Mark sends a mark message.
func (c *Client) Mark(name string) error {
	return c.send(map[string]any{"event": "mark", "mark": map[string]any{"name": name}})
}

// Stop sends stop and closes the socket.
func (c *Client) Stop() error {
	err := c.send(map[string]any{"event": "stop", "stop": map[string]any{"accountSid": "ACtest", "callSid": c.callSid}})
	c.conn.Close()
	return err
}

// Close drops the socket without stop.
func (c *Client) Close() error { return c.conn.Close() }
