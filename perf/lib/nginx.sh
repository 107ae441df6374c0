# Starts nginx (Debian's nginx-light) answering 200 '{}' on every path, 2 workers, on a free loopback port.
# Sets NGINX_PORT and NGINX_DIR; stop it with nginx_stop. The baseline every HTTP ratio divides by.
nginx_start() {
    command -v nginx >/dev/null || { echo "needs nginx: apt-get install -y nginx-light" >&2; return 1; }
    NGINX_DIR=$(mktemp -d)
    NGINX_PORT=${NGINX_PORT:-18080}
    cat > "$NGINX_DIR/nginx.conf" <<CONF
worker_processes 2;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_buffer_size 64m;
    client_max_body_size 64m;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NGINX_PORT reuseport;
        location / { return 200 '{}'; }
    }
}
CONF
    nginx -c "$NGINX_DIR/nginx.conf" -p "$NGINX_DIR"
}

nginx_stop() {
    [ -f "$NGINX_DIR/nginx.pid" ] && kill "$(cat "$NGINX_DIR/nginx.pid")" 2>/dev/null
    rm -rf "$NGINX_DIR"
}
