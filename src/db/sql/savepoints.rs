//! Savepoints for a run of items in one transaction, each item undone alone when it fails,
//! at one round trip per item.

use super::{Conn, SqlError};

/// Runs items one after the other, each in a savepoint of its own. The savepoint of an item
/// that went through stays open and is released when the next one begins, in the same
/// round trip (`RELEASE one; SAVEPOINT one`); what runs between two items (outside
/// [`Savepoints::run`]) joins the earlier one, which is never undone any more; the
/// transaction's end keeps the last.
pub struct Savepoints<'c> {
    conn: &'c Conn,
    open: bool,
}

impl<'c> Savepoints<'c> {
    pub fn new(conn: &'c Conn) -> Self {
        Self { conn, open: false }
    }

    /// Runs `f` in a savepoint of its own: its writes are undone when it fails (or panics:
    /// the panic goes on after the undo), and the transaction goes on.
    pub fn run<T, E: From<SqlError>>(
        &mut self,
        f: impl FnOnce(&Conn) -> Result<T, E>,
    ) -> Result<T, E> {
        let conn = self.conn;
        conn.batch(if self.open {
            "RELEASE one; SAVEPOINT one"
        } else {
            "SAVEPOINT one"
        })?;
        self.open = true;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(conn))) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                self.open = false;
                conn.batch("ROLLBACK TO one; RELEASE one")?;
                Err(e)
            }
            Err(panic) => {
                self.open = false;
                conn.batch("ROLLBACK TO one; RELEASE one")?;
                std::panic::resume_unwind(panic)
            }
        }
    }

    /// Releases the savepoint of the last item when it is open, so that what runs next is
    /// the transaction's own.
    pub fn release(self) -> Result<(), SqlError> {
        if self.open {
            self.conn.batch("RELEASE one")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params;

    #[test]
    fn a_failed_item_is_undone_alone_and_what_ran_between_items_stays() {
        let conn = Conn::sqlite_in_memory().unwrap();
        conn.batch("CREATE TABLE t (v INTEGER); BEGIN").unwrap();
        let mut items = Savepoints::new(&conn);
        let insert = |c: &Conn, v: i64| c.execute("INSERT INTO t (v) VALUES (?)", params![v]);
        items.run(|c| insert(c, 1)).unwrap();
        insert(&conn, 2).unwrap();
        let failed: Result<(), SqlError> = items.run(|c| {
            insert(c, 3)?;
            Err(SqlError::NoRow)
        });
        assert!(failed.is_err());
        insert(&conn, 4).unwrap();
        items.run(|c| insert(c, 5)).unwrap();
        items.run(|c| insert(c, 6)).unwrap();
        conn.batch("COMMIT").unwrap();
        let kept = conn
            .query_map("SELECT v FROM t ORDER BY v", params![], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap();
        assert_eq!(kept, [1, 2, 4, 5, 6]);
    }
}
