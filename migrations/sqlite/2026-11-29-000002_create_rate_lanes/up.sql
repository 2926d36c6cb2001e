-- Monobank allows one client-info and one statement call per token per 60 s. A lane row says when
-- the next call on (token, endpoint) may be made; claiming it is one conditional UPDATE, so app
-- instances sharing the database share the limit. The token appears only as its keyed fingerprint.
CREATE TABLE rate_lanes (
    token_fingerprint TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    next_at BIGINT NOT NULL,
    PRIMARY KEY (token_fingerprint, endpoint)
);
