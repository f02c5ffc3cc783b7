-- API tokens expire (issue 12). Each token has an expiry, 90 days after it is
-- made unless the admin chose otherwise (pathway users add --days N). Tokens
-- made before this migration get 90 days from the day it runs, so that no
-- one is locked out by an upgrade.
ALTER TABLE api_users ADD COLUMN expires_at timestamptz;
UPDATE api_users SET expires_at = greatest(created_at, now()) + interval '90 days';
ALTER TABLE api_users ALTER COLUMN expires_at SET NOT NULL;
ALTER TABLE api_users ADD CONSTRAINT api_users_expires_after_creation CHECK (expires_at > created_at);

-- Any change to a person's token (revoked, expiry moved, row removed) is
-- announced on channel pathway_api_users with the user id, so that every
-- process (a server beside a CLI, several servers on one Postgres) drops what
-- it cached at once instead of trusting it for a few more seconds.
CREATE FUNCTION api_users_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('pathway_api_users', COALESCE(NEW.id, OLD.id));
  RETURN NULL;
END
$$;

CREATE TRIGGER api_users_changed AFTER UPDATE OR DELETE ON api_users
  FOR EACH ROW EXECUTE FUNCTION api_users_announce();
