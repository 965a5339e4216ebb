-- What a message says (sender, subject, date, text, attachments), hashed: two messages
-- with one Message-ID but different content (some mailers reuse their Message-IDs) are
-- both kept; a re-delivery of the same one is still a duplicate. NULL for older rows.
ALTER TABLE raw_emails ADD COLUMN fingerprint TEXT;
