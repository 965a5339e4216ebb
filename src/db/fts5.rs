//! What FTS5 offers through its C API only, hence the one unsafe module:
//! - `relevance(index)`: how well a full-text hit matches, for `ORDER BY` (lower is
//!   better, as with FTS5's `bm25()`): [`score`], from the hit's counts that FTS5 hands it.
//! - [`Tokenizer`]: the indexes' own tokenizer, to list the words of texts being indexed
//!   exactly as the indexes split them.

use std::collections::HashSet;
use std::ffi::{c_char, c_int, c_void};
use std::marker::PhantomData;
use std::ptr;

use rusqlite::Connection as Conn;
use rusqlite::ffi;

use crate::domain::relevance::score;

/// The tokenizer of every full-text index (the migrations' `tokenize = 'unicode61
/// remove_diacritics 2'`): its name and its arguments.
const TOKENIZER: &std::ffi::CStr = c"unicode61";
const TOKENIZER_ARGS: [&std::ffi::CStr; 2] = [c"remove_diacritics", c"2"];

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
        Some("FTS5's C API failed (ranking function or tokenizer)".into()),
    )
}

/// An instance of the indexes' tokenizer on a connection, which it cannot outlive (FTS5
/// owns the module's code and the instance's memory).
pub struct Tokenizer<'c> {
    module: ffi::fts5_tokenizer,
    instance: *mut ffi::Fts5Tokenizer,
    connection: PhantomData<&'c Conn>,
}

impl<'c> Tokenizer<'c> {
    pub fn new(conn: &'c Conn) -> rusqlite::Result<Self> {
        let api = fts5_api(conn)?;
        // SAFETY: `api` is the connection's FTS5 API; the module's functions stay valid
        // while the connection is open, and the instance is deleted on drop.
        unsafe {
            let mut module: ffi::fts5_tokenizer = std::mem::zeroed();
            let mut user: *mut c_void = ptr::null_mut();
            let Some(find) = (*api).xFindTokenizer else {
                return Err(failure(ffi::SQLITE_ERROR));
            };
            let rc = find(api, TOKENIZER.as_ptr(), &mut user, &mut module);
            if rc != ffi::SQLITE_OK {
                return Err(failure(rc));
            }
            let (Some(create), Some(_), Some(_)) =
                (module.xCreate, module.xDelete, module.xTokenize)
            else {
                return Err(failure(ffi::SQLITE_ERROR));
            };
            let mut args = TOKENIZER_ARGS.map(|a| a.as_ptr());
            let mut instance = ptr::null_mut();
            let rc = create(user, args.as_mut_ptr(), args.len() as c_int, &mut instance);
            if rc != ffi::SQLITE_OK {
                return Err(failure(rc));
            }
            Ok(Self {
                module,
                instance,
                connection: PhantomData,
            })
        }
    }

    /// Adds the words of `text` to `words`, as the indexes hold them (folded).
    pub fn words(&mut self, text: &str, words: &mut HashSet<String>) -> rusqlite::Result<()> {
        let len = c_int::try_from(text.len()).map_err(|_| failure(ffi::SQLITE_TOOBIG))?;
        let Some(tokenize) = self.module.xTokenize else {
            return Err(failure(ffi::SQLITE_ERROR));
        };
        // SAFETY: the instance is live; `words` outlives the call, and the callback only
        // reads the token FTS5 hands it for the duration of that callback.
        let rc = unsafe {
            tokenize(
                self.instance,
                (words as *mut HashSet<String>).cast::<c_void>(),
                ffi::FTS5_TOKENIZE_DOCUMENT,
                text.as_ptr().cast::<c_char>(),
                len,
                Some(on_token),
            )
        };
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(failure(rc))
        }
    }
}

impl Drop for Tokenizer<'_> {
    fn drop(&mut self) {
        if let Some(delete) = self.module.xDelete {
            // SAFETY: the instance was made by this module's xCreate and is deleted once.
            unsafe { delete(self.instance) }
        }
    }
}

/// Keeps one token: `ctx` is the `HashSet` that [`Tokenizer::words`] passed.
unsafe extern "C" fn on_token(
    ctx: *mut c_void,
    _flags: c_int,
    token: *const c_char,
    len: c_int,
    _start: c_int,
    _end: c_int,
) -> c_int {
    let Ok(len) = usize::try_from(len) else {
        return ffi::SQLITE_OK;
    };
    if token.is_null() || len == 0 {
        return ffi::SQLITE_OK;
    }
    // SAFETY: see `Tokenizer::words`; the token is `len` bytes at a non-null address.
    let (words, bytes) = unsafe {
        (
            &mut *ctx.cast::<HashSet<String>>(),
            std::slice::from_raw_parts(token.cast::<u8>(), len),
        )
    };
    if let Ok(word) = std::str::from_utf8(bytes)
        && !words.contains(word)
    {
        words.insert(word.to_owned());
    }
    ffi::SQLITE_OK
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

/// Reads the current hit's occurrences and length (nothing beyond this hit). The length is
/// the first column's, the text's: the readers that follow it in our indexes are not text.
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
        call(total_size(fts, 0, &mut total))?;
        call(column_size(fts, 0, &mut length))?;
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
    fn the_tokenizer_splits_text_as_the_indexes_do() {
        let conn = Conn::open_in_memory().expect("an in-memory database");
        crate::db::add_functions(&conn).expect("functions");
        crate::db::migrations::run(&conn).expect("the schema");
        let texts = [
            "Ședință amânată: IMPRIMANTA nu tipărește (e-mail: ion.pop@firma.ro)",
            "Ça coûte 100€ — naïve façade, Ærøskøbing, Straße",
            "Принтер не печатает; プリンターが動かない; हैलो वर्ल्ड",
            "tab\there, x_y, 3.14, ①②, v2.0-beta, emoji 🎉ok",
        ];
        let mut mine = HashSet::new();
        let mut tokenizer = Tokenizer::new(&conn).expect("the tokenizer");
        for (i, t) in texts.iter().enumerate() {
            tokenizer.words(t, &mut mine).expect("tokenized");
            conn.execute(
                "INSERT INTO message_search (rowid, text) VALUES (?, ?)",
                (i as i64 + 1, t),
            )
            .expect("indexed");
        }
        conn.execute_batch(
            "CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, message_search, row)",
        )
        .expect("the vocabulary");
        let theirs: HashSet<String> = conn
            .prepare("SELECT term FROM temp.terms")
            .expect("prepared")
            .query_map([], |r| r.get(0))
            .expect("queried")
            .collect::<Result<_, _>>()
            .expect("terms");
        assert_eq!(mine, theirs);
        assert!(
            mine.contains("sedinta") && !mine.contains("tiparește"),
            "folded as indexed: {mine:?}"
        );
    }
}
