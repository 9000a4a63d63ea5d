#!/usr/bin/env bash
# A real, local WordPress (Debian's package, 6.1) for migrator's tests and CI.
#
#   scripts/wordpress.sh start    install packages if missing, start MariaDB + Apache,
#                                 install the site, write $STATE/site.json (idempotent;
#                                 when all is up it only re-checks the REST API)
#   scripts/wordpress.sh reset    delete every post, page, comment (+ their meta);
#                                 users and the application password are kept
#   scripts/wordpress.sh stop     stop Apache and MariaDB
#   scripts/wordpress.sh status   exit 0 if the REST API answers an authenticated call
#
# Everything that runs lives under the state folder STATE (env MIGRATOR_WP_STATE,
# default /tmp/migrator-wp): MariaDB's own data dir, socket, pid and log, Apache's
# own config, pid and logs, and site.json:
#   {"url": "http://127.0.0.1:8089", "user": "admin", "password": "<app password>",
#    "rest": "http://127.0.0.1:8089/?rest_route=", "timezone": "America/New_York", "db": {...}}
# Outside STATE it writes only /etc/wordpress/config-127.0.0.1.php (Debian's
# wp-config.php picks its config by Host header) and one must-use plugin in
# /var/lib/wordpress/wp-content/mu-plugins/. No systemd, no system services.
#
# Site settings: time zone America/New_York (non-UTC on purpose, with DST, so that
# local-vs-GMT date handling gets exercised), plain permalinks (use ?rest_route=,
# /wp-json/ does not route), comments open by default, no moderation, no flood
# check, no e-mail notifications, WP_ENVIRONMENT_TYPE=local (application passwords
# are refused over plain http otherwise), WordPress's duplicate-comment check (409)
# is left as is. Ports: HTTP 127.0.0.1:8089 (fixed: it is the site URL), MariaDB
# 127.0.0.1:${MIGRATOR_WP_DB_PORT:-3307} and $STATE/mysqld.sock.
set -euo pipefail

STATE="${MIGRATOR_WP_STATE:-/tmp/migrator-wp}"
HTTP_HOST_IP=127.0.0.1
HTTP_PORT=8089
SITE_URL="http://${HTTP_HOST_IP}:${HTTP_PORT}"
DB_PORT="${MIGRATOR_WP_DB_PORT:-3307}"
DB_NAME=migrator_wp
DB_USER=migrator_wp
WP_DIR=/usr/share/wordpress
WP_CONTENT=/var/lib/wordpress/wp-content
WP_CONFIG=/etc/wordpress/config-${HTTP_HOST_IP}.php
MU_PLUGIN=${WP_CONTENT}/mu-plugins/migrator-test-site.php
TIMEZONE=America/New_York
ADMIN_USER=admin
ADMIN_EMAIL=admin@example.com
APP_PASSWORD_NAME=migrator-tests
PACKAGES=(wordpress wordpress-theme-twentytwentythree mariadb-server apache2
          libapache2-mod-php php-mysql php-xml php-mbstring php-cli curl)

DATADIR="$STATE/mysql"
SOCK="$STATE/mysqld.sock"
DB_PID="$STATE/mysqld.pid"
DB_LOG="$STATE/mysqld.log"
AP_DIR="$STATE/apache"
AP_CONF="$AP_DIR/httpd.conf"
AP_PID="$AP_DIR/httpd.pid"
SECRETS="$STATE/secrets.env"
SITE_JSON="$STATE/site.json"

log() { echo "wordpress.sh: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

mysql_root() { mariadb --no-defaults -uroot --socket="$SOCK" "$@"; }

# ---------------------------------------------------------------- packages
ensure_packages() {
    local missing=() p
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >"$STATE/apt.log" 2>&1; then
        apt-get update -q >>"$STATE/apt.log" 2>&1
        apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$STATE/apt.log" 2>&1 \
            || die "apt-get install failed, see $STATE/apt.log"
    fi
}

# ---------------------------------------------------------------- secrets
ensure_secrets() {
    if [ ! -s "$SECRETS" ]; then
        local r
        r() { head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c "$1"; }
        {
            echo "DB_PASSWORD=$(r 24)"
            echo "ADMIN_PASSWORD=$(r 24)"
            for k in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
                echo "$k=$(r 48)"
            done
        } >"$SECRETS.tmp"
        chmod 600 "$SECRETS.tmp"
        mv "$SECRETS.tmp" "$SECRETS"
    fi
    # shellcheck disable=SC1090
    . "$SECRETS"
}

# ---------------------------------------------------------------- MariaDB
pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

db_running() {
    pid_alive "$DB_PID" && mariadb-admin --no-defaults -uroot --socket="$SOCK" ping >/dev/null 2>&1
}

start_db() {
    db_running && return 0
    if [ ! -d "$DATADIR/mysql" ]; then
        log "initialising MariaDB data dir $DATADIR"
        rm -rf "$DATADIR"
        mkdir -p "$DATADIR"
        mariadb-install-db --no-defaults --datadir="$DATADIR" --user=root \
            --auth-root-authentication-method=socket --skip-test-db >"$STATE/mysql-install.log" 2>&1 \
            || die "mariadb-install-db failed, see $STATE/mysql-install.log"
    fi
    rm -f "$SOCK" "$DB_PID"
    setsid mariadbd --no-defaults --user=root --datadir="$DATADIR" \
        --socket="$SOCK" --port="$DB_PORT" --bind-address=127.0.0.1 \
        --pid-file="$DB_PID" --log-error="$DB_LOG" --skip-name-resolve \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
        --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=2 \
        --skip-log-bin --max-connections=50 </dev/null >>"$DB_LOG" 2>&1 9>&- &
    local i
    for i in $(seq 1 150); do
        db_running && return 0
        sleep 0.2
    done
    tail -20 "$DB_LOG" >&2 || true
    die "MariaDB did not start (port $DB_PORT in use?), see $DB_LOG"
}

setup_db() {
    mysql_root <<SQL
CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
ALTER USER '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
ALTER USER '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'localhost';
FLUSH PRIVILEGES;
SQL
}

stop_db() {
    if pid_alive "$DB_PID"; then
        local pid; pid=$(cat "$DB_PID")
        mariadb-admin --no-defaults -uroot --socket="$SOCK" shutdown >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
        local i
        for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$DB_PID" "$SOCK"
}

# ---------------------------------------------------------------- WordPress config
write_if_changed() {  # path; content on stdin
    local tmp; tmp=$(mktemp)
    cat >"$tmp"
    if [ -f "$1" ] && cmp -s "$tmp" "$1"; then rm -f "$tmp"; return 0; fi
    mkdir -p "$(dirname "$1")"
    chmod 644 "$tmp"
    mv "$tmp" "$1"
}

write_wp_config() {
    write_if_changed "$WP_CONFIG" <<PHP
<?php
/* Written by migrator's scripts/wordpress.sh (state: $STATE). Regenerated on every start. */
define('DB_NAME', '$DB_NAME');
define('DB_USER', '$DB_USER');
define('DB_PASSWORD', '$DB_PASSWORD');
define('DB_HOST', '127.0.0.1:$DB_PORT');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
define('WP_HOME', '$SITE_URL');
define('WP_SITEURL', '$SITE_URL');
define('WP_CONTENT_DIR', '$WP_CONTENT');
define('WP_CONTENT_URL', '$SITE_URL/wp-content');
/* application passwords need https or a "local" environment */
define('WP_ENVIRONMENT_TYPE', 'local');
define('WP_ALLOW_MULTISITE', false);
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_AUTO_UPDATE_CORE', false);
/* no network here: never try to reach wordpress.org, pingback targets, etc. */
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('WP_DEBUG', false);
define('AUTH_KEY', '$AUTH_KEY');
define('SECURE_AUTH_KEY', '$SECURE_AUTH_KEY');
define('LOGGED_IN_KEY', '$LOGGED_IN_KEY');
define('NONCE_KEY', '$NONCE_KEY');
define('AUTH_SALT', '$AUTH_SALT');
define('SECURE_AUTH_SALT', '$SECURE_AUTH_SALT');
define('LOGGED_IN_SALT', '$LOGGED_IN_SALT');
define('NONCE_SALT', '$NONCE_SALT');
\$table_prefix = 'wp_';
PHP
    chmod 644 "$WP_CONFIG"
    # must-use plugin: keep the flood check and e-mails out of the tests' way
    write_if_changed "$MU_PLUGIN" <<'PHP'
<?php
/*
 * Plugin Name: migrator test site
 * Description: Written by migrator's scripts/wordpress.sh. No comment flood check,
 *              no e-mail, no outgoing pings. The duplicate-comment check stays.
 */
add_filter( 'wp_is_comment_flood', '__return_false', 1000 );
remove_action( 'check_comment_flood', 'check_comment_flood_db', 10 );
add_filter( 'pre_wp_mail', '__return_false' );
add_filter( 'pre_option_comments_notify', '__return_zero' );
add_filter( 'pre_option_moderation_notify', '__return_zero' );
PHP
}

# php-cli with WordPress loaded. Body of PHP code on stdin (without "<?php").
wp_php() {
    local f; f=$(mktemp --suffix=.php)
    {
        cat <<'PHP'
<?php
$_SERVER['HTTP_HOST'] = '127.0.0.1';
$_SERVER['SERVER_NAME'] = '127.0.0.1';
$_SERVER['SERVER_PORT'] = '8089';
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['REQUEST_METHOD'] = 'GET';
$_SERVER['REMOTE_ADDR'] = '127.0.0.1';
if ( getenv( 'WP_INSTALLING_SITE' ) ) { define( 'WP_INSTALLING', true ); }
require '/usr/share/wordpress/wp-load.php';
PHP
        cat
    } >"$f"
    local rc=0
    php -d display_errors=stderr -d error_reporting=E_ALL\&~E_DEPRECATED\&~E_NOTICE "$f" "$@" || rc=$?
    rm -f "$f"
    return $rc
}

install_site() {
    log "installing WordPress site (wp_install)"
    WP_INSTALLING_SITE=1 ADMIN_PASSWORD="$ADMIN_PASSWORD" wp_php <<'PHP'
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
if ( ! is_blog_installed() ) {
    $r = wp_install( 'Migrator Test Blog', 'admin', 'admin@example.com', true, '', getenv( 'ADMIN_PASSWORD' ) );
    if ( is_wp_error( $r ) ) { fwrite( STDERR, $r->get_error_message() . "\n" ); exit( 1 ); }
}
PHP
}

configure_site() {
    TIMEZONE="$TIMEZONE" wp_php <<'PHP'
$opts = array(
    'timezone_string'              => getenv( 'TIMEZONE' ),
    'gmt_offset'                   => '',
    'permalink_structure'          => '',
    'default_comment_status'       => 'open',
    'default_ping_status'          => 'open',
    'comment_registration'         => 0,
    'comment_moderation'           => 0,
    'comment_previously_approved'  => 0,
    'comment_max_links'            => 100,
    'moderation_keys'              => '',
    'disallowed_keys'              => '',
    'require_name_email'           => 1,
    'close_comments_for_old_posts' => 0,
    'thread_comments'              => 1,
    'thread_comments_depth'        => 10,
    'page_comments'                => 0,
    'comment_order'                => 'asc',
    'comments_notify'              => 0,
    'moderation_notify'            => 0,
    'blog_public'                  => 1,
    'date_format'                  => 'F j, Y',
    'time_format'                  => 'g:i a',
);
foreach ( $opts as $k => $v ) {
    if ( get_option( $k ) !== $v ) { update_option( $k, $v ); }
}
$theme = wp_get_theme( 'twentytwentythree' );
if ( $theme->exists() && get_stylesheet() !== 'twentytwentythree' ) { switch_theme( 'twentytwentythree' ); }
PHP
}

# prints "<password>" of a fresh application password for admin (old ones of ours are revoked)
new_app_password() {
    APP_NAME="$APP_PASSWORD_NAME" wp_php <<'PHP'
$user = get_user_by( 'login', 'admin' );
if ( ! $user ) { fwrite( STDERR, "no admin user\n" ); exit( 1 ); }
foreach ( WP_Application_Passwords::get_user_application_passwords( $user->ID ) as $item ) {
    if ( $item['name'] === getenv( 'APP_NAME' ) ) {
        WP_Application_Passwords::delete_application_password( $user->ID, $item['uuid'] );
    }
}
$r = WP_Application_Passwords::create_new_application_password( $user->ID, array( 'name' => getenv( 'APP_NAME' ) ) );
if ( is_wp_error( $r ) ) { fwrite( STDERR, $r->get_error_message() . "\n" ); exit( 1 ); }
echo $r[0];
PHP
}

write_site_json() {  # app password
    local tmp="$SITE_JSON.tmp"
    cat >"$tmp" <<JSON
{
  "url": "$SITE_URL",
  "user": "$ADMIN_USER",
  "password": "$1",
  "rest": "$SITE_URL/?rest_route=",
  "timezone": "$TIMEZONE",
  "db": {"host": "127.0.0.1", "port": $DB_PORT, "socket": "$SOCK", "name": "$DB_NAME", "user": "$DB_USER", "password": "$DB_PASSWORD", "table_prefix": "wp_"}
}
JSON
    chmod 644 "$tmp"
    mv "$tmp" "$SITE_JSON"
}

site_password() {
    [ -s "$SITE_JSON" ] || return 1
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["password"])' "$SITE_JSON" 2>/dev/null
}

# exit 0 if GET ?rest_route=/wp/v2/users/me answers 200 for admin + app password
rest_ok() {
    local pw; pw=$(site_password) || return 1
    [ -n "$pw" ] || return 1
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 15 -u "$ADMIN_USER:$pw" \
        "$SITE_URL/?rest_route=/wp/v2/users/me" 2>/dev/null) || return 1
    [ "$code" = 200 ]
}

# ---------------------------------------------------------------- Apache
apache_running() { pid_alive "$AP_PID"; }

write_apache_conf() {
    local libphp
    libphp=$(ls /usr/lib/apache2/modules/libphp*.so 2>/dev/null | head -1)
    [ -n "$libphp" ] || die "libapache2-mod-php is not installed"
    mkdir -p "$AP_DIR/run"
    local m=/usr/lib/apache2/modules
    write_if_changed "$AP_CONF" <<CONF
# Written by migrator's scripts/wordpress.sh
ServerRoot "$AP_DIR"
ServerName $HTTP_HOST_IP
Listen $HTTP_HOST_IP:$HTTP_PORT
PidFile "$AP_PID"
DefaultRuntimeDir "$AP_DIR/run"
Mutex file:$AP_DIR/run default
ErrorLog "$AP_DIR/error.log"
LogLevel warn
User www-data
Group www-data
Timeout 120

LoadModule mpm_prefork_module $m/mod_mpm_prefork.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule dir_module $m/mod_dir.so
LoadModule mime_module $m/mod_mime.so
LoadModule alias_module $m/mod_alias.so
LoadModule env_module $m/mod_env.so
LoadModule setenvif_module $m/mod_setenvif.so
LoadModule php_module $libphp

StartServers 2
MinSpareServers 2
MaxSpareServers 4
MaxRequestWorkers 12
MaxConnectionsPerChild 500

LogFormat "%h %t \"%r\" %>s %b %Dus" timing
CustomLog "$AP_DIR/access.log" timing
TypesConfig /etc/mime.types

DocumentRoot $WP_DIR
DirectoryIndex index.php index.html
Alias /wp-content $WP_CONTENT

<Directory />
    Options None
    AllowOverride None
    Require all denied
</Directory>
<Directory $WP_DIR>
    Options FollowSymLinks
    Require all granted
    CGIPassAuth On
</Directory>
<Directory $WP_CONTENT>
    Options FollowSymLinks
    Require all granted
</Directory>
<FilesMatch "\.php$">
    SetHandler application/x-httpd-php
</FilesMatch>

# let PHP see "Authorization: Basic ..." (application passwords)
SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=\$1

# config edits must show at once: no opcode cache revalidation delay
php_admin_value opcache.revalidate_freq 0
php_admin_value memory_limit 256M
php_admin_value display_errors Off
php_admin_value error_log "$AP_DIR/php-error.log"
CONF
}

start_apache() {
    apache_running && return 0
    write_apache_conf
    rm -f "$AP_PID"
    touch "$AP_DIR/php-error.log"; chown www-data:www-data "$AP_DIR/php-error.log" 2>/dev/null || true
    apache2 -f "$AP_CONF" -k start >"$AP_DIR/start.log" 2>&1 9>&- || { cat "$AP_DIR/start.log" >&2; die "apache2 did not start"; }
    local i
    for i in $(seq 1 100); do
        apache_running && curl -s -o /dev/null --max-time 2 "$SITE_URL/wp-includes/images/blank.gif" && return 0
        sleep 0.2
    done
    tail -20 "$AP_DIR/error.log" >&2 || true
    die "Apache did not come up on $SITE_URL (port $HTTP_PORT in use?)"
}

stop_apache() {
    if apache_running; then
        local pid; pid=$(cat "$AP_PID")
        kill -TERM "$pid" 2>/dev/null || true
        local i
        for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$AP_PID"
}

# ---------------------------------------------------------------- commands
with_lock() {
    mkdir -p "$STATE"
    exec 9>"$STATE/.lock"
    flock -w 300 9 || die "could not lock $STATE/.lock"
}

cmd_start() {
    local t0=$SECONDS
    with_lock
    if [ -s "$SECRETS" ] && db_running && apache_running && rest_ok; then
        echo "wordpress: running at $SITE_URL (REST ok, state $STATE, already up)"
        return 0
    fi
    ensure_packages
    ensure_secrets
    start_db
    setup_db
    write_wp_config
    start_apache
    local installed
    installed=$(wp_php <<<'echo is_blog_installed() ? "yes" : "no";' 2>/dev/null || echo no)
    if [ "$installed" != yes ]; then
        install_site
    fi
    configure_site
    if ! rest_ok; then
        local pw; pw=$(new_app_password)
        [ -n "$pw" ] || die "could not create an application password"
        write_site_json "$pw"
    else
        write_site_json "$(site_password)"
    fi
    rest_ok || die "REST API does not answer an authenticated GET $SITE_URL/?rest_route=/wp/v2/users/me (see $AP_DIR/error.log)"
    echo "wordpress: running at $SITE_URL (REST ok, state $STATE, started in $((SECONDS - t0))s)"
}

cmd_stop() {
    with_lock
    stop_apache
    stop_db
    echo "wordpress: stopped (state $STATE)"
}

cmd_reset() {
    with_lock
    db_running || die "MariaDB is not running: run scripts/wordpress.sh start"
    # TRUNCATE resets AUTO_INCREMENT, so ids start again at 1 after every reset.
    mysql_root "$DB_NAME" <<'SQL'
TRUNCATE TABLE wp_comments;
TRUNCATE TABLE wp_commentmeta;
TRUNCATE TABLE wp_posts;
TRUNCATE TABLE wp_postmeta;
TRUNCATE TABLE wp_term_relationships;
UPDATE wp_term_taxonomy SET count = 0;
UPDATE wp_options SET option_value = '0' WHERE option_name IN ('page_on_front', 'page_for_posts', 'wp_page_for_privacy_policy');
UPDATE wp_options SET option_value = 'posts' WHERE option_name = 'show_on_front';
UPDATE wp_options SET option_value = 'a:0:{}' WHERE option_name = 'sticky_posts';
DELETE FROM wp_options WHERE option_name LIKE '\_transient\_%' OR option_name LIKE '\_site\_transient\_%';
SQL
    echo "wordpress: reset (no posts, no comments; users kept) at $SITE_URL"
}

cmd_status() {
    if [ -s "$SITE_JSON" ] && apache_running && db_running && rest_ok; then
        echo "wordpress: running at $SITE_URL (REST ok, state $STATE)"
    else
        echo "wordpress: not running (state $STATE)"
        return 1
    fi
}

case "${1:-}" in
    start)  cmd_start ;;
    stop)   cmd_stop ;;
    reset)  cmd_reset ;;
    status) cmd_status ;;
    *) echo "usage: $0 start|stop|reset|status   (state: \$MIGRATOR_WP_STATE, default /tmp/migrator-wp)" >&2; exit 2 ;;
esac
