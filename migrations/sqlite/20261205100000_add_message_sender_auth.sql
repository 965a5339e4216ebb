-- What our receiving servers said of an inbound mail's sender (RFC 8601, read through
-- [mail_trust] authserv_ids): 'pass', 'none' or 'fail'. NULL for what was typed in the
-- portal, the console or the API, and for mail stored before this was kept.
ALTER TABLE messages ADD COLUMN sender_auth TEXT CHECK (sender_auth IN ('pass', 'none', 'fail'));
