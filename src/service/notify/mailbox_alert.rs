//! The team's mail about a mailbox: its sign-in is refused, or works again.

use chrono::{DateTime, Utc};

use super::{Addressee, Draft, MailVars, enqueue};
use crate::db::Conn;
use crate::domain::notification::{Cause, Template};
use crate::service::Ctx;

/// What happened to a mailbox's sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailboxEvent {
    /// The server or the token endpoint refused the credentials.
    Refused,
    /// Signing in works again.
    Recovered,
}

impl MailboxEvent {
    fn kind(self) -> &'static str {
        match self {
            MailboxEvent::Refused => "refused",
            MailboxEvent::Recovered => "recovered",
        }
    }
}

/// Queues the mail to `to` (the team) about `mailbox`; `reason` is what was refused.
pub fn queue_mailbox_alert(
    conn: &Conn,
    ctx: &Ctx,
    to: &str,
    mailbox: &str,
    event: MailboxEvent,
    reason: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let lang = ctx.config.helpdesk.default_locale.clone();
    let vars = MailVars {
        lang: lang.clone(),
        helpdesk_name: ctx.config.helpdesk.name.clone(),
        email: mailbox.to_string(),
        alert_kind: event.kind().to_string(),
        message: reason.to_string(),
        ..Default::default()
    };
    let draft = Draft {
        ticket_id: None,
        to: Addressee {
            address: to,
            name: "",
            lang: &lang,
            role: None,
        },
        template: Template::MailboxAlert,
        vars,
    };
    enqueue(conn, ctx, &draft, Cause::Person, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::Templates;

    fn render(lang: &str, event: MailboxEvent) -> crate::templates::RenderedMail {
        let vars = MailVars {
            lang: lang.into(),
            helpdesk_name: "Suport Exemplu".into(),
            email: "support@example.test".into(),
            alert_kind: event.kind().into(),
            message: "the token endpoint refused the client: invalid_client".into(),
            ..Default::default()
        };
        Templates::new()
            .mail("mailbox_alert", lang, &vars)
            .expect("renders")
    }

    #[test]
    fn the_refusal_names_the_mailbox_and_the_reason_and_the_recovery_is_short() {
        let refused = render("ro", MailboxEvent::Refused);
        assert_eq!(
            refused.subject,
            "Conectare refuzată la căsuța support@example.test"
        );
        assert!(refused.text.contains("invalid_client"), "{}", refused.text);
        assert!(refused.text.contains("rămân pe server, neatinse"));
        assert!(refused.html.contains("invalid_client"));
        let back = render("ro", MailboxEvent::Recovered);
        assert_eq!(
            back.subject,
            "Căsuța support@example.test este din nou conectată"
        );
        assert!(!back.text.contains("invalid_client"));
        let en = render("en", MailboxEvent::Refused);
        assert_eq!(
            en.subject,
            "Sign-in refused for mailbox support@example.test"
        );
        assert!(en.text.contains("invalid_client"));
    }
}
