//! A batch of mail split in two for two writers (PostgreSQL's): messages that share
//! anything a message's processing reads or writes for another (an address, a thread, a
//! ticket, a de-duplication key) stay together, so that neither transaction misses the
//! other's rows or waits for its locks.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::batch::Parting;
use super::incoming::Incoming;
use super::{Outcome, on_one_writer, store_on};
use crate::config::Mailbox as OurMailbox;
use crate::domain::email::ParsedEmail;
use crate::domain::email_address::EmailAddress;
use crate::domain::ids::SubjectToken;
use crate::domain::inbound::{self, Kind};
use crate::domain::reply_text;
use crate::service::Ctx;

/// A batch smaller than this is stored whole by one writer: two transactions would cost
/// more round trips than they save.
pub(super) const SMALLEST: usize = 8;

/// A message of a lane, with its place in the batch.
pub(super) type Placed = (usize, Incoming);

/// Stores a batch on two writers: parsed on two threads, split into two lanes, each lane
/// stored by a writer of its own in a transaction of its own, side by side. A lane that
/// fails (a message of it failed, or the server broke a deadlock between the two) is
/// stored again once both are through, on the first writer, where a message that fails is
/// quarantined alone. A batch that does not split is stored by the first writer.
pub(super) async fn store(
    ctx: &Ctx,
    via: &OurMailbox,
    raws: Vec<Vec<u8>>,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Outcome>> {
    let messages = parse_all(raws).await?;
    let [first, second] = match split(messages, &ctx.ours, &ctx.token) {
        Ok(lanes) => lanes,
        Err(messages) => {
            let parting = Parting::MessageByMessage;
            return on_writer(ctx, via, 0, messages, parting, now).await;
        }
    };
    let (first, second) = tokio::join!(
        lane(ctx, via, 0, first, now),
        lane(ctx, via, 1, second, now)
    );
    let mut placed: Vec<(usize, Outcome)> = Vec::new();
    for stored in [first, second] {
        placed.extend(match stored {
            Ok(stored) => stored,
            Err(again) => again.store(ctx, via, now).await?,
        });
    }
    placed.sort_by_key(|(i, _)| *i);
    Ok(placed.into_iter().map(|(_, o)| o).collect())
}

/// The batch parsed, half of it on each of two blocking threads.
async fn parse_all(mut raws: Vec<Vec<u8>>) -> anyhow::Result<Vec<Incoming>> {
    let second = raws.split_off(raws.len() / 2);
    let parse = |raws: Vec<Vec<u8>>| {
        tokio::task::spawn_blocking(move || raws.into_iter().map(Incoming::new).collect())
    };
    let (mut first, second): (Vec<Incoming>, Vec<Incoming>) =
        tokio::try_join!(parse(raws), parse(second))?;
    first.extend(second);
    Ok(first)
}

/// Stores a lane on `writer`: each message's outcome with its place in the batch, or the
/// lane to store again.
async fn lane(
    ctx: &Ctx,
    via: &OurMailbox,
    writer: usize,
    lane: Vec<Placed>,
    now: DateTime<Utc>,
) -> Result<Vec<(usize, Outcome)>, Again> {
    let (places, messages): (Vec<usize>, Vec<Incoming>) = lane.into_iter().unzip();
    let raws = messages.iter().map(|m| m.raw.clone()).collect();
    match on_writer(ctx, via, writer, messages, Parting::Never, now).await {
        Ok(outcomes) => Ok(places.into_iter().zip(outcomes).collect()),
        Err(e) => {
            tracing::debug!(error = %format!("{e:#}"), "a lane of a batch is stored again");
            Err(Again { places, raws })
        }
    }
}

/// A lane that failed: its messages' places in the batch and their bytes.
struct Again {
    places: Vec<usize>,
    raws: Vec<Arc<Vec<u8>>>,
}

impl Again {
    /// Stores the lane again on the first writer, parsed again.
    async fn store(
        self,
        ctx: &Ctx,
        via: &OurMailbox,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Vec<(usize, Outcome)>> {
        // The failed run dropped its messages: the bytes are this lane's alone again.
        let raws = self.raws.into_iter();
        let raws = raws.map(|r| Arc::try_unwrap(r).unwrap_or_else(|r| r.as_ref().clone()));
        let outcomes = on_one_writer(ctx, via, raws.collect(), now).await?;
        Ok(self.places.into_iter().zip(outcomes).collect())
    }
}

/// Stores messages parsed already, in one transaction of `writer`.
async fn on_writer(
    ctx: &Ctx,
    via: &OurMailbox,
    writer: usize,
    messages: Vec<Incoming>,
    parting: Parting,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Outcome>> {
    let (queue, incoming) = std::sync::mpsc::sync_channel(messages.len().max(1));
    for m in messages {
        // The queue holds them all: this never waits, and the receiver is alive.
        let _ = queue.send(m);
    }
    drop(queue);
    store_on(ctx, via, writer, incoming, parting, now).await
}

/// Splits `messages` into two lanes of messages that share nothing, each in the batch's
/// order, or gives them back when they do not split usefully: fewer than [`SMALLEST`], or
/// the smaller lane under a quarter of the batch (one sender, one thread, a common
/// address).
pub(super) fn split(
    messages: Vec<Incoming>,
    ours: &[EmailAddress],
    token: &SubjectToken,
) -> Result<[Vec<Placed>; 2], Vec<Incoming>> {
    let n = messages.len();
    if n < SMALLEST {
        return Err(messages);
    }
    let mut groups = Groups::new(n);
    let mut first_with: HashMap<String, usize> = HashMap::new();
    for (i, m) in messages.iter().enumerate() {
        for key in keys(m, ours, token) {
            match first_with.get(&key) {
                Some(&j) => groups.join(i, j),
                None => {
                    first_with.insert(key, i);
                }
            }
        }
    }
    // The largest groups first, each to the lane with fewer messages so far.
    let mut sizes: HashMap<usize, usize> = HashMap::new();
    for i in 0..n {
        *sizes.entry(groups.root(i)).or_default() += 1;
    }
    let mut by_size: Vec<(usize, usize)> = sizes.into_iter().collect();
    by_size.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let (mut lane_of, mut filled) = (HashMap::new(), [0usize; 2]);
    for (root, size) in by_size {
        let lane = usize::from(filled[1] < filled[0]);
        filled[lane] += size;
        lane_of.insert(root, lane);
    }
    if filled[0].min(filled[1]) * 4 < n {
        return Err(messages);
    }
    let mut lanes: [Vec<Placed>; 2] = [Vec::new(), Vec::new()];
    for (i, m) in messages.into_iter().enumerate() {
        lanes[lane_of[&groups.root(i)]].push((i, m));
    }
    Ok(lanes)
}

/// What a message's processing may look up or write that another message's could too.
fn keys(m: &Incoming, ours: &[EmailAddress], token: &SubjectToken) -> Vec<String> {
    let mut keys = vec![format!("key:{}", m.dedup_key)];
    keys.extend(m.fingerprint.iter().map(|f| format!("print:{f}")));
    let Ok(mail) = &m.parsed else {
        return keys;
    };
    // Every address it names but ours: its author, who it answers for, who it copies (each
    // one a customer or a participant it may register), a forwarded mail's author.
    let mut addresses: Vec<&EmailAddress> = [&mail.from]
        .into_iter()
        .chain(&mail.reply_to)
        .chain(&mail.to)
        .chain(&mail.cc)
        .map(|m| &m.address)
        .collect();
    addresses.extend(mail.attached_mail.iter().map(|a| &a.from.address));
    let forwarded = forwarded_author(mail);
    let named = addresses
        .into_iter()
        .filter(|a| !ours.contains(a))
        .map(|a| a.as_str().to_lowercase())
        .chain(forwarded);
    keys.extend(named.map(|a| format!("address:{a}")));
    // The thread: its own Message-ID and those it answers, or those a report returns.
    let returned = mail.bounce.iter().flat_map(|b| &b.returned_ids);
    let ids = mail
        .message_id
        .iter()
        .chain(&mail.references)
        .chain(returned);
    keys.extend(ids.map(|id| format!("id:{id}")));
    keys.extend(token.find(&mail.subject).map(|t| format!("ticket:{t}")));
    // Reports, auto-replies and lists touch the outbox and tickets by what they quote: all
    // together in one lane.
    if mail.bounce.is_some() || inbound::classify(&mail.signals, ours) != Kind::Human {
        keys.push("automatic".to_string());
    }
    keys
}

/// The author a forward names in its text, when its subject is a forward's, read as
/// `forward::by_agent` reads it.
fn forwarded_author(mail: &ParsedEmail) -> Option<String> {
    inbound::forwarded_subject(&mail.subject)?;
    let named = reply_text::forwarded(&mail.text)?;
    let address = EmailAddress::parse(&named.address).ok()?;
    Some(address.as_str().to_lowercase())
}

/// Union-find over the batch's messages.
struct Groups(Vec<usize>);

impl Groups {
    fn new(n: usize) -> Self {
        Self((0..n).collect())
    }

    fn root(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }

    fn join(&mut self, a: usize, b: usize) {
        let (a, b) = (self.root(a), self.root(b));
        self.0[a.max(b)] = a.min(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(from: &str, extra: &str, subject: &str, id: &str) -> Incoming {
        Incoming::new(
            format!(
                "From: {from}\r\nTo: Support <support@example.test>\r\n{extra}Subject: {subject}\r\nMessage-ID: <{id}>\r\n\r\ntext\r\n"
            )
            .into_bytes(),
        )
    }

    fn split_of(messages: Vec<Incoming>) -> Result<[Vec<usize>; 2], usize> {
        let ours = [EmailAddress::parse("support@example.test").unwrap()];
        split(messages, &ours, &SubjectToken::new("HD"))
            .map(|lanes| lanes.map(|lane| lane.into_iter().map(|(i, _)| i).collect()))
            .map_err(|messages| messages.len())
    }

    /// Ten customers' new mail, each from its own address.
    fn strangers() -> Vec<Incoming> {
        (0..10)
            .map(|n| {
                mail(
                    &format!("c{n}@client.ro"),
                    "",
                    "Cerere",
                    &format!("m{n}@client.ro"),
                )
            })
            .collect()
    }

    /// The lane of message `i`.
    fn lane_of(lanes: &[Vec<usize>; 2], i: usize) -> usize {
        usize::from(lanes[1].contains(&i))
    }

    #[test]
    fn mail_that_shares_nothing_is_split_evenly_each_lane_in_order() {
        let lanes = split_of(strangers()).unwrap();
        assert_eq!(lanes[0].len() + lanes[1].len(), 10);
        assert_eq!(lanes[0].len(), 5, "{lanes:?}");
        for lane in &lanes {
            assert!(lane.windows(2).all(|w| w[0] < w[1]), "{lanes:?}");
        }
    }

    #[test]
    fn a_small_batch_or_one_sender_s_batch_stays_whole() {
        let mut small = strangers();
        small.truncate(SMALLEST - 1);
        assert_eq!(split_of(small), Err(SMALLEST - 1));
        let one_sender = (0..10)
            .map(|n| mail("ion@client.ro", "", "Cerere", &format!("i{n}@client.ro")))
            .collect();
        assert_eq!(split_of(one_sender), Err(10));
    }

    #[test]
    fn what_one_message_may_read_or_write_for_another_keeps_them_in_one_lane() {
        let mut batch = strangers();
        // An answer to the first, by its Message-ID, from an address of its own.
        batch.push(mail(
            "a@client.ro",
            "In-Reply-To: <m0@client.ro>\r\n",
            "Re",
            "r1@x.ro",
        ));
        // The second's sender again.
        batch.push(mail("C1@client.ro", "", "Alta", "r2@x.ro"));
        // A copy to the third's sender.
        batch.push(mail("b@client.ro", "Cc: c2@client.ro\r\n", "Cc", "r3@x.ro"));
        // Two mails naming one ticket.
        batch.push(mail("d@client.ro", "", "Re: [HD-7] Ceva", "r4@x.ro"));
        batch.push(mail("e@client.ro", "", "Re: [HD-7] Altceva", "r5@x.ro"));
        // The fourth again, as a mailbox may hand it over twice.
        batch.push(mail("c3@client.ro", "", "Cerere", "m3@client.ro"));
        let lanes = split_of(batch).unwrap();
        for (a, b) in [(0, 10), (1, 11), (2, 12), (13, 14), (3, 15)] {
            assert_eq!(
                lane_of(&lanes, a),
                lane_of(&lanes, b),
                "{a} and {b}: {lanes:?}"
            );
        }
    }
}
