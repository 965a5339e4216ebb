//! Cases of `split_reply` from the mail clients and languages it understands.

use super::*;

fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

#[test]
fn empty_and_blank_input() {
    assert_eq!(split_reply(""), ReplyParts::default());
    assert_eq!(split_reply("   \n\r\n \t \n"), ReplyParts::default());
}

#[test]
fn plain_text_without_quote_or_signature() {
    let parts = split_reply("\n\nBună ziua,\n\nImprimanta nu mai printează.\n\n");
    assert_eq!(parts.new_text, "Bună ziua,\n\nImprimanta nu mai printează.");
    assert_eq!(parts.quoted, "");
    assert_eq!(parts.signature, "");
}

#[test]
fn gmail_attribution_wrapped_over_two_lines() {
    let text = "Thanks, that fixed it.\n\n\
                On Mon, 3 Mar 2026 at 10:00, Ion Popescu <ion@customer.test>\n\
                wrote:\n\n\
                > Please restart the router.\n\
                >\n\
                > Support\n";
    let parts = split_reply(text);
    assert_eq!(parts.new_text, "Thanks, that fixed it.");
    assert!(parts.quoted.starts_with("On Mon, 3 Mar 2026"));
    assert!(parts.quoted.ends_with("> Support"));
    assert_eq!(parts.signature, "");
}

#[test]
fn gmail_attribution_on_one_line() {
    let text = "Merge acum.\n\nOn Mon, 3 Mar 2026 at 10:00, Ion Popescu <ion@x.ro> wrote:\n> Vă rog să reporniți.";
    let parts = split_reply(text);
    assert_eq!(parts.new_text, "Merge acum.");
    assert!(parts.quoted.starts_with("On Mon"));
}

#[test]
fn apple_mail_attribution_and_iphone_sign_off() {
    let text = "Da, am încercat deja.\n\nSent from my iPhone\n\n\
                On 3 Mar 2026, at 10:00, Ion <ion@x.ro> wrote:\n\n\
                > Ați încercat să reporniți aplicația?\n";
    let parts = split_reply(text);
    assert_eq!(parts.new_text, "Da, am încercat deja.");
    assert_eq!(parts.signature, "Sent from my iPhone");
    assert!(parts.quoted.starts_with("On 3 Mar 2026, at 10:00"));
    assert!(!parts.quoted.contains("Sent from"));
}

#[test]
fn romanian_gmail_attribution_with_diacritics() {
    let text = "Bună ziua,\n\nAplicația încă nu pornește după actualizare. Știți când se rezolvă?\n\n\
                În lun., 3 mar. 2026 la 10:00, Ion Popescu <ion@x.ro> a scris:\n\n\
                > Am trimis o soluție țintită, vă rugăm să încercați.\n\
                > Mulțumim, echipa de suport\n";
    let parts = split_reply(text);
    assert_eq!(
        parts.new_text,
        "Bună ziua,\n\nAplicația încă nu pornește după actualizare. Știți când se rezolvă?"
    );
    assert!(parts.quoted.starts_with("În lun., 3 mar. 2026"));
    assert!(parts.quoted.contains("soluție țintită"));
}

#[test]
fn romanian_pe_attribution_wrapped() {
    let text =
        "Mulțumesc!\n\nPe 03.03.2026 10:00, Suport Tehnic\na scris:\n> Problema a fost rezolvată.";
    let parts = split_reply(text);
    assert_eq!(parts.new_text, "Mulțumesc!");
    assert!(parts.quoted.starts_with("Pe 03.03.2026 10:00"));
}

#[test]
fn german_and_french_attributions() {
    let german = "Danke.\n\nAm Mo., 3. März 2026 um 10:00 Uhr schrieb Ion Popescu <ion@x.ro>:\n> Bitte neu starten.";
    let parts = split_reply(german);
    assert_eq!(parts.new_text, "Danke.");
    assert!(parts.quoted.starts_with("Am Mo."));

    let french =
        "Merci.\n\nLe lun. 3 mars 2026 à 10:00, Ion Popescu <ion@x.ro> a écrit :\n> Redémarrez.";
    let parts = split_reply(french);
    assert_eq!(parts.new_text, "Merci.");
    assert!(parts.quoted.starts_with("Le lun."));
}

#[test]
fn attribution_without_quote_markers() {
    let text = "Confirm primirea.\n\nOn Mon, Mar 3, 2026 at 10:00 AM Support <support@example.test> wrote:\nHello, your ticket was opened.\n";
    let parts = split_reply(text);
    assert_eq!(parts.new_text, "Confirm primirea.");
    assert!(parts.quoted.contains("your ticket was opened"));
}

#[test]
fn outlook_underscore_header_block() {
    let text = "Bună ziua,\n\nVă mulțumesc, funcționează.\n\nIon\n\n\
                ________________________________\n\
                From: Support <support@example.test>\n\
                Sent: Monday, March 3, 2026 10:00 AM\n\
                To: Ion Popescu <ion@client.ro>\n\
                Subject: Re: Imprimanta\n\n\
                Ați încercat să reporniți?\n";
    let parts = split_reply(text);
    assert_eq!(
        parts.new_text,
        "Bună ziua,\n\nVă mulțumesc, funcționează.\n\nIon"
    );
    assert!(parts.quoted.starts_with("____"));
    assert!(parts.quoted.contains("Ați încercat"));
}

#[test]
fn outlook_original_message_separators() {
    for separator in [
        "-----Original Message-----",
        "-----Mesaj original-----",
        "-----Ursprüngliche Nachricht-----",
    ] {
        let text = format!("Răspunsul meu.\n\n{separator}\nFrom: a@b.ro\nSent: luni\n\nText vechi");
        let parts = split_reply(&text);
        assert_eq!(parts.new_text, "Răspunsul meu.", "{separator}");
        assert!(parts.quoted.starts_with(separator), "{separator}");
    }
}

#[test]
fn plain_header_block_in_several_languages() {
    let blocks = [
        "From: Support <support@example.test>\nSent: 3 March 2026 10:00\nTo: ion@client.ro\nSubject: Re: x",
        "De la: Suport <support@example.test>\nTrimis: luni, 3 martie 2026 10:00\nCătre: ion@client.ro\nSubiect: Re: x",
        "De: Suport <support@example.test>\nData: 3 martie 2026\nSubiect: x",
        "Von: Support <support@example.test>\nGesendet: Montag, 3. März 2026 10:00\nAn: ion@client.ro",
        "*From:* Support <support@example.test>\n*Sent:* Monday\n*To:* ion@client.ro",
    ];
    for block in blocks {
        let text = format!("Mulțumesc pentru ajutor.\n\n{block}\n\nMesajul anterior.");
        let parts = split_reply(&text);
        assert_eq!(parts.new_text, "Mulțumesc pentru ajutor.", "{block}");
        assert!(parts.quoted.ends_with("Mesajul anterior."), "{block}");
    }
}

#[test]
fn form_like_text_is_not_a_header_block() {
    let text = "De la: contabilitate\nData: ieri\nProblema: factura lipsește";
    let parts = split_reply(text);
    assert_eq!(parts.new_text, text);
    assert_eq!(parts.quoted, "");
}

#[test]
fn standard_signature_delimiter_and_quote() {
    let text = "Aveți dreptate, mulțumesc.\n\n-- \nIon Popescu\nTel: 0722 000 000\n\n\
                On 03.03.2026 10:00, Support wrote:\n> Ticketul a fost închis.\n";
    let parts = split_reply(text);
    assert_eq!(parts.new_text, "Aveți dreptate, mulțumesc.");
    assert_eq!(parts.signature, "-- \nIon Popescu\nTel: 0722 000 000");
    assert!(
        parts
            .quoted
            .starts_with("On 03.03.2026 10:00, Support wrote:")
    );
    assert!(parts.quoted.contains("Ticketul a fost închis."));
}

#[test]
fn bare_double_dash_signature_at_end() {
    let text = "Nu pot accesa contul.\n--\nMaria Ionescu\nSC Client SRL";
    let parts = split_reply(text);
    assert_eq!(parts.new_text, "Nu pot accesa contul.");
    assert_eq!(parts.signature, "--\nMaria Ionescu\nSC Client SRL");
    assert_eq!(parts.quoted, "");
}

#[test]
fn mobile_sign_offs() {
    for sign_off in [
        "Sent from my iPhone",
        "Sent from my Android",
        "Trimis de pe iPhone-ul meu",
        "Trimis de pe iPhone",
        "Get Outlook for iOS<https://aka.ms/o0ukef>",
        "Get Outlook for Android",
        "Obțineți Outlook pentru iOS",
        "Obțineți Outlook pentru Android",
        "Trimis de pe Yahoo Mail pe Android",
    ] {
        let text = format!("Ecranul rămâne negru.\n\n{sign_off}\n");
        let parts = split_reply(&text);
        assert_eq!(parts.new_text, "Ecranul rămâne negru.", "{sign_off}");
        assert_eq!(parts.signature, sign_off, "{sign_off}");
    }
}

#[test]
fn sign_off_in_the_middle_is_text() {
    let text = "Mesajul „Sent from my iPhone” apare în subsol.\nCum îl scot?\nMai am o întrebare.\nȘi încă una.";
    let parts = split_reply(text);
    assert_eq!(parts.new_text, text);
    assert_eq!(parts.signature, "");
}

#[test]
fn bottom_posting_falls_back_to_unquoted_lines() {
    let text = "On Mon, 3 Mar 2026 at 10:00, Support <support@example.test> wrote:\n\
                > Ce versiune folosiți?\n\nVersiunea 2.3.\n";
    let parts = split_reply(text);
    assert_eq!(parts.new_text, "Versiunea 2.3.");
    assert!(parts.quoted.starts_with("On Mon, 3 Mar 2026"));
    assert!(parts.quoted.contains("> Ce versiune folosiți?"));
}

#[test]
fn inline_answers_are_kept() {
    let text = "Răspund mai jos.\n\n\
                On 3 Mar 2026, at 10:00, Support <support@example.test> wrote:\n\
                > Ce sistem de operare aveți?\n\n\
                Windows 11.\n\n\
                > Ați instalat ultima actualizare?\n\n\
                Da, ieri.\n\n\
                -- \nIon\n";
    let parts = split_reply(text);
    assert_eq!(
        parts.new_text,
        "Răspund mai jos.\n\nWindows 11.\n\nDa, ieri."
    );
    assert_eq!(parts.signature, "-- \nIon");
    assert!(parts.quoted.contains("> Ce sistem de operare aveți?"));
    assert!(parts.quoted.contains("> Ați instalat ultima actualizare?"));
    assert!(!parts.quoted.contains("Windows 11"));
}

#[test]
fn hard_wrapped_quote_is_not_an_inline_answer() {
    let text = "Mulțumesc.\n\nOn 3 Mar 2026, at 10:00, Support <support@example.test> wrote:\n\
                > Vă rugăm să descărcați din nou programul de instalare de pe pagina\n\
                noastră și să îl rulați ca administrator.\n\
                > Echipa de suport\n";
    let parts = split_reply(text);
    assert_eq!(parts.new_text, "Mulțumesc.");
    assert!(parts.quoted.contains("noastră și să îl rulați"));
}

#[test]
fn only_quotes_keeps_whole_text() {
    let text = "> prima linie\n> a doua linie\n";
    let parts = split_reply(text);
    assert_eq!(parts.new_text, "> prima linie\n> a doua linie");
    assert_eq!(parts.quoted, "> prima linie\n> a doua linie");
}

#[test]
fn crlf_input_gives_lf_output() {
    let text = crlf(
        "Bună ziua,\n\nNu funcționează.\n\n-- \nIon\n\nOn Mon, 3 Mar 2026 at 10:00, Support <support@example.test> wrote:\n> Încercați din nou.\n",
    );
    let parts = split_reply(&text);
    assert_eq!(parts.new_text, "Bună ziua,\n\nNu funcționează.");
    assert_eq!(parts.signature, "-- \nIon");
    assert!(!parts.quoted.contains('\r'));
    assert!(parts.quoted.ends_with("> Încercați din nou."));
}

#[test]
fn forwarded_message_with_no_new_text_is_new_text() {
    let text = "---------- Forwarded message ---------\nFrom: Ana <ana@client.ro>\nDate: Mon, 3 Mar 2026\nSubject: Eroare\nTo: ion@client.ro\n\nServerul nu răspunde.";
    let parts = split_reply(text);
    assert!(parts.new_text.contains("Serverul nu răspunde."));
}

#[test]
fn signature_only_is_not_emptied() {
    let parts = split_reply("Sent from my iPhone");
    assert_eq!(parts.new_text, "Sent from my iPhone");
    assert_eq!(parts.signature, "");
}

#[test]
fn odd_inputs_do_not_panic() {
    let long_line = "ș".repeat(200_000);
    let many_lines = "> a\n".repeat(20_000) + &"text\n> b\n".repeat(5_000);
    let inputs = [
        ">".to_owned(),
        "\r".to_owned(),
        "\r\r\n\n".to_owned(),
        "--".to_owned(),
        "-- ".to_owned(),
        "On".to_owned(),
        "wrote:".to_owned(),
        "wrote:\n>".to_owned(),
        "\n\nwrote:\n\n\n>x".to_owned(),
        "________________________________".to_owned(),
        "From: x\nSent: y".to_owned(),
        "\u{feff}Bună\u{0}ziua 🙂\n> ț".to_owned(),
        long_line.clone(),
        format!("On {long_line} wrote:\n> x"),
        many_lines,
    ];
    for input in &inputs {
        let parts = split_reply(input);
        if !input.trim().is_empty() && input.trim() != "\u{feff}" {
            assert!(
                !parts.new_text.is_empty(),
                "{:?}",
                &input[..input.len().min(40)]
            );
        }
    }
}

#[test]
fn attributions_between_dashes() {
    let text = "Merge acum.\n\n-----\"Helpdesk\" <support@example.test> wrote: -----\n\nTo: ion@client.ro\nFrom: \"Helpdesk\" <support@example.test>\nDate: 03/03/2026 10:00\nSubject: [HD-1] x\n\nBuna ziua\n";
    let p = split_reply(text);
    assert_eq!(p.new_text, "Merge acum.");
    assert!(p.quoted.starts_with("-----\"Helpdesk\""), "{:?}", p.quoted);
    // Zoho Mail's, with no colon.
    let text = "Merge acum.\n\n---- On Tue, 03 Mar 2026 10:00:00 +0200 Helpdesk <support@example.test> wrote ----\n\nBuna ziua\n";
    assert_eq!(split_reply(text).new_text, "Merge acum.");
    // Dashes around other words are text.
    assert_eq!(
        split_reply("Pași:\n----- nota: -----\nrepornire").quoted,
        ""
    );
}

#[test]
fn yahoo_puts_the_quoted_text_on_the_attribution_line() {
    // Yahoo Mail's plain alternative of an HTML reply: the quoted mail follows the
    // attribution on its own line.
    let text = "Multumesc, merge.\n\nTrimis de pe Yahoo Mail pe Android \n \n  Pe mar., 3 mar. 2026 la 10:00, Helpdesk<support@example.test> a scris:   Am primit solicitarea.   Echipa   \n";
    let p = split_reply(text);
    assert_eq!(p.new_text, "Multumesc, merge.");
    assert_eq!(p.signature, "Trimis de pe Yahoo Mail pe Android");
    assert!(
        p.quoted.starts_with("  Pe mar., 3 mar. 2026")
            && p.quoted.contains("Am primit solicitarea."),
        "{p:?}"
    );
    let text = "Works now.\n\n  On Tuesday, March 3, 2026, 10:00, Helpdesk <support@example.test> wrote:   We received your request.\n";
    assert_eq!(split_reply(text).new_text, "Works now.");
    // A sentence that only mentions writing is text.
    let text = "On Monday at 10:00 the manager wrote:  please call back.\nThat is all I know.";
    assert_eq!(split_reply(text).quoted, "");
}
