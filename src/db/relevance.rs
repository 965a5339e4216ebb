//! `relevance(index)`: how well a full-text hit matches, for `ORDER BY` (lower is better,
//! as with FTS5's `bm25()`). It is BM25 without the weight of each word's rarity: every
//! hit holds every word (they are ANDed), and bm25() learns a word's rarity by reading all
//! of its hits once per query, which at a million tickets was most of a common word's
//! search. What is left ranks a hit by how often it holds the words against how long it
//! is, next to the average.
//!
//! FTS5 takes ranking functions through its C API only, hence the one unsafe module.

use std::ffi::{c_int, c_void};
use std::ptr;

use rusqlite::ffi;

use super::Conn;

/// BM25's usual constants: how fast repeating a word stops counting, and how much a long
/// text is held against its matches.
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// The score of one hit from how often each word (phrase) occurs in it, its length and the
/// index's average length, all in tokens; lower is better.
pub fn score(occurrences: &[u32], length: f64, average: f64) -> f64 {
    let norm = K1 * (1.0 - B + B * length / average.max(1.0));
    -occurrences
        .iter()
        .map(|&n| f64::from(n) * (K1 + 1.0) / (f64::from(n) + norm))
        .sum::<f64>()
}

/// Registers `relevance()` on a connection.
pub fn register(conn: &Conn) -> rusqlite::Result<()> {
    let api = fts5_api(conn)?;
    // SAFETY: `api` is the connection's FTS5 API, valid while the connection is open; the
    // function keeps no state (no user data, nothing to destroy).
    let rc = unsafe {
        let Some(create) = (*api).xCreateFunction else {
            return Err(failure(ffi::SQLITE_ERROR));
        };
        create(
            api,
            c"relevance".as_ptr(),
            ptr::null_mut(),
            Some(relevance),
            None,
        )
    };
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(failure(rc))
    }
}

/// The connection's FTS5 API, as SQLite documents getting it: `SELECT fts5(?1)` with a
/// pointer bound under the type "fts5_api_ptr".
fn fts5_api(conn: &Conn) -> rusqlite::Result<*mut ffi::fts5_api> {
    let mut api: *mut ffi::fts5_api = ptr::null_mut();
    // SAFETY: the statement is prepared on the connection's own handle, used on this
    // thread only and finalized before returning; the bound pointer outlives the step.
    unsafe {
        let db = conn.handle();
        let mut stmt: *mut ffi::sqlite3_stmt = ptr::null_mut();
        let rc = ffi::sqlite3_prepare_v2(
            db,
            c"SELECT fts5(?1)".as_ptr(),
            -1,
            &mut stmt,
            ptr::null_mut(),
        );
        if rc != ffi::SQLITE_OK {
            return Err(failure(rc));
        }
        ffi::sqlite3_bind_pointer(
            stmt,
            1,
            (&mut api as *mut *mut ffi::fts5_api).cast::<c_void>(),
            c"fts5_api_ptr".as_ptr(),
            None,
        );
        ffi::sqlite3_step(stmt);
        ffi::sqlite3_finalize(stmt);
    }
    if api.is_null() {
        Err(failure(ffi::SQLITE_ERROR))
    } else {
        Ok(api)
    }
}

fn failure(rc: c_int) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        ffi::Error::new(rc),
        Some("the FTS5 ranking function could not be registered".into()),
    )
}

/// The ranking function FTS5 calls for each hit.
unsafe extern "C" fn relevance(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    ctx: *mut ffi::sqlite3_context,
    _argc: c_int,
    _argv: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: FTS5 passes its extension API and the current hit's context, both valid for
    // the duration of this call.
    match unsafe { hit_score(&*api, fts) } {
        Ok(s) => unsafe { ffi::sqlite3_result_double(ctx, s) },
        Err(rc) => unsafe { ffi::sqlite3_result_error_code(ctx, rc) },
    }
}

/// Reads the current hit's occurrences and length (nothing beyond this hit).
unsafe fn hit_score(api: &ffi::Fts5ExtensionApi, fts: *mut ffi::Fts5Context) -> Result<f64, c_int> {
    let call = |rc: c_int| {
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(rc)
        }
    };
    let (
        Some(row_count),
        Some(total_size),
        Some(column_size),
        Some(phrase_count),
        Some(inst_count),
        Some(inst),
    ) = (
        api.xRowCount,
        api.xColumnTotalSize,
        api.xColumnSize,
        api.xPhraseCount,
        api.xInstCount,
        api.xInst,
    )
    else {
        return Err(ffi::SQLITE_ERROR);
    };
    // SAFETY: the caller's `fts` is the current hit's context; every out-pointer is a
    // local.
    unsafe {
        let (mut rows, mut total, mut length, mut count) = (0i64, 0i64, 0 as c_int, 0 as c_int);
        call(row_count(fts, &mut rows))?;
        call(total_size(fts, -1, &mut total))?;
        call(column_size(fts, -1, &mut length))?;
        call(inst_count(fts, &mut count))?;
        let mut occurrences = vec![0u32; usize::try_from(phrase_count(fts)).unwrap_or(0)];
        for i in 0..count {
            let (mut phrase, mut column, mut offset) = (0 as c_int, 0 as c_int, 0 as c_int);
            call(inst(fts, i, &mut phrase, &mut column, &mut offset))?;
            if let Some(n) = usize::try_from(phrase)
                .ok()
                .and_then(|p| occurrences.get_mut(p))
            {
                *n += 1;
            }
        }
        let average = if rows > 0 {
            total as f64 / rows as f64
        } else {
            1.0
        };
        Ok(score(&occurrences, f64::from(length), average))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> Conn {
        let conn = Conn::open_in_memory().expect("an in-memory database");
        register(&conn).expect("registered");
        conn.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5(body, content = '');
             INSERT INTO t (rowid, body) VALUES
                 (1, 'imprimanta nu merge deloc si nici scanerul nu merge de ieri dimineata'),
                 (2, 'imprimanta imprimanta imprimanta'),
                 (3, 'imprimanta nu merge'),
                 (4, 'altceva');",
        )
        .expect("the index");
        conn
    }

    fn ranked(conn: &Conn, query: &str) -> Vec<(i64, f64)> {
        conn.prepare(
            "SELECT rowid, relevance(t) FROM t WHERE t MATCH ? ORDER BY relevance(t), rowid",
        )
        .expect("prepared")
        .query_map([query], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("queried")
        .collect::<Result<_, _>>()
        .expect("rows")
    }

    #[test]
    fn more_of_the_words_in_less_text_ranks_first() {
        let conn = index();
        let hits = ranked(&conn, "imprimanta");
        let order: Vec<i64> = hits.iter().map(|h| h.0).collect();
        assert_eq!(order, [2, 3, 1]);
        assert!(hits.iter().all(|h| h.1 < 0.0), "{hits:?}");
        // Both words: the short text holding both ranks above the long one.
        let order: Vec<i64> = ranked(&conn, "imprimanta AND merge")
            .iter()
            .map(|h| h.0)
            .collect();
        assert_eq!(order, [3, 1]);
    }

    #[test]
    fn the_score_is_bm25s_without_rarity() {
        // One occurrence in a text of average length: (1 * 2.2) / (1 + 1.2).
        assert!((score(&[1], 10.0, 10.0) + 1.0).abs() < 1e-9);
        // Repeating a word counts, less and less.
        assert!(score(&[2], 10.0, 10.0) < score(&[1], 10.0, 10.0));
        assert!(score(&[2], 10.0, 10.0) > 2.0 * score(&[1], 10.0, 10.0));
        // A longer text holds the same match against it.
        assert!(score(&[1], 40.0, 10.0) > score(&[1], 10.0, 10.0));
        // Two words matched count more than one.
        assert!(score(&[1, 1], 10.0, 10.0) < score(&[1, 0], 10.0, 10.0));
    }
}
