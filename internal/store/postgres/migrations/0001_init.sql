-- Undertone store schema v1 (PostgreSQL). Times are Unix milliseconds (UTC); JSON as jsonb.
CREATE TABLE calls (
    id         TEXT PRIMARY KEY,
    source     TEXT NOT NULL DEFAULT '',
    state      TEXT NOT NULL CHECK (state IN ('live', 'ended', 'interrupted')),
    agent      TEXT NOT NULL DEFAULT '',
    team       TEXT NOT NULL DEFAULT '',
    queue      TEXT NOT NULL DEFAULT '',
    started_at BIGINT NOT NULL DEFAULT 0,
    ended_at   BIGINT NOT NULL DEFAULT 0,
    reason     TEXT NOT NULL DEFAULT '',
    parties    JSONB NOT NULL DEFAULT '[]',
    summary    JSONB NOT NULL DEFAULT 'null',
    meta       JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX calls_started ON calls (started_at DESC, id DESC);
CREATE INDEX calls_state ON calls (state);
CREATE INDEX calls_agent ON calls (agent, started_at DESC);
CREATE INDEX calls_team ON calls (team, started_at DESC);

CREATE TABLE emotions (
    call_id    TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    party      TEXT NOT NULL,
    t_start    DOUBLE PRECISION NOT NULL,
    t_end      DOUBLE PRECISION NOT NULL,
    top        TEXT NOT NULL,
    probs      JSONB NOT NULL DEFAULT '{}',
    arousal    DOUBLE PRECISION NOT NULL,
    valence    DOUBLE PRECISION NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    at         BIGINT NOT NULL,
    PRIMARY KEY (call_id, party, t_start)
);

CREATE TABLE transcripts (
    call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    party   TEXT NOT NULL,
    start_s DOUBLE PRECISION NOT NULL,
    end_s   DOUBLE PRECISION NOT NULL,
    text    TEXT NOT NULL,
    final   BOOLEAN NOT NULL,
    lang    TEXT NOT NULL DEFAULT '',
    at      BIGINT NOT NULL,
    PRIMARY KEY (call_id, party, start_s)
);

CREATE TABLE intents (
    call_id    TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    party      TEXT NOT NULL,
    t          DOUBLE PRECISION NOT NULL,
    intent     TEXT NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    payload    JSONB NOT NULL DEFAULT 'null',
    at         BIGINT NOT NULL,
    PRIMARY KEY (call_id, party, t, intent)
);

CREATE TABLE hints (
    call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    id      TEXT NOT NULL,
    rule_id TEXT NOT NULL DEFAULT '',
    title   TEXT NOT NULL DEFAULT '',
    payload JSONB NOT NULL DEFAULT 'null',
    at      BIGINT NOT NULL,
    PRIMARY KEY (call_id, id)
);
CREATE INDEX hints_rule ON hints (rule_id, at);
CREATE INDEX hints_at ON hints (at);

CREATE TABLE hint_feedback (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    hint_id TEXT NOT NULL,
    rating  TEXT NOT NULL CHECK (rating IN ('useful', 'not_useful', 'used')),
    agent   TEXT NOT NULL DEFAULT '',
    at      BIGINT NOT NULL,
    UNIQUE (call_id, hint_id, agent, rating, at)
);

CREATE TABLE trends (
    hour         BIGINT NOT NULL,
    queue        TEXT NOT NULL,
    team         TEXT NOT NULL,
    agent        TEXT NOT NULL,
    calls        BIGINT NOT NULL DEFAULT 0,
    emotions     BIGINT NOT NULL DEFAULT 0,
    arousal_sum  DOUBLE PRECISION NOT NULL DEFAULT 0,
    valence_sum  DOUBLE PRECISION NOT NULL DEFAULT 0,
    negative     BIGINT NOT NULL DEFAULT 0,
    hints_raised BIGINT NOT NULL DEFAULT 0,
    hints_useful BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, queue, team, agent)
);

CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL,
    agent      TEXT NOT NULL DEFAULT '',
    teams      JSONB NOT NULL DEFAULT '[]',
    hash       TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL DEFAULT 0,
    revoked_at BIGINT NOT NULL DEFAULT 0
);
