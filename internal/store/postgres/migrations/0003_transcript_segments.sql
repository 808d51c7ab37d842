-- Transcript segments are keyed by the recogniser's segment id, so partials whose start
-- time moves are replaced by their final instead of piling up. Rows from before keep a
-- key made from their start time ('@' || start), as TranscriptRow.SegmentKey does.
CREATE TABLE transcripts_v3 (
    call_id    TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    party      TEXT NOT NULL,
    segment    TEXT NOT NULL,
    start_s    DOUBLE PRECISION NOT NULL,
    end_s      DOUBLE PRECISION NOT NULL,
    text       TEXT NOT NULL,
    final      BOOLEAN NOT NULL,
    lang       TEXT NOT NULL DEFAULT '',
    confidence DOUBLE PRECISION NOT NULL DEFAULT 0,
    source     TEXT NOT NULL DEFAULT '',
    at         BIGINT NOT NULL,
    PRIMARY KEY (call_id, party, segment)
);
INSERT INTO transcripts_v3 (call_id, party, segment, start_s, end_s, text, final, lang, at)
    SELECT call_id, party, '@' || CAST(start_s AS TEXT), start_s, end_s, text, final, lang, at FROM transcripts;
DROP TABLE transcripts;
ALTER TABLE transcripts_v3 RENAME TO transcripts;
CREATE INDEX transcripts_start ON transcripts (call_id, start_s);
