-- Desk sessions of staff signed in through the identity provider (OpenID Connect). The browser
-- holds only a random cookie value; its SHA-256 is the key here, so the table alone lets nobody
-- in. Shared by every server instance: a sign-out on one ends the session on all.
CREATE TABLE staff_sessions (
    id uuid PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    sub text NOT NULL,
    name text NOT NULL,
    role text NOT NULL CHECK (role IN ('clerk', 'bank', 'supervisor', 'admin')),
    office_code text,
    created_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    ended_at timestamptz,
    CHECK (expires_at > created_at)
);

-- Purging ended and expired sessions.
CREATE INDEX staff_sessions_expires ON staff_sessions (expires_at);

-- Sign-ins that came back: each sign-in's `state` is accepted once (its SHA-256 is kept until the
-- sign-in would have expired anyway), so a replayed answer never reaches the provider again.
CREATE TABLE sign_in_states (
    state_hash bytea PRIMARY KEY CHECK (octet_length(state_hash) = 32),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sign_in_states_expires ON sign_in_states (expires_at);
