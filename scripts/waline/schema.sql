-- SQLite schema for a Waline server (@waline/vercel, SQLite storage), used by
-- scripts/waline.sh. The npm package ships no schema; the columns below follow
-- Waline's storage model (service/storage/*.js and the models it reads/writes):
-- three tables, prefixed "wl_" (SQLITE_PREFIX default).
--
-- Waline's SQLite adapter reads the columns with PRAGMA table_info once per
-- process and silently DROPS any field it is given that has no column here, so
-- every field Waline or an import may send needs a column.
--
-- Dates: Waline writes what it is given. Through POST /api/db the value is stored
-- verbatim (a string stays that string); the server turns a stored value into a
-- time with JavaScript's Date parser, so a value without a zone means the server's
-- local time. scripts/waline.sh runs the server with TZ=UTC and the defaults below
-- are UTC too, so a zone-less "YYYY-MM-DD HH:MM:SS" means UTC everywhere.
--
-- Ids: INTEGER PRIMARY KEY AUTOINCREMENT. Waline exposes them as "objectId".

-- Write-ahead log: one fsync per committed insert instead of several (Waline
-- commits every row on its own). Persistent: it is a property of the file.
PRAGMA journal_mode = WAL;

CREATE TABLE IF NOT EXISTS wl_Comment (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER,                -- wl_Users.id of a logged-in author, else NULL
    comment    TEXT,                   -- the body (Markdown/HTML as sent)
    insertedAt DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),  -- shown date
    ip         TEXT,
    link       TEXT,                   -- author's URL
    mail       TEXT,                   -- author's e-mail
    nick       TEXT,                   -- author's name
    pid        INTEGER,                -- parent comment id (the real parent, any depth)
    rid        INTEGER,                -- thread root id (NULL for a root comment)
    sticky     NUMERIC,
    status     TEXT NOT NULL DEFAULT '',  -- approved | waiting | spam ('' reads as approved)
    "like"     INTEGER,
    ua         TEXT,                   -- user agent
    url        TEXT,                   -- the page path the comment belongs to
    createdAt  DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
    updatedAt  DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);
CREATE INDEX IF NOT EXISTS wl_Comment_url ON wl_Comment (url);
CREATE INDEX IF NOT EXISTS wl_Comment_rid ON wl_Comment (rid);
CREATE INDEX IF NOT EXISTS wl_Comment_pid ON wl_Comment (pid);

-- page view counter and reactions, one row per page path
CREATE TABLE IF NOT EXISTS wl_Counter (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    time      INTEGER,
    reaction0 INTEGER,
    reaction1 INTEGER,
    reaction2 INTEGER,
    reaction3 INTEGER,
    reaction4 INTEGER,
    reaction5 INTEGER,
    reaction6 INTEGER,
    reaction7 INTEGER,
    reaction8 INTEGER,
    url       TEXT NOT NULL DEFAULT '',
    createdAt DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
    updatedAt DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);
CREATE INDEX IF NOT EXISTS wl_Counter_url ON wl_Counter (url);

-- registered users; the first one to register becomes "administrator"
CREATE TABLE IF NOT EXISTS wl_Users (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    display_name TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    password     TEXT NOT NULL DEFAULT '',  -- phpass hash
    type         TEXT NOT NULL DEFAULT '',  -- administrator | guest | banned | verify:...
    label        TEXT,
    url          TEXT,
    avatar       TEXT,
    github       TEXT,
    twitter      TEXT,
    facebook     TEXT,
    google       TEXT,
    weibo        TEXT,
    qq           TEXT,
    oidc         TEXT,
    huawei       TEXT,
    "2fa"        TEXT,
    createdAt    DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
    updatedAt    DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);
