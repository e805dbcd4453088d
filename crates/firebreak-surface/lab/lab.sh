#!/usr/bin/env bash
# The attack-surface test lab: a small internet in network namespaces with real Debian
# servers. Needs root and the packages .ci/run installs (bind9, unbound, nginx +
# headers-more, openssh-server, xrdp, memcached, snmpd, iproute2).
#
#   lab.sh up   PREFIX DIR   # build namespaces PREFIX-*, start the daemons, print "ready"
#   lab.sh down PREFIX DIR   # stop the daemons started by `up`, delete the namespaces
#
# Addresses: 10.77.0.0/16 exists only on this lab's bridge (inside namespace PREFIX-sw);
# the scope used by the tests is 10.77.0.0/24, and 10.77.1.50 (namespace PREFIX-out,
# no daemon) is the "outside the scope" host whose IP counters prove nothing reached it.
#   PREFIX-auth 10.77.0.2   bind9, authoritative for lab.test (~250 names), AXFR open,
#                           and wild.test (a wildcard zone)
#   PREFIX-res  10.77.0.3   unbound, open resolver (stub zone lab.test -> 10.77.0.2)
#   PREFIX-web  10.77.0.20  nginx (Server: nginx/1.14.0), sshd, memcached -U 11211,
#                           snmpd (community public)
#   PREFIX-rdp  10.77.0.30  xrdp (standard RDP allowed: NLA not enforced)
#   PREFIX-edge 10.77.0.40  nginx reverse proxy, the "DDoS-protection edge" (the tests
#                           list it as a provider range): shop.lab.test -> 10.77.0.20,
#                           which also serves shop directly (bypassable);
#                           locked.lab.test -> 10.77.0.21
#   PREFIX-lock 10.77.0.21  nginx origin that answers only the edge (locked down)
#   PREFIX-gw   10.77.0.50  nginx playing a Citrix Gateway: logon-point redirect, NSC_
#                           cookie, rdx_en.json.gz with gzip MTIME 1690019456
#   PREFIX-scan 10.77.0.10  where the scanner runs (resolv.conf -> 10.77.0.3)
#   PREFIX-out  10.77.1.50  outside the scope
# 10.77.0.99 is in scope and has no host: probes to it time out. edge.lab.test points
# at 8.42.51.7 (a Cloudflare range in the cdncheck snapshot): out of scope, never
# probed (no namespace has a route to it), classified as protected.
set -euo pipefail
cmd=${1:?up|down}
P=${2:?prefix}
DIR=${3:?work dir}
HOSTS="auth res web rdp edge lock gw scan out"
# the service probes' hosts (PROBE_HOSTS, probes_up, probes_wait)
source "$(dirname "${BASH_SOURCE[0]}")/probes.sh"

ns() { ip netns exec "$P-$1" "${@:2}"; }

# One lab host: namespace $P-$1 on the bridge with address $2 (IPv4 only). Its route
# to the lab range through anything but the bridge is unreachable, so a missing bridge
# fails here, never elsewhere.
add_host() {
    local h=$1 a=$2
    ip netns add "$P-$h"
    ns "$h" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ns "$h" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    ns sw ip link add "v-$h" type veth peer name eth0 netns "$P-$h"
    ns sw ip link set "v-$h" master br0 up
    ns "$h" ip link set lo up
    ns "$h" ip addr add "$a/16" dev eth0
    ns "$h" ip link set eth0 up
    ns "$h" ip route add unreachable 10.77.0.0/16 metric 4000
}

down() {
    if [ -f "$DIR/pids" ]; then
        while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$DIR/pids"
        sleep 0.3
        while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done < "$DIR/pids"
        rm -f "$DIR/pids"
    fi
    for h in $HOSTS $PROBE_HOSTS sw; do
        # processes left in a namespace (forked workers) end with it
        for pid in $(ip netns pids "$P-$h" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$P-$h" 2>/dev/null || true
    done
    rm -rf "/etc/netns/$P-scan" "/etc/netns/$P-files"
}

start() { # NAME NS COMMAND...: run in the background, remember the pid
    local name=$1 host=$2
    shift 2
    setsid ip netns exec "$P-$host" "$@" >"$DIR/$name.log" 2>&1 < /dev/null &
    echo $! >> "$DIR/pids"
}

wait_tcp() { # ADDR PORT: from the scanner's namespace, 15 s at most
    for _ in $(seq 1 150); do
        if ns scan timeout 1 bash -c "echo > /dev/tcp/$1/$2" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "lab: $1:$2 did not come up" >&2
    return 1
}

SHOP_PAGE="<html><head><title>Shop</title></head><body><h1>Shop</h1><p>120 items in the catalogue</p></body></html>"

nginx() { # NS ADDR SERVER-LEVEL-DIRECTIVES SERVERS
    local h=$1 d="$DIR/nginx-$1"
    mkdir -p "$d"
    cat > "$d/nginx.conf" <<C
load_module /usr/lib/nginx/modules/ngx_http_headers_more_filter_module.so;
daemon off;
# workers read files from the lab's private (0700) folder
user root;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
    fastcgi_temp_path $d/fastcgi;
    uwsgi_temp_path $d/uwsgi;
    scgi_temp_path $d/scgi;
    default_type text/html;
    $3
    $4
}
C
    start "nginx-$h" "$h" /usr/sbin/nginx -c "$d/nginx.conf"
}

zone() {
    cat <<Z
\$TTL 300
@ IN SOA ns1.lab.test. hostmaster.lab.test. 1 3600 600 86400 300
@ IN NS ns1.lab.test.
@ IN MX 10 mail.lab.test.
@ IN TXT "v=spf1 ip4:10.77.0.20 -all"
@ IN A 10.77.0.20
ns1 IN A 10.77.0.2
resolver IN A 10.77.0.3
www IN A 10.77.0.20
mail IN A 10.77.0.20
shop IN A 10.77.0.40
locked IN A 10.77.0.40
app2 IN A 10.77.0.21
gateway IN A 10.77.0.50
rdp IN A 10.77.0.30
blackhole IN A 10.77.0.99
partner IN A 10.77.1.50
edge IN A 8.42.51.7
Z
    # the benchmark adds LAB_EXTRA_NAMES names b1..bN (all 10.77.0.20)
    for i in $(seq 1 "${LAB_EXTRA_NAMES:-0}"); do echo "b$i IN A 10.77.0.20"; done
    for i in $(seq -w 1 240); do
        if [ $((10#$i % 2)) -eq 0 ]; then echo "host-$i IN A 10.77.0.20"; else echo "host-$i IN A 10.77.0.30"; fi
    done
}

up() {
    mkdir -p "$DIR"
    : > "$DIR/pids"
    ip netns add "$P-sw"
    ns sw ip link add br0 type bridge
    ns sw ip link set br0 up
    ns sw ip link set lo up
    declare -A addr=([auth]=10.77.0.2 [res]=10.77.0.3 [web]=10.77.0.20 [rdp]=10.77.0.30 [edge]=10.77.0.40 [lock]=10.77.0.21 [gw]=10.77.0.50 [scan]=10.77.0.10 [out]=10.77.1.50)
    for h in $HOSTS; do
        add_host "$h" "${addr[$h]}"
    done
    mkdir -p "/etc/netns/$P-scan"
    echo "nameserver 10.77.0.3" > "/etc/netns/$P-scan/resolv.conf"

    # bind9: authoritative, zone transfer allowed to anyone
    zone > "$DIR/lab.test.zone"
    cat > "$DIR/named.conf" <<C
options {
    directory "$DIR";
    pid-file "$DIR/named.pid";
    session-keyfile "$DIR/session.key";
    listen-on { 10.77.0.2; };
    listen-on-v6 { none; };
    recursion no;
    allow-transfer { any; };
    dnssec-validation no;
};
controls { };
zone "lab.test" { type primary; file "$DIR/lab.test.zone"; };
zone "wild.test" { type primary; file "$DIR/wild.test.zone"; };
zone "probe.test" { type primary; file "$DIR/probe.test.zone"; };
C
    # a wildcard zone: any name answers 10.77.0.20; real.wild.test is 10.77.0.30
    cat > "$DIR/wild.test.zone" <<Z
\$TTL 300
@ IN SOA ns1.lab.test. hostmaster.lab.test. 1 3600 600 86400 300
@ IN NS ns1.lab.test.
* IN A 10.77.0.20
real IN A 10.77.0.30
Z
    # the benchmark adds LAB_DOMAINS small zones d001.test ... (one shared zone file)
    if [ "${LAB_DOMAINS:-0}" -gt 0 ]; then
        cat > "$DIR/small.zone" <<Z
\$TTL 300
@ IN SOA ns1.lab.test. hostmaster.lab.test. 1 3600 600 86400 300
@ IN NS ns1.lab.test.
@ IN A 10.77.0.20
www IN A 10.77.0.20
mail IN A 10.77.0.20
vpn IN A 10.77.0.30
Z
        for i in $(seq -w 1 "$LAB_DOMAINS"); do
            echo "zone \"d$i.test\" { type primary; file \"$DIR/small.zone\"; };" >> "$DIR/named.conf"
        done
    fi
    probe_zone > "$DIR/probe.test.zone"
    start named auth /usr/sbin/named -g -c "$DIR/named.conf"

    # unbound: open recursive resolver
    cat > "$DIR/unbound.conf" <<C
server:
    interface: 10.77.0.3
    do-ip6: no
    access-control: 0.0.0.0/0 allow
    username: ""
    chroot: ""
    directory: "$DIR"
    pidfile: "$DIR/unbound.pid"
    use-syslog: no
    module-config: "iterator"
    local-zone: "test." nodefault
    num-threads: 1
stub-zone:
    name: "lab.test"
    stub-addr: 10.77.0.2
stub-zone:
    name: "wild.test"
    stub-addr: 10.77.0.2
stub-zone:
    name: "probe.test"
    stub-addr: 10.77.0.2
C
    if [ "${LAB_DOMAINS:-0}" -gt 0 ]; then
        printf 'stub-zone:\n    name: "test."\n    stub-addr: 10.77.0.2\n' >> "$DIR/unbound.conf"
    fi
    start unbound res /usr/sbin/unbound -d -c "$DIR/unbound.conf"

    # nginx: the web host with an old version's banner, also the shop's origin
    nginx web 10.77.0.20 'more_set_headers "Server: nginx/1.14.0";' "
    server {
        listen 10.77.0.20:80 default_server;
        location / { return 200 \"<html><head><title>Lab shop</title></head><body>old shop</body></html>\"; }
    }
    server {
        listen 10.77.0.20:80;
        server_name shop.lab.test;
        location / { return 200 \"$SHOP_PAGE\"; }
    }"
    # the edge: a reverse proxy in front of both sites
    nginx edge 10.77.0.40 'more_set_headers "Server: labshield";' "
    server {
        listen 10.77.0.40:80 default_server;
        location / { return 404; }
    }
    server {
        listen 10.77.0.40:80;
        server_name shop.lab.test;
        location / { proxy_pass http://10.77.0.20; proxy_set_header Host shop.lab.test; }
    }
    server {
        listen 10.77.0.40:80;
        server_name locked.lab.test;
        location / { proxy_pass http://10.77.0.21; proxy_set_header Host locked.lab.test; }
    }"
    # the locked origin: serves the site to the edge only
    nginx lock 10.77.0.21 "" "
    server {
        listen 10.77.0.21:80 default_server;
        # (return runs before allow/deny would: test the address in the rewrite phase)
        if (\$remote_addr != 10.77.0.40) { return 403; }
        location / { return 200 \"<html><head><title>Locked</title></head><body>members area, served through the edge only</body></html>\"; }
    }"

    # a Citrix Gateway look-alike (what the scanner reads of one; no Citrix code)
    mkdir -p "$DIR/gw/vpn/js/rdx/core/lang"
    echo '{"lang":"en"}' | gzip -n -c > "$DIR/gw/rdx.gz"
    # gzip header MTIME (bytes 4-7, little-endian) = 1690019456 = 0x64bba680
    printf '\x80\xa6\xbb\x64' | dd of="$DIR/gw/rdx.gz" bs=1 seek=4 conv=notrunc status=none
    mv "$DIR/gw/rdx.gz" "$DIR/gw/vpn/js/rdx/core/lang/rdx_en.json.gz"
    nginx gw 10.77.0.50 "" "
    server {
        listen 10.77.0.50:80 default_server;
        root $DIR/gw;
        location = / {
            add_header Set-Cookie \"NSC_TEMP=xyz; Path=/\";
            return 302 /logon/LogonPoint/tmindex.html;
        }
        location /logon/ { return 200 \"<html><head><title class=\\\"_ctxstxt_NetscalerGateway\\\">NetScaler Gateway</title></head></html>\"; }
        location /vpn/ { default_type application/octet-stream; }
    }"

    # sshd
    mkdir -p /run/sshd
    ssh-keygen -q -t ed25519 -N '' -f "$DIR/ssh_host_ed25519_key"
    cat > "$DIR/sshd_config" <<C
Port 22
ListenAddress 10.77.0.20
HostKey $DIR/ssh_host_ed25519_key
PidFile $DIR/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
C
    start sshd web /usr/sbin/sshd -D -e -f "$DIR/sshd_config"

    # snmpd with the community public
    printf 'agentAddress udp:10.77.0.20:161\nrocommunity public\n' > "$DIR/snmpd.conf"
    start snmpd web /usr/sbin/snmpd -f -Lo -C -c "$DIR/snmpd.conf" -p "$DIR/snmpd.pid"

    # memcached with UDP on
    start memcached web /usr/bin/memcached -u nobody -l 10.77.0.20 -p 11211 -U 11211 -m 16 -t 1

    # xrdp (its pid file is global: clear a stale one)
    mkdir -p /run/xrdp/sockdir
    if [ -f /run/xrdp/xrdp.pid ] && ! kill -0 "$(cat /run/xrdp/xrdp.pid)" 2>/dev/null; then rm -f /run/xrdp/xrdp.pid; fi
    start xrdp rdp /usr/sbin/xrdp --nodaemon

    probes_up
    wait_tcp 10.77.0.2 53
    wait_tcp 10.77.0.3 53
    wait_tcp 10.77.0.20 80
    wait_tcp 10.77.0.20 22
    wait_tcp 10.77.0.20 11211
    wait_tcp 10.77.0.30 3389
    wait_tcp 10.77.0.40 80
    wait_tcp 10.77.0.21 80
    wait_tcp 10.77.0.50 80
    for _ in $(seq 1 150); do
        ns web ss -lun | grep -q '10.77.0.20:161' && break
        sleep 0.1
    done
    ns web ss -lun | grep -q '10.77.0.20:161' || { echo "lab: snmpd did not come up" >&2; return 1; }
    probes_wait
    echo ready
}

case "$cmd" in
up)
    if ! up; then
        for f in "$DIR"/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -5 "$f" >&2; }; done
        down
        exit 1
    fi
    ;;
down) down ;;
*) echo "usage: lab.sh up|down PREFIX DIR" >&2; exit 2 ;;
esac
