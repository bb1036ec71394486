# Sourced by the runbook's first step in a drill: makes a two-level CA (a root, and an
# issuing CA run with `openssl ca`, its key under a pass phrase), issues a server
# certificate that expires in three hours, starts an HTTPS server with it on 127.0.0.1,
# and exports what the later steps use. Everything lives in one temp dir; janitor.sh
# removes it.

LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/certificate-rotation-lab.XXXXXX") || return 1
lab_here=$(cd lab/certificate-rotation && pwd) || return 1

# The lab goes when cairn (this shell's parent) goes, even if cairn is killed.
echo "$PPID" > "$LAB_DIR/owner"
python3 "$lab_here/../common/spawn.py" "$LAB_DIR" - sh "$lab_here/janitor.sh" "$LAB_DIR"

if ! (
  set -e
  umask 077
  cd "$LAB_DIR"
  mkdir -p root ca/private ca/newcerts server work
  export SERVER_NAME=api.lab.internal
  CA_KEY_PASSWORD=$(openssl rand -hex 16)
  echo "$CA_KEY_PASSWORD" > ca-key-password   # for the exports below, not for the runbook
  export CA_KEY_PASSWORD
  ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256"

  # The root: the trust anchor clients have.
  openssl req -x509 $ec -nodes -keyout root/root.key -out root/root.crt -days 3650 \
    -subj "/O=Cairn Lab/CN=Cairn Lab Root CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

  # The issuing CA, signed by the root; it signs server certificates with `openssl ca`.
  openssl req -new $ec -passout env:CA_KEY_PASSWORD -keyout ca/private/ca.key -out ca/ca.csr \
    -subj "/O=Cairn Lab/CN=Cairn Lab Issuing CA" 2>/dev/null
  printf '%s\n' "basicConstraints=critical,CA:TRUE,pathlen:0" "keyUsage=critical,keyCertSign,cRLSign" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" > ca/ca.ext
  openssl x509 -req -in ca/ca.csr -CA root/root.crt -CAkey root/root.key -CAcreateserial \
    -days 1825 -extfile ca/ca.ext -out ca/ca.crt 2>/dev/null
  : > ca/index.txt
  echo "1$(openssl rand -hex 8 | cut -c2-)" > ca/serial   # no leading zero: every tool prints it alike
  echo 1000 > ca/crlnumber
  cat > ca/openssl.cnf <<CNF
[ ca ]
default_ca = issuing_ca

[ issuing_ca ]
dir              = $LAB_DIR/ca
database         = \$dir/index.txt
new_certs_dir    = \$dir/newcerts
certificate      = \$dir/ca.crt
private_key      = \$dir/private/ca.key
serial           = \$dir/serial
crlnumber        = \$dir/crlnumber
default_md       = sha256
default_days     = 90
default_crl_days = 7
unique_subject   = no
copy_extensions  = none
policy           = policy_any

[ policy_any ]
organizationName = optional
commonName       = supplied
CNF

  # The server certificate in service: issued 87 days ago, it expires in three hours.
  openssl req -new $ec -nodes -keyout server/server.key -out work/old.csr \
    -subj "/CN=$SERVER_NAME" 2>/dev/null
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" "subjectAltName=DNS:$SERVER_NAME" > work/old.ext
  openssl ca -batch -notext -config ca/openssl.cnf -passin env:CA_KEY_PASSWORD \
    -startdate "$(date -u -d '-87 days' +%y%m%d%H%M%SZ)" \
    -enddate "$(date -u -d '+3 hours' +%y%m%d%H%M%SZ)" \
    -extfile work/old.ext -in work/old.csr -out work/old-leaf.crt 2>/dev/null
  cat work/old-leaf.crt ca/ca.crt > server/server.crt
  chmod 644 server/server.crt root/root.crt ca/ca.crt
  rm -f work/old.csr work/old.ext work/old-leaf.crt
) >"$LAB_DIR/setup.log" 2>&1; then
  echo "The lab's certificates could not be made:" >&2
  cat "$LAB_DIR/setup.log" >&2
  sh "$lab_here/teardown.sh" "$LAB_DIR"
  return 1
fi

python3 "$lab_here/../common/spawn.py" "$LAB_DIR" server python3 "$lab_here/tls_server.py" \
  --dir "$LAB_DIR" --cert "$LAB_DIR/server/server.crt" --key "$LAB_DIR/server/server.key"
for _ in $(seq 50); do [ -s "$LAB_DIR/port" ] && break; sleep 0.1; done
if [ ! -s "$LAB_DIR/port" ]; then
  echo "The lab's server did not start:" >&2
  cat "$LAB_DIR/server.log" >&2
  sh "$lab_here/teardown.sh" "$LAB_DIR"
  return 1
fi

export LAB_DIR
export TLS_ADDR="127.0.0.1:$(cat "$LAB_DIR/port")"
export SERVER_NAME=api.lab.internal
export CERT_FILE="$LAB_DIR/server/server.crt"
export KEY_FILE="$LAB_DIR/server/server.key"
export CA_DIR="$LAB_DIR/ca"
export ROOT_CA="$LAB_DIR/root/root.crt"
export WORK_DIR="$LAB_DIR/work"
CA_KEY_PASSWORD=$(cat "$LAB_DIR/ca-key-password")
export CA_KEY_PASSWORD
unset lab_here
echo "Lab up in $LAB_DIR: https://$SERVER_NAME on $TLS_ADDR serves a certificate that expires in three hours."
