-- Every change of a school's headteacher contact, kept beside the school as
-- school_contacts is: personal details stay out of the hash-chained event log
-- (they can then be corrected or erased without breaking it), yet the school
-- page and its audit say who changed what, and when.

CREATE TABLE school_contact_changes (
  id          bigserial   PRIMARY KEY,
  urn         text        NOT NULL CHECK (urn <> ''),
  role        text        NOT NULL CHECK (role IN ('headteacher')),
  old_name    text,
  old_email   text,
  new_name    text        NOT NULL,
  new_email   text        NOT NULL,
  changed_at  timestamptz NOT NULL,   -- school time: the service's clock when the hub saved it
  changed_by  text        NOT NULL CHECK (changed_by <> ''),
  recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX school_contact_changes_urn_idx ON school_contact_changes (urn, changed_at);
