-- Offices: Borgerservice desks and bank branches. Kinds are text + CHECK rather than a
-- PostgreSQL enum type, so adding a kind later is a plain migration inside a transaction.
CREATE TABLE offices (
    id          uuid        PRIMARY KEY,
    code        text        NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{1,31}$'),
    name        text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    kind        text        NOT NULL CHECK (kind IN ('citizen_service_centre', 'bank_branch')),
    bank_name   text        CHECK (char_length(bank_name) BETWEEN 1 AND 200),
    street      text        NOT NULL CHECK (char_length(street) BETWEEN 1 AND 200),
    postal_code text        NOT NULL CHECK (char_length(postal_code) BETWEEN 1 AND 16),
    city        text        NOT NULL CHECK (char_length(city) BETWEEN 1 AND 100),
    country     text        NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    active      boolean     NOT NULL DEFAULT true,
    version     integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    -- Who made the office and who changed it last (the token's `sub`).
    created_by  text        NOT NULL,
    updated_by  text        NOT NULL,
    -- A bank branch names its bank; a citizen service centre has none.
    CONSTRAINT offices_bank_name_iff_branch CHECK ((kind = 'bank_branch') = (bank_name IS NOT NULL))
);

CREATE UNIQUE INDEX offices_code_key ON offices (code);
