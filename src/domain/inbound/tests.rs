//! Unit tests of the inbound mail decisions: what kind of mail arrived, and which ticket it joins.

use super::*;

/// Our mailboxes: the support address and a second one.
fn own() -> Vec<EmailAddress> {
    ["support@example.test", "facturare@example.test"]
        .into_iter()
        .map(|a| EmailAddress::parse(a).unwrap())
        .collect()
}

fn from(addr: &str, subject: &str) -> Signals {
    Signals {
        from: EmailAddress::parse(addr).ok(),
        subject: subject.into(),
        content_type: "text/plain".into(),
        ..Default::default()
    }
}

#[test]
fn a_person_writing_is_human() {
    assert_eq!(
        classify(&from("ion@client.ro", "Imprimanta nu merge"), &own()),
        Kind::Human
    );
    let mut s = from("ion@client.ro", "Re: [HD-1] Out of paper");
    s.auto_submitted = Some("no".into());
    assert_eq!(classify(&s, &own()), Kind::Human);
}

#[test]
fn auto_replies() {
    let mut s = from("ion@client.ro", "Hello");
    s.auto_submitted = Some("auto-replied".into());
    assert_eq!(classify(&s, &own()), Kind::AutoReply);
    let mut s = from("ion@client.ro", "Hello");
    s.x_autoreply = true;
    assert_eq!(classify(&s, &own()), Kind::AutoReply);

    for subject in [
        "Automatic reply: [HD-3] x",
        "Out of Office: x",
        "Răspuns automat: Nu sunt la birou",
        "Raspuns automat: concediu",
        "AutoReply: x",
        "Abwesenheitsnotiz: x",
        "Réponse automatique : x",
        "Risposta automatica: x",
        "Respuesta automática: x",
        "Automatisch antwoord: x",
        "Autosvar: x",
        "Automatikus válasz: x",
        "Odpowiedź automatyczna: x",
        "Automatická odpověď: x",
        "Автоответ: x",
    ] {
        assert_eq!(
            classify(&from("ion@client.ro", subject), &own()),
            Kind::AutoReply,
            "{subject}"
        );
    }
    let mut s = from("ion@client.ro", "Re: comanda");
    s.precedence = Some("auto_reply".into());
    assert_eq!(classify(&s, &own()), Kind::AutoReply);
    for report in ["disposition-notification", "feedback-report", "tlsrpt"] {
        let mut s = from("ion@client.ro", "Read: [HD-3] Imprimanta");
        s.content_type = "multipart/report".into();
        s.report_type = Some(report.into());
        assert_eq!(classify(&s, &own()), Kind::AutoReply, "{report}");
    }
}

#[test]
fn bounces() {
    assert_eq!(
        classify(
            &from("MAILER-DAEMON@mx.client.ro", "Undelivered Mail"),
            &own()
        ),
        Kind::Bounce
    );
    assert_eq!(
        classify(&from("postmaster@client.ro", "x"), &own()),
        Kind::Bounce
    );
    let mut s = from("x@client.ro", "x");
    s.content_type = "multipart/report".into();
    s.report_type = Some("delivery-status".into());
    assert_eq!(classify(&s, &own()), Kind::Bounce);
    let mut s = from(
        "x@client.ro",
        "Mail delivery failed: returning message to sender",
    );
    s.return_path_null = true;
    assert_eq!(classify(&s, &own()), Kind::Bounce);
    let mut s = from("x@client.ro", "Question");
    s.return_path_null = true;
    assert_eq!(
        classify(&s, &own()),
        Kind::Human,
        "a null sender alone is not a bounce"
    );
}

#[test]
fn lists_bulk_and_our_own_mail() {
    let mut s = from("news@shop.test", "Oferte");
    s.precedence = Some("bulk".into());
    assert_eq!(classify(&s, &own()), Kind::Bulk);
    let mut s = from("list@lists.test", "[users] x");
    s.list_id = true;
    assert_eq!(classify(&s, &own()), Kind::List);
    assert_eq!(
        classify(&from("SUPPORT@example.test", "x"), &own()),
        Kind::OwnMail
    );
    let mut s = from("fwd@client.ro", "x");
    s.x_loop = vec!["support@example.test".into()];
    assert_eq!(classify(&s, &own()), Kind::OwnMail);
    // Each of our mailboxes is ours: mail from the second one, or looped through it.
    assert_eq!(
        classify(&from("Facturare@example.test", "x"), &own()),
        Kind::OwnMail
    );
    let mut s = from("fwd@client.ro", "x");
    s.x_loop = vec!["facturare@example.test".into()];
    assert_eq!(classify(&s, &own()), Kind::OwnMail);
}

fn cand(id: i64, status: Status, sender: Option<Role>, addressee: Option<Role>) -> Candidate {
    Candidate {
        ticket: TicketId(id),
        status,
        sender_role: sender,
        addressee_role: addressee,
    }
}

#[test]
fn replies_by_role() {
    assert_eq!(Role::Partner.reply_event(), Some(Event::PartnerReplied));
    assert_eq!(Role::Cc.reply_event(), Some(Event::CustomerReplied));
    assert_eq!(Role::Staff.reply_event(), None);
    assert_eq!(Role::parse("staff"), Some(Role::Staff));
    assert_eq!(Role::Requester.joins_as(), Some(Role::Cc));
    assert_eq!(Role::Partner.joins_as(), Some(Role::Partner));
    assert_eq!(Role::Staff.joins_as(), None);
}

#[test]
fn threading_order() {
    let open = Status::InProgress;
    assert_eq!(thread(Evidence::default()), Threading::New);
    // Our Message-ID wins over the token.
    let e = Evidence {
        by_reference: Some(cand(1, open, Some(Role::Requester), Some(Role::Requester))),
        by_earlier_mail: Some(cand(5, open, Some(Role::Requester), None)),
        by_token: Some(cand(2, open, Some(Role::Requester), None)),
    };
    assert_eq!(
        thread(e),
        Threading::Existing {
            ticket: TicketId(1),
            role: Role::Requester
        }
    );
    // The token only for participants.
    let e = Evidence {
        by_token: Some(cand(2, open, Some(Role::Cc), None)),
        ..Default::default()
    };
    assert_eq!(
        thread(e),
        Threading::Existing {
            ticket: TicketId(2),
            role: Role::Cc
        }
    );
    let e = Evidence {
        by_token: Some(cand(2, open, None, None)),
        ..Default::default()
    };
    assert_eq!(
        thread(e),
        Threading::New,
        "a stranger's token opens a new ticket"
    );
    // A reply to our question to a partner acts as the partner.
    let e = Evidence {
        by_reference: Some(cand(
            3,
            Status::WaitingForThirdParty,
            None,
            Some(Role::Partner),
        )),
        ..Default::default()
    };
    assert_eq!(
        thread(e),
        Threading::Existing {
            ticket: TicketId(3),
            role: Role::Partner
        }
    );
    // Closed tickets are never reopened.
    let e = Evidence {
        by_token: Some(cand(4, Status::Closed, Some(Role::Requester), None)),
        ..Default::default()
    };
    assert_eq!(
        thread(e),
        Threading::NewLinked {
            closed: TicketId(4)
        }
    );
    let e = Evidence {
        by_token: Some(cand(4, Status::Closed, None, None)),
        ..Default::default()
    };
    assert_eq!(
        thread(e),
        Threading::New,
        "a stranger is not linked to a closed ticket"
    );
    // An earlier inbound mail in the references: after the token, for participants only.
    let e = Evidence {
        by_earlier_mail: Some(cand(5, Status::Closed, Some(Role::Cc), None)),
        by_token: Some(cand(2, open, Some(Role::Requester), None)),
        ..Default::default()
    };
    assert_eq!(
        thread(e),
        Threading::Existing {
            ticket: TicketId(2),
            role: Role::Requester
        },
        "the token comes first"
    );
    let e = Evidence {
        by_earlier_mail: Some(cand(5, open, Some(Role::Cc), None)),
        by_token: Some(cand(2, open, None, None)),
        ..Default::default()
    };
    assert_eq!(
        thread(e),
        Threading::Existing {
            ticket: TicketId(5),
            role: Role::Cc
        },
        "a token the sender may not use is passed over"
    );
    let e = Evidence {
        by_earlier_mail: Some(cand(5, open, None, None)),
        ..Default::default()
    };
    assert_eq!(
        thread(e),
        Threading::New,
        "a stranger citing someone's mail opens a new ticket"
    );
    let e = Evidence {
        by_earlier_mail: Some(cand(6, Status::Closed, Some(Role::Requester), None)),
        ..Default::default()
    };
    assert_eq!(
        thread(e),
        Threading::NewLinked {
            closed: TicketId(6)
        }
    );
}

#[test]
fn forwards_are_known_by_their_subject() {
    assert_eq!(forwarded_subject("Fwd: Imprimanta"), Some("Imprimanta"));
    assert_eq!(forwarded_subject("FW: RE: Factura"), Some("RE: Factura"));
    assert_eq!(forwarded_subject("TR: Fwd: x"), Some("x"));
    assert_eq!(forwarded_subject("Redirecționat: Comanda"), Some("Comanda"));
    assert_eq!(forwarded_subject("Re: Imprimanta"), None);
    assert_eq!(forwarded_subject("Forward planning"), None);
    assert_eq!(forwarded_subject("Iarna: x"), None);
}

#[test]
fn the_team_writes_notes() {
    // An answer to an SLA alert, from whoever reads the address it went to.
    let e = Evidence {
        by_reference: Some(cand(7, Status::WaitingForSupport, None, Some(Role::Staff))),
        ..Default::default()
    };
    assert_eq!(
        thread(e),
        Threading::Existing {
            ticket: TicketId(7),
            role: Role::Staff
        }
    );
    // An agent writing with the token, about a ticket closed or not.
    for status in [Status::InProgress, Status::Closed] {
        let e = Evidence {
            by_token: Some(cand(8, status, Some(Role::Staff), None)),
            ..Default::default()
        };
        assert_eq!(
            thread(e),
            Threading::Existing {
                ticket: TicketId(8),
                role: Role::Staff
            },
            "{status:?}"
        );
    }
}
