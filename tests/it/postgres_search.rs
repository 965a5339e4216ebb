//! Full-text search on PostgreSQL beside SQLite's FTS5: the same hits for what anyone
//! types, the same for each reader in the portal, and the same order for agents.

use sqlx::Connection;

use helpdesk::domain::search_text::prefixes;

use helpdesk::db::postgres::Session;
use helpdesk::db::queue::{self, QueueFilter};
use helpdesk::db::{Conn, search};

use crate::engine::fresh_database;
use crate::postgres::{copy_db, helpdesk};

/// The tickets (subjects and messages) and customers the typed `text` finds in SQLite's FTS5
/// indexes.
fn found_in_sqlite(conn: &Conn, text: &str) -> (Vec<i64>, Vec<i64>) {
    let Some(q) = search::query(conn, text).unwrap() else {
        return (Vec::new(), Vec::new());
    };
    let conn = conn.sqlite().unwrap();
    let ids = |sql: &str, query: &str| -> Vec<i64> {
        conn.prepare(sql)
            .unwrap()
            .query_map([query], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    (
        ids(
            "SELECT rowid FROM subject_search WHERE subject_search MATCH ?1
             UNION SELECT m.ticket_id FROM message_search JOIN messages m ON m.id = message_search.rowid
             WHERE message_search MATCH ?1 ORDER BY 1",
            &q.in_text(),
        ),
        ids(
            "SELECT rowid FROM customer_search WHERE customer_search MATCH ?1 ORDER BY 1",
            &q.fts,
        ),
    )
}

/// The same in PostgreSQL's text search.
async fn found_in_postgres(pg: &mut sqlx::PgConnection, text: &str) -> (Vec<i64>, Vec<i64>) {
    let words = helpdesk::domain::search_text::words(text);
    let Some(q) = helpdesk::domain::search_text::ts_query(&prefixes(&words)) else {
        return (Vec::new(), Vec::new());
    };
    let tickets = sqlx::query_scalar(
        "SELECT id FROM tickets WHERE subject_words @@ $1::tsquery
         UNION SELECT ticket_id FROM messages WHERE body_words @@ $1::tsquery ORDER BY 1",
    )
    .bind(&q)
    .fetch_all(&mut *pg)
    .await
    .unwrap();
    let customers =
        sqlx::query_scalar("SELECT id FROM customers WHERE words @@ $1::tsquery ORDER BY 1")
            .bind(&q)
            .fetch_all(&mut *pg)
            .await
            .unwrap();
    (tickets, customers)
}

/// The fixture mail (any charset, any client) imported into a SQLite file and indexed
/// there, and copied into a fresh PostgreSQL database: the file's directory, SQLite, the
/// copy's URL and SQLite's vocabulary.
fn fixtures_in_both(name: &str) -> (tempfile::TempDir, Conn, String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("helpdesk.db");
    let url = format!("sqlite://{}", db.display());
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/emails");
    let (code, out) = helpdesk(Some(&url), &["import", fixtures]);
    assert_eq!(code, Some(0), "{out}");
    let sqlite = rusqlite::Connection::open(&db).unwrap();
    helpdesk::db::add_functions(&sqlite).unwrap();
    let sqlite = Conn::Sqlite(sqlite);
    while search::catch_up(&sqlite, 10_000).unwrap() > 0 {}
    let target = fresh_database(name);
    let (code, out) = copy_db(&db, &target);
    assert_eq!(code, Some(0), "{out}");
    let vocabulary: Vec<String> = sqlite
        .sqlite()
        .unwrap()
        .prepare("SELECT word FROM search_words")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        vocabulary.len() > 300,
        "a real vocabulary: {}",
        vocabulary.len()
    );
    (dir, sqlite, target, vocabulary)
}

/// Fails with how many searches `what` (the first 30 of them) when any did.
fn none_differ(differ: &[String], what: &str) {
    assert!(
        differ.is_empty(),
        "{} {what}:\n{}",
        differ.len(),
        differ[..differ.len().min(30)].join("\n")
    );
}

/// Every word of the fixture mail, whole and as a three-letter prefix, finds the same
/// tickets and customers in PostgreSQL as in SQLite.
#[tokio::test(flavor = "multi_thread")]
async fn postgres_text_search_finds_what_fts5_finds() {
    let (_dir, sqlite, target, vocabulary) = fixtures_in_both("search");
    let mut pg = sqlx::PgConnection::connect(&target).await.unwrap();
    // PostgreSQL's vocabulary (what typed words expand to) is SQLite's.
    let mut words_there: Vec<String> = sqlx::query_scalar("SELECT word FROM search_vocabulary")
        .fetch_all(&mut pg)
        .await
        .unwrap();
    let mut words_here = vocabulary.clone();
    words_here.sort();
    words_there.sort();
    assert_eq!(words_here, words_there);
    let mut typed: Vec<String> = vocabulary.clone();
    typed.extend(vocabulary.iter().map(|w| w.chars().take(3).collect()));
    typed.extend(["Ședință", "IMPRIMANTA nu", "factura 2026"].map(String::from));
    typed.sort();
    typed.dedup();
    let (mut differ, mut found) = (Vec::new(), 0);
    for text in &typed {
        let here = found_in_sqlite(&sqlite, text);
        let there = found_in_postgres(&mut pg, text).await;
        found += usize::from(!here.0.is_empty());
        if here != there {
            differ.push(format!("{text:?}: SQLite {here:?}, PostgreSQL {there:?}"));
        }
    }
    assert!(
        found > vocabulary.len() / 2,
        "the words find tickets: {found}"
    );
    none_differ(&differ, &format!("of {} searches differ", typed.len()));

    // What each customer may read (the portal's search): the same on both, through the
    // readers' words of SQLite's indexes and PostgreSQL's readers' lexemes.
    let readers: Vec<String> = sqlite
        .query_map(
            "SELECT DISTINCT address FROM participants WHERE role IN ('requester', 'cc') ORDER BY address",
            helpdesk::params![],
            |r| r.get(0),
        )
        .unwrap();
    assert!(readers.len() > 5, "readers: {readers:?}");
    let (mut differ, mut found) = (Vec::new(), 0);
    for reader in &readers {
        for text in typed.iter().step_by(5) {
            let here = read_in_sqlite(&sqlite, text, reader);
            let there = read_in_postgres(&mut pg, text, reader).await;
            found += usize::from(!here.is_empty());
            if here != there {
                differ.push(format!(
                    "{reader} {text:?}: SQLite {here:?}, PostgreSQL {there:?}"
                ));
            }
        }
    }
    assert!(found > readers.len(), "readers find their tickets: {found}");
    none_differ(&differ, "readers' searches differ");
}

/// The tickets whose subject or public messages hold `text` that `reader` may read, in
/// SQLite's indexes.
fn read_in_sqlite(conn: &Conn, text: &str, reader: &str) -> Vec<i64> {
    let Some(q) = search::query(conn, text).unwrap() else {
        return Vec::new();
    };
    conn.query_map(
        "SELECT rowid FROM subject_search WHERE subject_search MATCH ?1
         UNION SELECT m.ticket_id FROM message_search JOIN messages m ON m.id = message_search.rowid
         WHERE message_search MATCH ?1 ORDER BY 1",
        helpdesk::params![q.read_by(reader)],
        |r| r.get(0),
    )
    .unwrap()
}

/// The same in PostgreSQL's stored words.
async fn read_in_postgres(pg: &mut sqlx::PgConnection, text: &str, reader: &str) -> Vec<i64> {
    let words = helpdesk::domain::search_text::words(text);
    let Some(q) = helpdesk::domain::search_text::ts_query(&prefixes(&words)) else {
        return Vec::new();
    };
    sqlx::query_scalar(
        "SELECT id FROM tickets WHERE subject_words @@ ($1::tsquery && reader_query($2))
         UNION SELECT ticket_id FROM messages WHERE body_words @@ ($1::tsquery && reader_query($2))
         ORDER BY 1",
    )
    .bind(&q)
    .bind(reader)
    .fetch_all(&mut *pg)
    .await
    .unwrap()
}

/// Every ticket's words added to the queue's again, `chunk` tickets at a time, and the
/// table marked as filled, as a node does when it starts.
fn fill_queue_words(conn: &Conn, chunk: i64) {
    let mut after = 0;
    while let Some(last) = search::queue_words_again(conn, after, chunk).unwrap() {
        after = last;
    }
    search::queue_words_filled(conn).unwrap();
}

/// PostgreSQL's ranked search finds a common word's newest hits by reading the newest rows,
/// and a rarer word's by reading all its hits: either way the best first, and of equal
/// ones the newest. The queue finds every open ticket that has a common or a rare word.
#[tokio::test(flavor = "multi_thread")]
async fn ranked_search_finds_the_newest_hits_of_common_and_rare_words() {
    use helpdesk::db::queue;
    let url = fresh_database("ranked");
    let (code, out) = helpdesk(Some(&url), &["migrate"]);
    assert_eq!(code, Some(0), "{out}");
    let found = tokio::task::spawn_blocking(move || {
        let conn = Conn::Postgres(Session::connect(&url).unwrap());
        // 30,000 tickets: one in four about the printer (more hits among the newest rows
        // than are ranked), one in a thousand about the meeting.
        conn.batch(
            "INSERT INTO customers (email, created_at) VALUES ('ana@example.ro', now());
             INSERT INTO tickets (id, subject, status, channel, requester_id, created_at, updated_at)
             SELECT i, CASE WHEN i % 1000 = 0 THEN 'Ședința de luni'
                            WHEN i % 4 = 0 THEN 'Imprimanta nu tipărește'
                            ELSE 'Acces VPN' END,
                    'in_progress', 'email', 1, now(), now()
             FROM generate_series(1, 30000) AS i;
             INSERT INTO messages (ticket_id, kind, author, body, created_at)
             SELECT i, 'customer', 'ana@example.ro',
                    CASE WHEN i % 1000 = 500 THEN 'Am trimis factura' ELSE 'Mulțumesc' END, now()
             FROM generate_series(1, 30000) AS i;",
        )
        .unwrap();
        while search::catch_up(&conn, 10_000).unwrap() > 0 {}
        fill_queue_words(&conn, 1_000);
        // As autovacuum would after the load: the planner learns which words are common.
        conn.batch("ANALYZE tickets; ANALYZE messages").unwrap();
        // What the ranked search asks of the planner: how many subjects hold a word.
        let share = |word: &str| -> f64 {
            conn.query_row(
                "SELECT search_estimate('tickets', 'subject_words', ?1) / 30000",
                helpdesk::params![word],
                |r| r.get(0),
            )
            .unwrap()
        };
        let shares = (share("sedinta"), share("imprimanta"));
        assert!(
            shares.0 < 0.005 && shares.1 > 0.2,
            "the planner's estimates, a rare word's and a common one's: {shares:?}"
        );
        let in_queue = |text: &str| -> (Vec<i64>, i64) {
            let filter = queue::QueueFilter {
                text: Some(text.to_string()),
                limit: 50,
                ..Default::default()
            };
            let (rows, total) = queue::queue(&conn, &filter).unwrap();
            let mut ids: Vec<i64> = rows.into_iter().map(|r| r.id.0).collect();
            ids.sort();
            (ids, total)
        };
        let invoice: Vec<i64> = (0..30).map(|i| i * 1000 + 500).collect();
        assert_eq!(in_queue("factura"), (invoice.clone(), 30), "a rare word's tickets");
        assert_eq!(in_queue("trimis factura"), (invoice, 30), "two rare words' tickets");
        assert_eq!(in_queue("multumesc").1, 29_970, "a common word's tickets");
        let ranked = |text: &str, limit: i64| -> Vec<i64> {
            let q = search::query(&conn, text).unwrap().unwrap();
            search::ranked(&conn, &q, limit)
                .unwrap()
                .into_iter()
                .map(|t| t.0)
                .collect()
        };
        (
            ranked("imprim", 300),
            ranked("sedinta", 100),
            ranked("imprimanta tiparește", 300),
        )
    })
    .await
    .unwrap();
    let printer: Vec<i64> = (1..=30_000)
        .rev()
        .filter(|i| i % 4 == 0 && i % 1000 != 0)
        .take(300)
        .collect();
    assert_eq!(found.0, printer);
    assert_eq!(found.2, printer, "two common words, always together");
    let meeting: Vec<i64> = (1..=30).rev().map(|i| i * 1000).collect();
    assert_eq!(found.1, meeting);
}

/// Agents' ranked search orders the fixture mail's tickets on PostgreSQL as on SQLite, for
/// every word, three-letter prefix and letter (a prefix that begins too many words to list
/// is counted word by word in each hit): both score a hit from how often it holds each
/// phrase, its length and the average length, the same way.
#[tokio::test(flavor = "multi_thread")]
async fn ranked_search_orders_the_hits_as_fts5_does() {
    let (_dir, sqlite, target, vocabulary) = fixtures_in_both("ranking");
    let mut typed: Vec<String> = vocabulary.clone();
    typed.extend(vocabulary.iter().map(|w| w.chars().take(3).collect()));
    typed.extend(vocabulary.iter().map(|w| w.chars().take(1).collect()));
    typed.extend(["Ședință nu", "IMPRIMANTA factura", "re fw"].map(String::from));
    typed.sort();
    typed.dedup();
    let (differ, ordered, scored, prefixes, totals) = tokio::task::spawn_blocking(move || {
        let pg = Conn::Postgres(Session::connect(&target).unwrap());
        let ranked = |conn: &Conn, text: &str| -> (Vec<i64>, bool) {
            let Some(q) = search::query(conn, text).unwrap() else {
                return (Vec::new(), false);
            };
            let found = search::ranked(conn, &q, 50).unwrap();
            (found.into_iter().map(|t| t.0).collect(), q.has_prefix)
        };
        let (mut differ, mut ordered, mut scored, mut prefixes) = (Vec::new(), 0, 0, 0);
        let mut compare = |when: &str| {
            for text in &typed {
                let (here, prefix) = ranked(&sqlite, text);
                let (there, _) = ranked(&pg, text);
                ordered += usize::from(here.len() > 1);
                // Ranked otherwise than newest first: the scores decided.
                scored += usize::from(here.windows(2).any(|w| w[0] < w[1]));
                prefixes += usize::from(prefix && !here.is_empty());
                if here != there {
                    differ.push(format!(
                        "{when} {text:?}: SQLite {here:?}, PostgreSQL {there:?}"
                    ));
                }
            }
        };
        compare("copied:");
        // Subjects changed on both: indexed again, they count their new length in the hit's
        // score, and in the average beside the old one.
        for conn in [&sqlite, &pg] {
            conn.execute(
                "UPDATE tickets SET subject = subject || ' factura factura nou' WHERE id % 3 = 0",
                helpdesk::params![],
            )
            .unwrap();
            while search::catch_up(conn, 10_000).unwrap() > 0 {}
        }
        compare("changed:");
        // Lengths left unwritten (by a node older than them) are read off the words.
        pg.execute(
            "UPDATE tickets SET subject_length = NULL WHERE id % 5 = 0",
            helpdesk::params![],
        )
        .unwrap();
        compare("unwritten:");
        // As FTS5 counts them: every ticket's subject, and the changed ones again.
        let totals: (i64, i64) = pg
            .query_row(
                "SELECT s.texts, (SELECT count(*) + count(*) FILTER (WHERE id % 3 = 0) FROM tickets)
                 FROM search_totals s WHERE s.source = 'tickets'",
                helpdesk::params![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        (differ, ordered, scored, prefixes, totals)
    })
    .await
    .unwrap();
    assert_eq!(totals.0, totals.1, "the subjects indexed");
    assert!(ordered > 200, "searches with hits to order: {ordered}");
    assert!(scored > 100, "searches the scores ordered: {scored}");
    assert!(prefixes > 0, "searches with a prefix: {prefixes}");
    none_differ(&differ, "searches are ordered differently");
}

/// The console queue's search (agents: subjects, every message, requesters) finds the same
/// open tickets, and counts the same total, on both engines: after the copy, after
/// subjects and messages changed, after some tickets were closed and some resolved and
/// opened again, and after a node added every ticket's words again. On PostgreSQL the open
/// tickets that may match come off `queue_words`; each must still hold every word in one
/// text, and a ticket with too many words to keep there is checked for every search.
#[tokio::test(flavor = "multi_thread")]
async fn queue_search_finds_what_sqlite_finds() {
    let (_dir, sqlite, target, vocabulary) = fixtures_in_both("queue_search");
    let mut typed: Vec<String> = vocabulary.clone();
    typed.extend(vocabulary.iter().map(|w| w.chars().take(3).collect()));
    typed.extend(
        [
            "Ședință nu",
            "IMPRIMANTA factura",
            "re fw",
            "zzsubiect zzmesaj",
            "redeschis",
            "vechi",
        ]
        .map(String::from),
    );
    typed.sort();
    typed.dedup();
    let (differ, found, split, rows, missed, too_many, long_body, marked) = tokio::task::spawn_blocking(move || {
        let pg = Conn::Postgres(Session::connect(&target).unwrap());
        let search = |conn: &Conn, text: &str| -> (Vec<i64>, i64) {
            let filter = QueueFilter {
                text: Some(text.to_string()),
                limit: 10_000,
                ..QueueFilter::default()
            };
            let (rows, total) = queue::queue(conn, &filter).unwrap();
            (rows.into_iter().map(|r| r.id.0).collect(), total)
        };
        let (mut differ, mut found) = (Vec::new(), 0);
        let mut compare = |when: &str| {
            for text in &typed {
                let here = search(&sqlite, text);
                let there = search(&pg, text);
                found += usize::from(!here.0.is_empty());
                if here != there {
                    differ.push(format!("{when} {text:?}: SQLite {here:?}, PostgreSQL {there:?}"));
                }
            }
        };
        // Before the first pass through every ticket (the upgrade that made the table):
        // no words and no mark, and every open ticket is checked.
        pg.execute("DELETE FROM queue_words", helpdesk::params![]).unwrap();
        pg.execute("DELETE FROM settings WHERE key = 'queue_words'", helpdesk::params![])
            .unwrap();
        compare("before the first fill:");
        fill_queue_words(&pg, 7);
        let marked: bool = pg
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM settings WHERE key = 'queue_words')",
                helpdesk::params![],
                |r| r.get(0),
            )
            .unwrap();
        compare("filled:");
        let change = |sql: &str| {
            for conn in [&sqlite, &pg] {
                conn.execute(sql, helpdesk::params![]).unwrap();
                while search::catch_up(conn, 10_000).unwrap() > 0 {}
            }
        };
        // New words in subjects and new messages, and open tickets with a word in their
        // subject and another only in a message: both in their queue words, in no one text.
        change("UPDATE tickets SET subject = subject || ' zzsubiect factura' WHERE id % 3 = 0");
        change(
            "INSERT INTO messages (ticket_id, kind, author, body, created_at)
             SELECT id, 'customer', 'client@example.com', 'zzmesaj pontaj', '2026-12-01T10:00:00.000000Z'
             FROM tickets WHERE id % 4 = 0",
        );
        compare("changed:");
        let split: i64 = pg
            .query_row(
                "SELECT count(*) FROM queue_words q JOIN tickets t ON t.id = q.ticket_id
                 WHERE q.words @@ to_tsquery('simple', 'zzsubiect & zzmesaj')
                 AND t.status IN ('waiting_for_support', 'in_progress', 'waiting_for_customer', 'waiting_for_third_party')",
                helpdesk::params![],
                |r| r.get(0),
            )
            .unwrap();
        // Closed, resolved and then open again with new words in between.
        change("UPDATE tickets SET status = 'closed' WHERE id % 5 = 0");
        change("UPDATE tickets SET status = 'resolved' WHERE id % 7 = 1");
        change("UPDATE tickets SET subject = subject || ' redeschis' WHERE id % 7 = 1");
        change("UPDATE tickets SET status = 'in_progress' WHERE id % 7 = 1 AND id % 2 = 0");
        compare("closed and opened again:");
        // Closed tickets' words are dropped; every other ticket whose subject has words has
        // its row.
        let rows = || -> (i64, i64) {
            pg.query_row(
                "SELECT (SELECT count(*) FROM queue_words q JOIN tickets t ON t.id = q.ticket_id
                         WHERE t.status = 'closed'),
                        (SELECT count(*) FROM tickets t WHERE t.status <> 'closed'
                         AND length(typed_lexemes(t.subject_words)) > 0 AND NOT EXISTS (SELECT 1 FROM queue_words q WHERE q.ticket_id = t.id))",
                helpdesk::params![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
        };
        let before = rows();
        while search::forget_closed(&pg, 7).unwrap() > 0 {}
        let rows = (before, rows());
        // Subjects indexed by a node that does not keep the queue's words: missed until a
        // node adds every ticket's words again.
        change("UPDATE tickets SET subject = subject || ' vechi' WHERE id % 6 = 1");
        pg.execute("DELETE FROM queue_words WHERE ticket_id % 6 = 1", helpdesk::params![])
            .unwrap();
        let missed = (search(&sqlite, "vechi").1, search(&pg, "vechi").1);
        fill_queue_words(&pg, 7);
        compare("filled again:");
        // A ticket with more words than one vector holds (1 MB of them): its row keeps
        // none, and it is checked for every search.
        let open: i64 = pg
            .query_row(
                "SELECT min(id) FROM tickets WHERE status = 'waiting_for_support'",
                helpdesk::params![],
                |r| r.get(0),
            )
            .unwrap();
        pg.execute(
            "INSERT INTO messages (ticket_id, kind, author, body, created_at)
             SELECT ?1, 'customer', 'client@example.com',
                    (SELECT string_agg('q' || i || 'x' || g, ' ') FROM generate_series(1, 1000) AS g),
                    '2026-12-01T10:00:00.000000Z'
             FROM generate_series(1, 200) AS i",
            helpdesk::params![open],
        )
        .unwrap();
        // And a body with more words than one vector holds (2 MB): indexed as far as it
        // fits, where it made every catch-up fail.
        pg.execute(
            "INSERT INTO messages (ticket_id, kind, author, body, created_at)
             SELECT ?1, 'customer', 'client@example.com',
                    'inceputul ' || (SELECT string_agg('h' || g, ' ') FROM generate_series(1, 300000) AS g) || ' sfarsitul',
                    '2026-12-01T10:00:00.000000Z'",
            helpdesk::params![open],
        )
        .unwrap();
        while search::catch_up(&pg, 10_000).unwrap() > 0 {}
        let kept: Option<i64> = pg
            .query_row(
                "SELECT length(words)::int8 FROM queue_words WHERE ticket_id = ?1",
                helpdesk::params![open],
                |r| r.get(0),
            )
            .unwrap();
        let too_many = (kept, open, search(&pg, "q150x999").0, search(&pg, "zzmesaj").1, search(&sqlite, "zzmesaj").1);
        let long_body = (search(&pg, "inceputul").0, search(&pg, "sfarsitul").0);
        (differ, found, split, rows, missed, too_many, long_body, marked)
    })
    .await
    .unwrap();
    assert!(
        marked,
        "the first pass through every ticket marks the table as filled"
    );
    // Each typed text is searched five times.
    assert!(
        found > vocabulary.len(),
        "the words find open tickets: {found}"
    );
    assert!(
        split > 0,
        "open tickets hold the two words in two texts: {split}"
    );
    assert!(
        rows.0.0 > 0,
        "closed tickets' rows, before they are dropped: {rows:?}"
    );
    assert_eq!(
        rows.1,
        (0, 0),
        "closed tickets' rows, other tickets without one"
    );
    assert!(
        missed.0 > missed.1,
        "words not added are missed until they are: {missed:?}"
    );
    let (kept, open, found_there, common_there, common_here) = too_many;
    assert_eq!(
        kept, None,
        "a ticket's words beyond one vector are not kept"
    );
    assert_eq!(
        found_there,
        vec![open],
        "that ticket is still found by its words"
    );
    assert_eq!(common_there, common_here, "and by a word of other tickets");
    assert_eq!(
        long_body,
        (vec![open], vec![]),
        "a long body's words, as far as they fit"
    );
    none_differ(&differ, "queue searches differ");
}

/// Two nodes catching up at once: node A adds a new word to the vocabulary with a ticket
/// and waits (here for a third transaction) with its messages; node B indexes a message
/// written meanwhile with that word, skips what A holds, and waits for A. Both finish, and
/// the totals count each text once.
#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_catching_up_at_once_never_wait_for_each_other() {
    let url = fresh_database("catchup");
    let (code, out) = helpdesk(Some(&url), &["migrate"]);
    assert_eq!(code, Some(0), "{out}");
    let totals = tokio::task::spawn_blocking(move || {
        let connect = || Conn::Postgres(Session::connect(&url).unwrap());
        let ticket = |conn: &Conn, id: i64, subject: &str| {
            conn.execute(
                "INSERT INTO tickets (id, subject, status, channel, requester_id, created_at, updated_at)
                 VALUES (?1, ?2, 'in_progress', 'email', 1, now(), now())",
                helpdesk::params![id, subject],
            )
            .unwrap();
        };
        let message = |conn: &Conn, ticket: i64, body: &str| {
            conn.execute(
                "INSERT INTO messages (ticket_id, kind, author, body, created_at)
                 VALUES (?1, 'customer', 'ana@example.ro', ?2, now())",
                helpdesk::params![ticket, body],
            )
            .unwrap();
        };
        let setup = connect();
        setup
            .batch("INSERT INTO customers (email, created_at) VALUES ('ana@example.ro', now())")
            .unwrap();
        // Ticket 2 indexed already (a message moves its ticket: one that A is indexing
        // could not take the message written meanwhile).
        ticket(&setup, 2, "doi");
        setup.batch("BEGIN").unwrap();
        search::catch_up(&setup, 100).unwrap();
        setup.batch("COMMIT").unwrap();
        ticket(&setup, 1, "zorblax");
        message(&setup, 1, "unu");
        let waits = |pid: i64| {
            for _ in 0..500 {
                let waiting: bool = setup
                    .query_row(
                        "SELECT coalesce(bool_or(wait_event_type = 'Lock'), false) FROM pg_stat_activity WHERE pid = ?1",
                        helpdesk::params![pid],
                        |r| r.get(0),
                    )
                    .unwrap();
                if waiting {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            panic!("{pid} never waited");
        };
        let node = |conn: Conn| {
            let pid: i64 = conn
                .query_row("SELECT pg_backend_pid()::bigint", helpdesk::params![], |r| r.get(0))
                .unwrap();
            let run = std::thread::spawn(move || {
                conn.batch("BEGIN").unwrap();
                let done = search::catch_up(&conn, 100);
                conn.batch(if done.is_ok() { "COMMIT" } else { "ROLLBACK" }).unwrap();
                done.map_err(|e| e.to_string())
            });
            (pid, run)
        };
        let other = connect();
        other
            .batch("BEGIN; INSERT INTO search_vocabulary (word) VALUES ('unu')")
            .unwrap();
        let (a_pid, a) = node(connect());
        waits(a_pid);
        message(&setup, 2, "zorblax");
        let (b_pid, b) = node(connect());
        waits(b_pid);
        other.batch("COMMIT").unwrap();
        assert_eq!(a.join().unwrap(), Ok(2), "node A: a ticket and its message");
        assert_eq!(b.join().unwrap(), Ok(1), "node B: the message written meanwhile");
        setup
            .query_map(
                "SELECT source, texts FROM search_totals ORDER BY source",
                helpdesk::params![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    })
    .await
    .unwrap();
    let expected: Vec<(String, i64)> = vec![("messages".into(), 2), ("tickets".into(), 2)];
    assert_eq!(totals, expected);
}
