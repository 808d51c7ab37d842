-- Transcript segments are keyed by the recogniser's segment id, so partials whose start
-- time moves are replaced by their final instead of piling up. Rows from before keep a
-- key made from their start time ('@' || start), as TranscriptRow.SegmentKey does.
CREATE TABLE transcripts_v3 (
    call_id    TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    party      TEXT NOT NULL,
    segment    TEXT NOT NULL,
    start_s    REAL NOT NULL,
    end_s      REAL NOT NULL,
    text       TEXT NOT NULL,
    final      INTEGER NOT NULL,
    lang       TEXT NOT NULL DEFAULT '',
    confidence REAL NOT NULL DEFAULT 0,
    source     TEXT NOT NULL DEFAULT '',
    at         INTEGER NOT NULL,
    PRIMARY KEY (call_id, party, segment)
) STRICT, WITHOUT ROWID;
INSERT INTO transcripts_v3 (call_id, party, segment, start_s, end_s, text, final, lang, at)
    SELECT call_id, party,
        '@' || CASE WHEN start_s = CAST(start_s AS INTEGER) THEN CAST(CAST(start_s AS INTEGER) AS TEXT) ELSE CAST(start_s AS TEXT) END,
        start_s, end_s, text, final, lang, at FROM transcripts;
DROP TABLE transcripts;
ALTER TABLE transcripts_v3 RENAME TO transcripts;
CREATE INDEX transcripts_start ON transcripts (call_id, start_s);
