package security

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

// TestRedisTLS: REDIS_URL rediss://:<password>@host:<tls-port> works
// against a redis-server that speaks TLS, verifying the server against the
// CA in SSL_CERT_FILE; without that CA the process is not ready (the
// certificate is checked) and does not crash.
func TestRedisTLS(t *testing.T) {
	dir := t.TempDir()
	ca, cert, key := writeCerts(t, dir)
	tlsPort, err := redistest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	redistest.New(t, redistest.Options{Args: []string{
		"--requirepass", password,
		"--tls-port", strconv.Itoa(tlsPort), "--tls-cert-file", cert, "--tls-key-file", key,
		"--tls-ca-cert-file", ca, "--tls-auth-clients", "no",
	}})
	url := fmt.Sprintf("rediss://:%s@127.0.0.1:%d/0", password, tlsPort)
	gw, pj := startShop(t, url, "SSL_CERT_FILE="+ca)
	shopWorks(t, gw)

	untrusting := start(t, "projector", "REDIS_URL="+url, "SSL_CERT_FILE="+filepath.Join(dir, "none.pem"))
	waitStatus(t, untrusting.URL()+"/healthz", http.StatusOK)
	if code, body := get(t, untrusting.URL()+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("projector without the CA: /readyz = %d %s, want 503", code, body)
	}
	noSecrets(t, []*proc{gw, pj, untrusting}, password)
}

// writeCerts writes a CA and a server certificate for 127.0.0.1 signed by
// it, PEM files in dir, and returns their paths.
func writeCerts(t *testing.T, dir string) (ca, cert, key string) {
	t.Helper()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ordershop test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, caKey := newCert(t, caTmpl, nil, nil)
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	srvDER, srvKey := newCert(t, srvTmpl, caCert, caKey)
	keyDER, err := x509.MarshalECPrivateKey(srvKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, cert, key = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key")
	for path, block := range map[string]*pem.Block{
		ca: {Type: "CERTIFICATE", Bytes: caDER}, cert: {Type: "CERTIFICATE", Bytes: srvDER}, key: {Type: "EC PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return ca, cert, key
}

// newCert makes a P-256 key and a certificate of it from tmpl, signed by
// parent's key (self-signed if parent is nil), and returns the
// certificate's DER and the key.
func newCert(t *testing.T, tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) ([]byte, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	return der, key
}
