-- Messages: what was not sent and why, and what could not reach a school.
-- A message not sent because the moment it is about had passed (or it was
-- decided long before it could go out) is kept as status 'skipped' with a
-- note, so a school's message history shows it. The HTML part is kept beside
-- the text part.
ALTER TABLE sent_messages ADD COLUMN status text NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'skipped'));
ALTER TABLE sent_messages ADD COLUMN note text;
ALTER TABLE sent_messages ADD COLUMN html text;

-- A message that could not reach a school's reader (no or an invalid
-- headteacher address): the hub board and the weekly digest list the open
-- ones; the notify effect is kept to send once the address is fixed.
CREATE TABLE mail_problems (
  key          text        PRIMARY KEY,
  urn          text        NOT NULL,
  hub          text        NOT NULL DEFAULT '',
  template     text        NOT NULL,
  problem      text        NOT NULL,
  effect       jsonb       NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  resolved_at  timestamptz,
  resolution   text
);

CREATE INDEX mail_problems_open_idx ON mail_problems (hub, urn) WHERE resolved_at IS NULL;

-- A corrected headteacher address for a school, set by the hub; messages use
-- it instead of the address on the application.
CREATE TABLE school_contacts (
  urn         text        NOT NULL,
  role        text        NOT NULL CHECK (role IN ('headteacher')),
  name        text        NOT NULL,
  email       text        NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  text        NOT NULL,
  PRIMARY KEY (urn, role)
);
