//! Copies for the requester's colleagues on CC: the same mail, greeted generally, each
//! with an opt-out of their own where the requester's mail has one.

use chrono::{DateTime, Utc};

use super::{Addressee, Draft, Extras, MailVars, enqueue, ticket_vars};
use crate::db::{self, Conn, tickets::TicketRow};
use crate::domain::inbound::Role;
use crate::domain::notification::{Cause, Notify};
use crate::service::Ctx;

pub(super) fn queue_copies(
    conn: &Conn,
    ctx: &Ctx,
    ticket: &TicketRow,
    notify: Notify,
    extras: &Extras,
    cause: Cause,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let lang = &ticket.requester_locale;
    for cc in db::participants::cc_of(conn, ticket.id)? {
        if !notify.is_sent(!cc.status_mail)
            || cc.address.eq_ignore_ascii_case(&ticket.requester_email)
        {
            continue;
        }
        let vars = MailVars {
            customer_name: String::new(),
            unsubscribe_url: if notify.carries_opt_out() {
                ctx.cc_unsubscribe_url(ticket.id, cc.row)
            } else {
                String::new()
            },
            ..ticket_vars(ctx, ticket, notify, extras, lang, now)
        };
        let to = Addressee {
            address: &cc.address,
            name: "",
            lang,
            role: Some(Role::Cc),
        };
        let draft = Draft {
            ticket_id: Some(ticket.id),
            to,
            template: notify.template,
            vars,
        };
        enqueue(conn, ctx, &draft, cause, now)?;
    }
    Ok(())
}
