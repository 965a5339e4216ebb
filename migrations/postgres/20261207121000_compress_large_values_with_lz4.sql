-- Large values (a mail's raw bytes, files, message texts, queued letters) are compressed
-- with lz4 instead of pglz where the server has it (PostgreSQL 14 and later, built with
-- lz4, as Debian's and most packages are): pglz took about 1 ms for a 40 KB mail with a
-- file in it, lz4 about a tenth of that, and compresses such mail as well. Values written
-- before keep their compression; both are read alike.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings
               WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE raw_email_bytes ALTER COLUMN raw SET COMPRESSION lz4;
        ALTER TABLE blobs ALTER COLUMN content SET COMPRESSION lz4;
        ALTER TABLE messages
            ALTER COLUMN body SET COMPRESSION lz4,
            ALTER COLUMN quoted SET COMPRESSION lz4,
            ALTER COLUMN signature SET COMPRESSION lz4,
            ALTER COLUMN full_text SET COMPRESSION lz4,
            ALTER COLUMN html SET COMPRESSION lz4;
        ALTER TABLE outbox
            ALTER COLUMN raw SET COMPRESSION lz4,
            ALTER COLUMN letter SET COMPRESSION lz4;
    END IF;
END;
$$;
