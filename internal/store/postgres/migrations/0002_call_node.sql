-- Calls remember the node that ran them, so MarkInterrupted at a node's start only
-- touches that node's calls when several nodes share one database.
ALTER TABLE calls ADD COLUMN node TEXT NOT NULL DEFAULT '';
CREATE INDEX calls_live_node ON calls (state, node);
