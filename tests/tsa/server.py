#!/usr/bin/env python3
"""A time-stamping authority on loopback for the tests: `openssl ts -reply` behind a small
HTTP server (RFC 3161 over HTTP). It makes its own CA and TSA certificates in DIR, serves on
127.0.0.1 only, prints "port N" once it listens, and stops after a time limit.

usage: server.py DIR [SECONDS]
"""
import http.server
import os
import subprocess
import sys
import tempfile
import threading

DIR = os.path.abspath(sys.argv[1])
LIMIT = float(sys.argv[2]) if len(sys.argv) > 2 else 300


def run(*args, **kw):
    subprocess.run(args, check=True, cwd=DIR, capture_output=True, **kw)


def make_certificates():
    os.makedirs(DIR, exist_ok=True)
    with open(os.path.join(DIR, "tsa.ext"), "w") as f:
        f.write(
            "basicConstraints = CA:FALSE\n"
            "keyUsage = critical, digitalSignature\n"
            "extendedKeyUsage = critical, timeStamping\n"
            "subjectKeyIdentifier = hash\n"
            "authorityKeyIdentifier = keyid\n"
        )
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
        "-out", "ca.pem", "-days", "30", "-subj", "/CN=Test Time-Stamping Root/O=Dossier tests")
    run("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key",
        "-out", "tsa.csr", "-subj", "/CN=Test Time-Stamping Authority/O=Dossier tests")
    run("openssl", "x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "tsa.pem", "-days", "30", "-extfile", "tsa.ext")
    with open(os.path.join(DIR, "serial"), "w") as f:
        f.write("01\n")
    with open(os.path.join(DIR, "tsa.cnf"), "w") as f:
        f.write(
            "[ tsa ]\n"
            "default_tsa = test_tsa\n"
            "[ test_tsa ]\n"
            f"serial = {DIR}/serial\n"
            "crypto_device = builtin\n"
            f"signer_cert = {DIR}/tsa.pem\n"
            f"certs = {DIR}/ca.pem\n"
            f"signer_key = {DIR}/tsa.key\n"
            "signer_digest = sha256\n"
            "default_policy = 1.3.6.1.4.1.99999.1\n"
            "digests = sha256, sha384, sha512\n"
            "accuracy = secs:1\n"
            "ordering = no\n"
            "tsa_name = yes\n"
            "ess_cert_id_chain = no\n"
            "ess_cert_id_alg = sha256\n"
        )


LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        query = self.rfile.read(length)
        with LOCK, tempfile.TemporaryDirectory(dir=DIR) as work:
            q = os.path.join(work, "q.tsq")
            r = os.path.join(work, "r.tsr")
            with open(q, "wb") as f:
                f.write(query)
            done = subprocess.run(
                ["openssl", "ts", "-reply", "-config", os.path.join(DIR, "tsa.cnf"),
                 "-queryfile", q, "-out", r],
                capture_output=True,
            )
            if done.returncode != 0:
                self.send_response(400)
                self.end_headers()
                self.wfile.write(done.stderr)
                return
            with open(r, "rb") as f:
                body = f.read()
        with open(os.path.join(DIR, "requests.log"), "ab") as log:
            log.write(query.hex().encode() + b"\n")
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    make_certificates()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Timer(LIMIT, server.shutdown).start()
    print(f"port {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
