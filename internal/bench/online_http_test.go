package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// onlineHTTPLeg is a leg of HTTP clients posting Feast's
// /get-online-features requests for keys keys and every feature of v to
// the gateway at baseURL, over keep-alive connections of one Transport
// sized for the clients.
func onlineHTTPLeg(kind, baseURL string, v onlineView, keys, clients int) onlineLeg {
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients,
		DisableCompression: true}
	client := &http.Client{Transport: tr}
	prefix := onlineHTTPPrefix(v)
	return onlineLeg{kind: kind, target: onlineHTTP, clients: clients, keys: keys,
		open: func(context.Context) (onlineConn, error) {
			return &onlineHTTPConn{client: client, url: baseURL + "/get-online-features", prefix: prefix,
				features: v.features}, nil
		}}
}

// onlineHTTPPrefix is the start of every request body for v's features:
// everything but the keys and the closing brackets.
func onlineHTTPPrefix(v onlineView) []byte {
	refs := make([]string, v.features)
	for i := range refs {
		refs[i] = fmt.Sprintf("%s:f%d", v.view(), i+1)
	}
	names, err := json.Marshal(refs)
	if err != nil {
		panic(err) // a list of strings always marshals
	}
	return fmt.Appendf(nil, `{"project":%q,"features":%s,"entities":{"user_id":[`, onlineDB, names)
}

// onlineHTTPConn is one HTTP client: its requests share the leg's
// Transport, and its buffers are reused.
type onlineHTTPConn struct {
	client     *http.Client
	url        string
	prefix     []byte
	features   int
	body, resp bytes.Buffer
}

// onlinePresent is how a value found is marked in a response.
var onlinePresent = []byte(`"PRESENT"`)

// lookup posts one request and checks its status and that every value
// of every key, and the key itself, is PRESENT: the values are checked by
// onlineVerifyHTTP, not here, so that decoding them is no part of the
// measure.
func (c *onlineHTTPConn) lookup(ctx context.Context, keys []string) error {
	if err := c.post(ctx, keys); err != nil {
		return err
	}
	if n, want := bytes.Count(c.resp.Bytes(), onlinePresent), (c.features+1)*len(keys); n != want {
		return fmt.Errorf("POST %s of %d keys: %d PRESENT values, want %d", c.url, len(keys), n, want)
	}
	return nil
}

// post sends the request of keys and reads the whole response (which
// keeps the connection alive) into c.resp; any status but 200 is an
// error.
func (c *onlineHTTPConn) post(ctx context.Context, keys []string) error {
	c.body.Reset()
	c.body.Write(c.prefix)
	for i, k := range keys {
		if i > 0 {
			c.body.WriteByte(',')
		}
		c.body.Write(strconv.AppendQuote(c.body.AvailableBuffer(), k))
	}
	c.body.WriteString("]}}")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(c.body.Bytes()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", c.url, err)
	}
	c.resp.Reset()
	_, err = c.resp.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("POST %s: %w", c.url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s: %s", c.url, resp.Status, c.resp.Bytes()[:min(500, c.resp.Len())])
	}
	return nil
}

func (c *onlineHTTPConn) close(context.Context) { c.client.CloseIdleConnections() }

// onlineWaitHTTP polls GET /health until it answers 200 or timeout
// passes.
func onlineWaitHTTP(baseURL string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get(baseURL + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET /health: %s", resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("HTTP API at %s not up after %s: %w", baseURL, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
