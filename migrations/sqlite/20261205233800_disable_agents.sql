-- Agents: an admin may disable one; from then on they cannot sign in, and their sessions
-- and API tokens are deleted at that moment. The row stays, so their replies keep a name.
ALTER TABLE agents ADD COLUMN disabled_at TEXT;

-- API tokens may be given an end; past it the token is refused. (last_used_at, there
-- since the start, is now kept up to date.)
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
CREATE INDEX api_tokens_by_agent ON api_tokens(agent_id);

-- Sessions: an agent's are found by agent to end them all at once.
CREATE INDEX sessions_by_agent ON sessions(agent_id);
