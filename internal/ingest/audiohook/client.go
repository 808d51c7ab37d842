package audiohook

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/undertone/undertone/internal/codec"
)

// ClientParams say how a Client connects, as Genesys Cloud would.
type ClientParams struct {
	URL            string // ws://host:port/v1/media/audiohook
	APIKey         string
	ClientSecret   string // base64; empty = unsigned
	OrganizationID string
	SessionID      string // empty = random
	Now            func() time.Time
	Nonce          string // empty = random
	ExtraHeader    http.Header
}

// Client speaks the Genesys side of AudioHook v2: tests and the load generator use it.
type Client struct {
	conn  *websocket.Conn
	id    string
	wmu   sync.Mutex
	seq   int64
	pos   time.Duration
	nch   int
	buf   []byte
	ulaw  [2][]byte
	in    chan Message
	done  chan struct{}
	Media Media // chosen by the server
}

// SignedHeader returns the headers Genesys sends for p against u, signed when a secret is set.
func SignedHeader(p ClientParams, u *url.URL) (http.Header, error) {
	h := http.Header{}
	for k, v := range p.ExtraHeader {
		h[k] = v
	}
	h.Set("Audiohook-Organization-Id", p.OrganizationID)
	h.Set("Audiohook-Session-Id", p.SessionID)
	h.Set("Audiohook-Correlation-Id", randomUUID())
	h.Set("X-API-KEY", p.APIKey)
	if p.ClientSecret == "" {
		return h, nil
	}
	secret, err := base64.StdEncoding.DecodeString(p.ClientSecret)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	nonce := p.Nonce
	if nonce == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		nonce = base64.RawURLEncoding.EncodeToString(b[:])
	}
	created := now().Unix()
	si := SigInput{Label: "sig1", Components: []string{"@request-target", "@authority",
		"audiohook-organization-id", "audiohook-session-id", "audiohook-correlation-id", "x-api-key"}}
	si.Raw = `("@request-target" "@authority" "audiohook-organization-id" "audiohook-session-id" "audiohook-correlation-id" "x-api-key")` +
		`;keyid="` + p.APIKey + `";nonce="` + nonce + `";alg="hmac-sha256";created=` + strconv.FormatInt(created, 10) +
		`;expires=` + strconv.FormatInt(created+300, 10)
	req := &http.Request{Method: http.MethodGet, URL: u, Host: u.Host, Header: h}
	base, err := SignatureBase(req, si)
	if err != nil {
		return nil, err
	}
	h.Set("Signature-Input", si.Label+"="+si.Raw)
	h.Set("Signature", Sign(base, secret, si.Label))
	return h, nil
}

// Dial connects (the signature covers the request).
func Dial(ctx context.Context, p ClientParams) (*Client, error) {
	if p.SessionID == "" {
		p.SessionID = randomUUID()
	}
	u, err := url.Parse(p.URL)
	if err != nil {
		return nil, err
	}
	h, err := SignedHeader(p, u)
	if err != nil {
		return nil, err
	}
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, p.URL, h)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("audiohook: dial: %w (%s)", err, resp.Status)
		}
		return nil, fmt.Errorf("audiohook: dial: %w", err)
	}
	c := &Client{conn: conn, id: p.SessionID, in: make(chan Message, 64), done: make(chan struct{})}
	go c.readLoop()
	return c, nil
}

func (c *Client) readLoop() {
	defer close(c.done)
	defer close(c.in)
	for {
		_, b, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		var m Message
		if json.Unmarshal(b, &m) == nil {
			select {
			case c.in <- m:
			default: // nobody is waiting for it
			}
		}
	}
}

// Conn returns the websocket (tests send raw frames through it).
func (c *Client) Conn() *websocket.Conn { return c.conn }

// Send sends a text message of type typ.
func (c *Client) Send(typ string, params any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.seq++
	if params == nil {
		params = struct{}{}
	}
	b, err := json.Marshal(map[string]any{"version": Version, "type": typ, "seq": c.seq, "serverseq": 0,
		"id": c.id, "position": FormatPosition(c.pos), "parameters": params})
	if err != nil {
		return err
	}
	return c.conn.WriteMessage(websocket.TextMessage, b)
}

// Wait returns the next server message of type typ (others are skipped).
func (c *Client) Wait(ctx context.Context, typ string) (Message, error) {
	for {
		select {
		case m, ok := <-c.in:
			if !ok {
				return Message{}, fmt.Errorf("audiohook: socket closed waiting for %s", typ)
			}
			if m.Type == typ {
				return m, nil
			}
		case <-ctx.Done():
			return Message{}, fmt.Errorf("audiohook: waiting for %s: %w", typ, ctx.Err())
		}
	}
}

// Open runs the open transaction offering stereo and mono PCMU.
func (c *Client) Open(ctx context.Context, conversationID string, offer []Media) error {
	if offer == nil {
		offer = []Media{{Type: "audio", Format: "PCMU", Channels: []string{"external", "internal"}, Rate: 8000},
			{Type: "audio", Format: "PCMU", Channels: []string{"external"}, Rate: 8000}}
	}
	if err := c.Send(TypeOpen, OpenParams{OrganizationID: "org", ConversationID: conversationID,
		Participant: Participant{ID: randomUUID(), ANI: "tel:+31201234567", DNIS: "tel:+31207654321"},
		Media:       offer, Language: "nl-NL"}); err != nil {
		return err
	}
	m, err := c.Wait(ctx, TypeOpened)
	if err != nil {
		return err
	}
	var p struct {
		Media []Media `json:"media"`
	}
	if err := json.Unmarshal(m.Parameters, &p); err != nil || len(p.Media) != 1 {
		return fmt.Errorf("audiohook: opened without one media: %s", m.Parameters)
	}
	c.Media = p.Media[0]
	c.nch = len(c.Media.Channels)
	return nil
}

// Audio sends one frame: channels[i] (8 kHz PCM, equal lengths) for the negotiated channels.
func (c *Client) Audio(channels ...[]int16) error {
	if len(channels) != c.nch {
		return fmt.Errorf("audiohook: %d channels for %d negotiated", len(channels), c.nch)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	n := len(channels[0])
	c.buf = c.buf[:0]
	for i, ch := range channels {
		c.ulaw[i] = codec.EncodeULaw(c.ulaw[i][:0], ch)
	}
	for k := 0; k < n; k++ {
		for i := range channels {
			c.buf = append(c.buf, c.ulaw[i][k])
		}
	}
	c.pos += time.Duration(n) * time.Second / 8000
	return c.conn.WriteMessage(websocket.BinaryMessage, c.buf)
}

// Close runs the close transaction and closes the socket.
func (c *Client) Close(ctx context.Context) error {
	err := c.Send(TypeClose, map[string]string{"reason": "end"})
	if err == nil {
		_, err = c.Wait(ctx, TypeClosed)
	}
	c.conn.Close()
	<-c.done
	return err
}

// Drop closes the socket without the close transaction.
func (c *Client) Drop() {
	c.conn.Close()
	<-c.done
}

func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
