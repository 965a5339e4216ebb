//! The limits and patterns the reply splitter recognises: attributions, separators,
//! header blocks and sign-offs in the languages and clients it knows.

use std::sync::LazyLock;

use regex::Regex;

/// Attribution candidates (possibly joined from wrapped lines) longer than this are ignored.
pub(super) const MAX_ATTRIBUTION_CHARS: usize = 400;
/// How many physical lines an attribution may be wrapped over.
pub(super) const MAX_ATTRIBUTION_LINES: usize = 3;
/// Blank lines allowed between an attribution and the first `>` line.
pub(super) const MAX_BLANKS_BEFORE_QUOTE: usize = 2;
/// How far below a `From:` line the rest of a header block is looked for.
pub(super) const HEADER_LOOKAHEAD: usize = 6;
/// Non-blank lines allowed after a `-- ` delimiter for it to count as a signature.
pub(super) const MAX_SIGNATURE_LINES: usize = 40;
/// Same for a bare `--` delimiter, which is more often used for other things.
pub(super) const MAX_BARE_SIGNATURE_LINES: usize = 15;
/// Sign-offs are looked for among this many last non-blank lines.
pub(super) const SIGN_OFF_WINDOW: usize = 3;
/// Longest line that may be a mobile sign-off.
pub(super) const MAX_SIGN_OFF_CHARS: usize = 100;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("built-in pattern is valid")
}

/// Words an attribution line starts with ("On ...", "În ...", "Pe ...", "Am ...", "Le ...").
pub(super) static ATTRIBUTION_LEAD: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)^\s*(?:on|în|in|pe|am|le|el|il\s+giorno|il|op|em|den|w\s+dniu|dnia)\s")
});

/// The verb an attribution ends with ("wrote:", "a scris:", "schrieb ...:", "a écrit :").
pub(super) static ATTRIBUTION_END: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:\b(?:wrote|writes|a\s+scris|a\s+[ée]crit|escribi[óo]|ha\s+scritto|escreveu|skrev|kirjoitti|napisa[łl](?:\(a\))?|написал(?:\(а\))?)|\b(?:schrieb|schreef)\b.*)\s*:\s*$",
    )
});

/// An attribution with the quoted text run on after it on the same line, as Yahoo Mail
/// writes the plain part of an HTML reply: "… <support@…> a scris:   Am primit …".
pub(super) static ATTRIBUTION_INLINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)@.*\b(?:wrote|a\s+scris|a\s+[ée]crit|escribi[óo]|ha\s+scritto|escreveu|skrev|schrieb|schreef)\s*:\s{2,}\S",
    )
});

/// A line that is nothing but the attribution verb (the tail of a wrapped attribution).
pub(super) static ATTRIBUTION_VERB_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*(?:wrote|a\s+scris|a\s+[ée]crit|escribi[óo]|ha\s+scritto|escreveu|skrev|schrieb|schreef)\s*:\s*$",
    )
});

/// A clock time, which every client puts in its attribution line.
pub(super) static CLOCK_TIME: LazyLock<Regex> = LazyLock::new(|| re(r"\b\d{1,2}[:.]\d{2}\b"));

/// "-----Original Message-----" and its translations, and forwarded-message markers.
pub(super) static ORIGINAL_SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*-{2,}\s*(?:original\s+message|mesaj(?:ul)?\s+original|urspr[üu]ngliche\s+nachricht|originalnachricht|message\s+d['’]origine|mensaje\s+original|messaggio\s+originale|oorspronkelijk\s+bericht|forwarded\s+message|mesaj\s+redirec[țţt]ionat|weitergeleitete\s+nachricht|message\s+transf[ée]r[ée]|mensaje\s+reenviado|messaggio\s+inoltrato)\s*-{2,}\s*$",
    )
});

/// An attribution between dashes: Lotus Notes (HCL Notes) above the quoted message's
/// header block, `-----"Helpdesk" <support@example.test> wrote: -----`, and Zoho Mail,
/// `---- On Tue, 03 Mar 2026 10:00:00 +0200 Helpdesk <…> wrote ----`.
pub(super) static DASHED_ATTRIBUTION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*-{3,}.*\S\s+(?:wrote|a\s+scris|schrieb|a\s+[ée]crit|ha\s+scritto|escribi[óo])\s*:?\s*-{3,}\s*$",
    )
});

/// Apple Mail's forwarded-message marker.
pub(super) static BEGIN_FORWARDED: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^\s*begin\s+forwarded\s+message\s*:\s*$"));

/// The line of underscores Outlook puts above the header block of the quoted message.
pub(super) static UNDERSCORE_LINE: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*_{10,}\s*$"));

pub(super) static FROM_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)^\s*\*?(?:from|de\s+la|de|von|exp[ée]diteur|da|van|od|fr[åa]n|fra)\s*:\*?\s*\S")
});

/// Date headers that only Outlook-like clients write; enough on their own after `From:`.
pub(super) static SENT_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*\*?(?:sent|trimis|gesendet|envoy[ée]|enviado|inviato|verzonden|wys[łl]ane|skickat|sendt)\s*:\*?\s*\S",
    )
});

/// Generic date headers; need more evidence to start a header block.
pub(super) static DATE_HEADER: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^\s*\*?(?:date|data|datum|dat[ăa]|fecha)\s*:\*?\s*\S"));

pub(super) static TO_OR_SUBJECT_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*\*?(?:to|c[ăa]tre|an|[àa]|para|aan|do|till|til|cc|subject|subiect|betreff|objet|asunto|oggetto|onderwerp|temat|[äa]mne|emne)\s*:\*?",
    )
});

/// Sign-offs that mobile and webmail clients append below the text.
pub(super) static SIGN_OFF: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?ix)^(?:
        sent\s+from\s+(?:my\s+\S.*|outlook\b.*|yahoo\s+mail\b.*|mail\s+for\s+windows\b.*|aol\b.*|proton\s*mail\b.*|samsung\b.*|the\s+mail\s+app\b.*)
      | trimis\s+de\s+pe\s+\S.*
      | trimis\s+din\s+(?:mail|outlook|yahoo|aplica[țţt]ia)\b.*
      | get\s+outlook\s+for\s+(?:ios|android)\b.*
      | (?:ob[țţt]ine[țţt]i|desc[ăa]rca[țţt]i)\s+outlook\s+pentru\s+(?:ios|android)\b.*
      | envoy[ée]\s+de\s+mon\s+\S.*
      | von\s+meinem\s+\S.*\s+gesendet\.?
      | gesendet\s+von\s+meinem\s+\S.*
      | enviado\s+desde\s+mi\s+\S.*
      | inviato\s+da(?:l\s+mio)?\s+\S.*
      | verzonden\s+(?:vanaf|met)\s+\S.*
    )$")
});
