# Sourced by lab.sh: the hosts of the service probes (TLS, amplifiers, slowloris,
# renegotiation, SMB/FTP/SMTP, remote-access portal look-alikes, HTTPS origin bypass),
# all under the zone probe.test so the names of lab.test stay as they are.
#   PREFIX-tls    10.77.0.60  nginx: 443 TLS 1.2/1.3 (refuses client renegotiation;
#                             default header timeout: slowloris-exposed), 4443 TLS
#                             1.0-1.2 (SECLEVEL=0, header timeout 1s), 80 header timeout 1s,
#                             8000 TLS on a plain-web port, 8443 plain HTTP on a TLS port,
#                             8080 client_header_timeout 120s (slowloris-exposed)
#   PREFIX-reneg  10.77.0.62  openssl s_server -client_renegotiation on 443, and a
#                             TLS-only (not HTTP) s_server -rev on 993
#   PREFIX-portal 10.77.0.63  nginx look-alikes with each product's public markers:
#                             443 Citrix Gateway (rdx_en.json.gz MTIME 1688747367 =
#                             12.1-55.297), 10443 FortiGate SSL-VPN, 4443 GlobalProtect,
#                             8443 Ivanti Connect Secure, 80 Exchange OWA, 8080 RD Web
#   PREFIX-ntp    10.77.0.64  ntpsec (answers mode 6), minissdpd with 3 services
#   PREFIX-amp    10.77.0.65  inetd chargen (UDP 19); with LAB_DOUBLES=DIR also
#                             DIR/amp_double.py (NTP monlist, CLDAP: no Debian server)
#   PREFIX-files  10.77.0.67  smbd (SMB2/3 only), vsftpd (AUTH TLS), exim4 (STARTTLS)
#   PREFIX-smb1   10.77.0.68  smbd with server min protocol = NT1 (SMBv1 accepted)
#   PREFIX-edge2  10.77.0.69  TLS reverse proxy for secure.probe.test (the tests list it
#                             as a provider range) -> 10.77.0.70
#   PREFIX-orig2  10.77.0.70  TLS-only origin of secure.probe.test; refuses handshakes
#                             without a known SNI (ssl_reject_handshake)
#   PREFIX-idx    10.77.0.71  nginx autoindex (listing.probe.test): on / at 80 (a folder
#                             of 4 entries), under /uploads/ only at 8080 (2 entries)
#   PREFIX-welcome 10.77.0.72 nginx serving Debian's stock default page (welcome.probe.test)
PROBE_HOSTS="tls reneg portal ntp amp files smb1 edge2 orig2 idx welcome"
declare -A PROBE_ADDR=([tls]=10.77.0.60 [reneg]=10.77.0.62 [portal]=10.77.0.63 [ntp]=10.77.0.64 [amp]=10.77.0.65 [files]=10.77.0.67 [smb1]=10.77.0.68 [edge2]=10.77.0.69 [orig2]=10.77.0.70 [idx]=10.77.0.71 [welcome]=10.77.0.72)

probe_zone() {
    cat <<Z
\$TTL 300
@ IN SOA ns1.lab.test. hostmaster.lab.test. 1 3600 600 86400 300
@ IN NS ns1.lab.test.
tls IN A 10.77.0.60
reneg IN A 10.77.0.62
portal IN A 10.77.0.63
ntp IN A 10.77.0.64
amp IN A 10.77.0.65
files IN A 10.77.0.67
smb1 IN A 10.77.0.68
secure IN A 10.77.0.69
origin IN A 10.77.0.70
listing IN A 10.77.0.71
welcome IN A 10.77.0.72
dns IN A 10.77.0.2
Z
}

SECURE_PAGE="<html><head><title>Secure shop</title></head><body><h1>Secure shop</h1><p>42 items, HTTPS only</p></body></html>"

probe_certs() {
    local d="$DIR/certs"
    mkdir -p "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -keyout "$d/lab.key" -out "$d/lab.crt" \
        -subj "/O=Probe Lab/CN=tls.probe.test" \
        -addext "subjectAltName=DNS:tls.probe.test,DNS:secure.probe.test,DNS:origin.probe.test,DNS:*.probe.test" 2>/dev/null
    # the legacy port's certificate expired on 2021-01-01 (self-signed through `openssl ca`,
    # the one command that takes explicit dates)
    touch "$d/index.txt"
    echo 01 > "$d/serial"
    printf '[ca]\ndefault_ca = lab\n[lab]\ndatabase = %s/index.txt\nserial = %s/serial\nnew_certs_dir = %s\ndefault_md = sha256\npolicy = any\ncopy_extensions = copy\n[any]\ncommonName = supplied\n' \
        "$d" "$d" "$d" > "$d/ca.cnf"
    openssl req -new -newkey rsa:2048 -nodes -keyout "$d/legacy.key" -out "$d/legacy.csr" \
        -subj "/CN=legacy.probe.test" -addext "subjectAltName=DNS:tls.probe.test,DNS:legacy.probe.test" 2>/dev/null
    openssl ca -batch -config "$d/ca.cnf" -selfsign -keyfile "$d/legacy.key" -in "$d/legacy.csr" \
        -startdate 20200101000000Z -enddate 20210101000000Z -out "$d/legacy.crt" 2>/dev/null
}

probes_up() {
    for h in $PROBE_HOSTS; do
        add_host "$h" "${PROBE_ADDR[$h]}"
    done
    # daemons that look names up ask the lab resolver, never the machine's
    mkdir -p "/etc/netns/$P-files"
    echo "nameserver 10.77.0.3" > "/etc/netns/$P-files/resolv.conf"
    probe_certs
    local c="$DIR/certs"

    # TLS host: modern 443, legacy 4443, fast and slow header timeouts on 80 / 8080
    nginx tls 10.77.0.60 "ssl_certificate $c/lab.crt; ssl_certificate_key $c/lab.key;" "
    server {
        listen 10.77.0.60:443 ssl default_server;
        ssl_protocols TLSv1.2 TLSv1.3;
        location / { return 200 \"<html><head><title>Probe TLS</title></head><body>modern</body></html>\"; }
    }
    server {
        listen 10.77.0.60:4443 ssl default_server;
        ssl_certificate $c/legacy.crt;
        ssl_certificate_key $c/legacy.key;
        ssl_protocols TLSv1 TLSv1.1 TLSv1.2;
        ssl_ciphers DEFAULT:@SECLEVEL=0;
        client_header_timeout 1s;
        location / { return 200 \"<html><head><title>Legacy TLS</title></head><body>old</body></html>\"; }
    }
    server {
        listen 10.77.0.60:80 default_server;
        client_header_timeout 1s;
        location / { return 200 \"<html><head><title>Fast timeout</title></head></html>\"; }
    }
    server {
        listen 10.77.0.60:8000 ssl default_server;
        location / { return 200 \"<html><head><title>TLS on a web port</title></head></html>\"; }
    }
    server {
        listen 10.77.0.60:8443 default_server;
        location / { return 200 \"<html><head><title>Plain on a TLS port</title></head></html>\"; }
    }
    server {
        listen 10.77.0.60:8080 default_server;
        client_header_timeout 120s;
        location / { return 200 \"<html><head><title>Slow timeout</title></head></html>\"; }
    }"

    # a server that lets clients renegotiate (OpenSSL 3 refuses unless asked)
    start s_server reneg openssl s_server -quiet -www -accept 10.77.0.62:443 \
        -cert "$c/lab.crt" -key "$c/lab.key" -client_renegotiation
    # TLS that is not HTTP (an IMAPS port): certificate and versions only
    start s_server_imaps reneg openssl s_server -quiet -rev -accept 10.77.0.62:993 \
        -cert "$c/lab.crt" -key "$c/lab.key"

    # remote-access portal look-alikes (markers only; no vendor code)
    mkdir -p "$DIR/portal/vpn/js/rdx/core/lang"
    echo '{"lang":"en"}' | gzip -n -c > "$DIR/portal/rdx.gz"
    # gzip MTIME 1688747367 = 0x64a83d67, little-endian
    printf '\x67\x3d\xa8\x64' | dd of="$DIR/portal/rdx.gz" bs=1 seek=4 conv=notrunc status=none
    mv "$DIR/portal/rdx.gz" "$DIR/portal/vpn/js/rdx/core/lang/rdx_en.json.gz"
    nginx portal 10.77.0.63 "ssl_certificate $c/lab.crt; ssl_certificate_key $c/lab.key;" "
    server {
        listen 10.77.0.63:443 ssl default_server;
        root $DIR/portal;
        location = / {
            add_header Set-Cookie \"NSC_TEMP=xyz; Path=/\";
            return 302 /logon/LogonPoint/tmindex.html;
        }
        location /logon/ { return 200 \"<html><head><title class=\\\"_ctxstxt_NetscalerGateway\\\">NetScaler Gateway</title></head></html>\"; }
        location /vpn/ { default_type application/octet-stream; }
        location / { return 404; }
    }
    server {
        listen 10.77.0.63:10443 ssl default_server;
        more_set_headers \"Server: xxxxxxxx-xxxxx\";
        location = / { return 302 /remote/login?lang=en; }
        location = /remote/login {
            add_header Set-Cookie \"SVPNCOOKIE=; path=/; secure; httponly\";
            return 200 \"<html><head><title></title><script src=\\\"/remote/fgt_lang?lang=en\\\"></script></head><body><div class=\\\"ftnt-fortinet-grid\\\"></div></body></html>\";
        }
        location / { return 404; }
    }
    server {
        listen 10.77.0.63:4443 ssl default_server;
        location = / { return 302 /global-protect/login.esp; }
        location = /global-protect/login.esp { return 200 \"<html><head><title>GlobalProtect Portal</title><link href=\\\"/global-protect/portal/css/login.css\\\"></head></html>\"; }
        location / { return 404; }
    }
    server {
        listen 10.77.0.63:8443 ssl default_server;
        location = / {
            add_header Set-Cookie \"DSSignInURL=/; path=/; secure\";
            return 302 /dana-na/auth/url_default/welcome.cgi;
        }
        location = /dana-na/auth/url_default/welcome.cgi { return 200 \"<html><head><title>Ivanti Connect Secure</title><link href=\\\"/dana-na/css/ds.css\\\"></head></html>\"; }
        location / { return 404; }
    }
    server {
        listen 10.77.0.63:80 default_server;
        location = / {
            add_header X-FEServer EXCH01;
            return 302 /owa/;
        }
        location = /owa/auth/logon.aspx {
            add_header X-OWA-Version 15.1.2507.6;
            add_header X-FEServer EXCH01;
            return 200 \"<html><head><title>Outlook</title><link rel=\\\"shortcut icon\\\" href=\\\"/owa/auth/15.1.2507/themes/resources/favicon.ico\\\"></head></html>\";
        }
        location / { return 404; }
    }
    server {
        listen 10.77.0.63:8080 default_server;
        location = / { return 302 /RDWeb/; }
        location = /RDWeb/Pages/en-US/login.aspx { return 200 \"<html><head><title>RD Web Access</title><script>var TSWAFeatureCheckCookie=1;</script></head></html>\"; }
        location / { return 404; }
    }"

    # ntpsec answering mode 6 (no CAP_SYS_TIME: it must not touch this machine's clock)
    # (ntpsec answers mode 6 only to networks named in a restrict line of their own)
    printf 'driftfile %s/ntp.drift\nrestrict default\nrestrict 10.77.0.0 mask 255.255.0.0\n' "$DIR" > "$DIR/ntp.conf"
    start ntpd ntp setpriv --bounding-set -sys_time /usr/sbin/ntpd -n -c "$DIR/ntp.conf" -p "$DIR/ntpd.pid"
    # minissdpd answers M-SEARCH once services are registered on its socket
    start minissdpd ntp /usr/sbin/minissdpd -d -i eth0 -s "$DIR/minissdpd.sock" -p "$DIR/minissdpd.pid"

    # chargen from inetd's internal services
    printf 'chargen\tdgram\tudp\twait\troot\tinternal\n' > "$DIR/inetd.conf"
    start inetd amp /usr/sbin/inetd -d "$DIR/inetd.conf"
    if [ -n "${LAB_DOUBLES:-}" ]; then
        start amp_double amp python3 "$LAB_DOUBLES/amp_double.py" 10.77.0.65
    fi

    # SMB (SMB2/3 only, then one that still speaks SMB1), FTP, SMTP
    for h in files smb1; do
        local s="$DIR/smb-$h"
        mkdir -p "$s"/{pid,lock,state,cache,private,ncalrpc}
        local minproto="SMB2_02"
        [ "$h" = smb1 ] && minproto="NT1"
        cat > "$s/smb.conf" <<C
[global]
    server role = standalone server
    interfaces = ${PROBE_ADDR[$h]}
    bind interfaces only = yes
    smb ports = 445
    disable netbios = yes
    server min protocol = $minproto
    pid directory = $s/pid
    lock directory = $s/lock
    state directory = $s/state
    cache directory = $s/cache
    private dir = $s/private
    ncalrpc dir = $s/ncalrpc
    log file = $s/log
    load printers = no
    printing = bsd
    printcap name = /dev/null
    disable spoolss = yes
C
        start "smbd-$h" "$h" /usr/sbin/smbd --foreground --no-process-group --debug-stdout -s "$s/smb.conf"
    done
    mkdir -p "$DIR/ftp-empty"
    printf 'listen=YES\nlisten_address=10.77.0.67\nanonymous_enable=YES\nanon_root=%s\nbackground=NO\nsecure_chroot_dir=%s\nssl_enable=YES\nrsa_cert_file=%s\nrsa_private_key_file=%s\n' \
        "$DIR/ftp-empty" "$DIR/ftp-empty" "$c/lab.crt" "$c/lab.key" > "$DIR/vsftpd.conf"
    start vsftpd files /usr/sbin/vsftpd "$DIR/vsftpd.conf"
    start exim files /usr/sbin/exim4 -bdf -oX "<; 10.77.0.67.25" -oP "$DIR/exim.pid"

    # the HTTPS-only site behind a TLS edge, and its origin reachable directly
    nginx orig2 10.77.0.70 "ssl_certificate $c/lab.crt; ssl_certificate_key $c/lab.key;" "
    server {
        listen 10.77.0.70:443 ssl default_server;
        ssl_reject_handshake on;
    }
    server {
        listen 10.77.0.70:443 ssl;
        server_name secure.probe.test origin.probe.test;
        location / { return 200 \"$SECURE_PAGE\"; }
    }"
    nginx edge2 10.77.0.69 "ssl_certificate $c/lab.crt; ssl_certificate_key $c/lab.key;" "
    server {
        listen 10.77.0.69:443 ssl default_server;
        ssl_reject_handshake on;
    }
    server {
        listen 10.77.0.69:443 ssl;
        server_name secure.probe.test;
        location / {
            proxy_pass https://10.77.0.70;
            proxy_ssl_server_name on;
            proxy_ssl_name secure.probe.test;
            proxy_set_header Host secure.probe.test;
        }
    }"
    pages_up
}

probes_wait() {
    wait_tcp 10.77.0.60 443
    wait_tcp 10.77.0.60 8080
    wait_tcp 10.77.0.62 443
    wait_tcp 10.77.0.62 993
    wait_tcp 10.77.0.63 10443
    wait_tcp 10.77.0.67 445
    wait_tcp 10.77.0.67 21
    wait_tcp 10.77.0.67 25
    wait_tcp 10.77.0.68 445
    wait_tcp 10.77.0.69 443
    wait_tcp 10.77.0.70 443
    wait_tcp 10.77.0.71 80
    wait_tcp 10.77.0.71 8080
    wait_tcp 10.77.0.72 80
    for _ in $(seq 1 150); do
        ns ntp ss -lun | grep -q ':123 ' && [ -S "$DIR/minissdpd.sock" ] && break
        sleep 0.1
    done
    # three services for minissdpd to announce (request type 4: submit)
    python3 - "$DIR/minissdpd.sock" <<'PY'
import socket, sys
def s(x):
    b = x.encode()
    return bytes([len(b)]) + b
for st in ("upnp:rootdevice", "urn:schemas-upnp-org:device:InternetGatewayDevice:1",
           "urn:schemas-upnp-org:service:WANIPConnection:1"):
    m = bytes([4]) + s(st) + s("uuid:6f0c1a52-3bd0-4d9f-9a43-5cbb1f0e0a11::" + st) \
        + s("Linux/6.1 UPnP/1.1 MiniUPnPd/2.3.3") + s("http://10.77.0.64:5000/rootDesc.xml")
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(sys.argv[1])
    c.sendall(m)
    c.close()
PY
    for _ in $(seq 1 100); do
        ns amp ss -lun | grep -q ':19 ' && break
        sleep 0.1
    done
    if [ -n "${LAB_DOUBLES:-}" ]; then
        for _ in $(seq 1 100); do
            ns amp ss -lun | grep -q ':389 ' && break
            sleep 0.1
        done
    fi
}

# Directory listings and default pages (web.directory_listing, web.default_page): an
# nginx autoindex over a folder (fixed names and dates: the listing is the same on
# every run) and nginx serving the default page the Debian package ships.
pages_up() {
    local d="$DIR/listing"
    mkdir -p "$d/root/old" "$d/site/uploads"
    echo "-- dump" > "$d/root/db-2024.sql"
    echo "backup" > "$d/root/backup.tar.gz"
    echo "notes" > "$d/root/notes.txt"
    echo "x" > "$d/site/uploads/invoice-17.pdf"
    echo "y" > "$d/site/uploads/avatar.png"
    touch -d "2024-03-01 10:00:00" "$d"/root/* "$d"/site/uploads/*
    nginx idx 10.77.0.71 "" "
    server {
        listen 10.77.0.71:80 default_server;
        root $d/root;
        autoindex on;
    }
    server {
        listen 10.77.0.71:8080 default_server;
        root $d/site;
        location = / { return 200 \"<html><head><title>Files</title></head><body><h1>Customer files</h1><a href=\\\"/uploads/\\\">uploads</a></body></html>\"; }
        location /uploads/ { autoindex on; }
        location / { return 404; }
    }"
    nginx welcome 10.77.0.72 "" "
    server {
        listen 10.77.0.72:80 default_server;
        root /usr/share/nginx/html;
        index index.html;
    }"
}
