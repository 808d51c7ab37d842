-- Undertone store schema v1 (SQLite). Times are Unix milliseconds (UTC); JSON as text.
CREATE TABLE calls (
    id         TEXT PRIMARY KEY,
    source     TEXT NOT NULL DEFAULT '',
    state      TEXT NOT NULL CHECK (state IN ('live', 'ended', 'interrupted')),
    agent      TEXT NOT NULL DEFAULT '',
    team       TEXT NOT NULL DEFAULT '',
    queue      TEXT NOT NULL DEFAULT '',
    started_at INTEGER NOT NULL DEFAULT 0,
    ended_at   INTEGER NOT NULL DEFAULT 0,
    reason     TEXT NOT NULL DEFAULT '',
    parties    TEXT NOT NULL DEFAULT '[]',
    summary    TEXT NOT NULL DEFAULT 'null',
    meta       TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX calls_started ON calls (started_at DESC, id DESC);
CREATE INDEX calls_state ON calls (state);
CREATE INDEX calls_agent ON calls (agent, started_at DESC);
CREATE INDEX calls_team ON calls (team, started_at DESC);

CREATE TABLE emotions (
    call_id    TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    party      TEXT NOT NULL,
    t_start    REAL NOT NULL,
    t_end      REAL NOT NULL,
    top        TEXT NOT NULL,
    probs      TEXT NOT NULL DEFAULT '{}',
    arousal    REAL NOT NULL,
    valence    REAL NOT NULL,
    confidence REAL NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (call_id, party, t_start)
) STRICT, WITHOUT ROWID;

CREATE TABLE transcripts (
    call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    party   TEXT NOT NULL,
    start_s REAL NOT NULL,
    end_s   REAL NOT NULL,
    text    TEXT NOT NULL,
    final   INTEGER NOT NULL,
    lang    TEXT NOT NULL DEFAULT '',
    at      INTEGER NOT NULL,
    PRIMARY KEY (call_id, party, start_s)
) STRICT, WITHOUT ROWID;

CREATE TABLE intents (
    call_id    TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    party      TEXT NOT NULL,
    t          REAL NOT NULL,
    intent     TEXT NOT NULL,
    confidence REAL NOT NULL,
    payload    TEXT NOT NULL DEFAULT 'null',
    at         INTEGER NOT NULL,
    PRIMARY KEY (call_id, party, t, intent)
) STRICT, WITHOUT ROWID;

CREATE TABLE hints (
    call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    id      TEXT NOT NULL,
    rule_id TEXT NOT NULL DEFAULT '',
    title   TEXT NOT NULL DEFAULT '',
    payload TEXT NOT NULL DEFAULT 'null',
    at      INTEGER NOT NULL,
    PRIMARY KEY (call_id, id)
) STRICT, WITHOUT ROWID;
CREATE INDEX hints_rule ON hints (rule_id, at);
CREATE INDEX hints_at ON hints (at);

CREATE TABLE hint_feedback (
    id      INTEGER PRIMARY KEY,
    call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    hint_id TEXT NOT NULL,
    rating  TEXT NOT NULL CHECK (rating IN ('useful', 'not_useful', 'used')),
    agent   TEXT NOT NULL DEFAULT '',
    at      INTEGER NOT NULL,
    UNIQUE (call_id, hint_id, agent, rating, at)
) STRICT;

CREATE TABLE trends (
    hour         INTEGER NOT NULL,
    queue        TEXT NOT NULL,
    team         TEXT NOT NULL,
    agent        TEXT NOT NULL,
    calls        INTEGER NOT NULL DEFAULT 0,
    emotions     INTEGER NOT NULL DEFAULT 0,
    arousal_sum  REAL NOT NULL DEFAULT 0,
    valence_sum  REAL NOT NULL DEFAULT 0,
    negative     INTEGER NOT NULL DEFAULT 0,
    hints_raised INTEGER NOT NULL DEFAULT 0,
    hints_useful INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, queue, team, agent)
) STRICT, WITHOUT ROWID;

CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL,
    agent      TEXT NOT NULL DEFAULT '',
    teams      TEXT NOT NULL DEFAULT '[]',
    hash       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL DEFAULT 0,
    revoked_at INTEGER NOT NULL DEFAULT 0
) STRICT;
