-- Full-text search (FTS5) over ticket subjects and the new text of every message, folded
-- as search compares text (lower case, no diacritics: fold(), registered on every
-- connection), so that `sedinta` finds `Ședință`. Contentless: the text stays in
-- tickets and messages; the index holds only the words.
CREATE VIRTUAL TABLE subject_search USING fts5(
    subject, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE message_search USING fts5(
    body, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');

INSERT INTO subject_search (rowid, subject) SELECT id, fold(subject) FROM tickets;
INSERT INTO message_search (rowid, body) SELECT id, fold(body) FROM messages;

CREATE TRIGGER tickets_search AFTER INSERT ON tickets BEGIN
    INSERT INTO subject_search (rowid, subject) VALUES (NEW.id, fold(NEW.subject));
END;
CREATE TRIGGER tickets_search_subject AFTER UPDATE OF subject ON tickets BEGIN
    DELETE FROM subject_search WHERE rowid = OLD.id;
    INSERT INTO subject_search (rowid, subject) VALUES (NEW.id, fold(NEW.subject));
END;
CREATE TRIGGER messages_search AFTER INSERT ON messages BEGIN
    INSERT INTO message_search (rowid, body) VALUES (NEW.id, fold(NEW.body));
END;
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
    DELETE FROM message_search WHERE rowid = OLD.id;
END;
