//! `winmail.dat` (TNEF): what Outlook sends when it mails rich text. The files inside are
//! what the customer attached; the wrapper means nothing to anyone without Outlook.
//!
//! A lenient reader of the parts that carry files (MS-OXTNEF): every length is checked
//! against what is left, checksums are not required, and what cannot be read ends the
//! reading with the files found so far.

use crate::domain::file_name;

/// A file carried inside a TNEF stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packed {
    pub filename: String,
    pub content_type: &'static str,
    pub content: Vec<u8>,
}

const SIGNATURE: u32 = 0x223E_9F78;
const LEVEL_ATTACHMENT: u8 = 2;
const ATT_OEM_CODEPAGE: u32 = 0x0006_9007;
const ATT_ATTACH_REND_DATA: u32 = 0x0006_9002;
const ATT_ATTACH_TITLE: u32 = 0x0001_8010;
const ATT_ATTACH_TRANSPORT_FILENAME: u32 = 0x0001_9001;
const ATT_ATTACH_DATA: u32 = 0x0006_800F;
const ATT_ATTACHMENT: u32 = 0x0006_9005;
const PR_ATTACH_LONG_FILENAME: u16 = 0x3707;

/// The files inside `data`; none when it is not TNEF or holds no file (the caller keeps
/// `winmail.dat` as it came).
pub fn unpack(data: &[u8]) -> Vec<Packed> {
    let mut r = Reader(data);
    if r.u32() != Some(SIGNATURE) || r.u16().is_none() {
        return vec![];
    }
    let mut code_page = encoding_rs::WINDOWS_1252;
    let mut files: Vec<Found> = Vec::new();
    while let Some((level, id, value)) = attribute(&mut r) {
        if id == ATT_OEM_CODEPAGE {
            code_page = Reader(value).u32().map(encoding_of).unwrap_or(code_page);
        }
        if level != LEVEL_ATTACHMENT {
            continue;
        }
        if id == ATT_ATTACH_REND_DATA || files.is_empty() {
            files.push(Found::default());
        }
        let Some(file) = files.last_mut() else {
            continue;
        };
        match id {
            ATT_ATTACH_TITLE => file.title = Some(text_8bit(value, code_page)),
            ATT_ATTACH_TRANSPORT_FILENAME => {
                file.transport_name = Some(text_8bit(value, code_page))
            }
            ATT_ATTACH_DATA => file.content = Some(value.to_vec()),
            ATT_ATTACHMENT => file.long_name = long_filename(value, code_page),
            _ => {}
        }
    }
    files
        .into_iter()
        .filter_map(|f| {
            let content = f.content.filter(|c| !c.is_empty())?;
            let filename = [f.long_name, f.transport_name, f.title]
                .into_iter()
                .flatten()
                .find(|n| !n.trim().is_empty())?;
            Some(Packed {
                content_type: file_name::content_type_of(&filename),
                filename,
                content,
            })
        })
        .collect()
}

#[derive(Default)]
struct Found {
    title: Option<String>,
    transport_name: Option<String>,
    long_name: Option<String>,
    content: Option<Vec<u8>>,
}

/// One attribute: its level, id and value (the checksum after it is skipped, and may be
/// missing at the very end).
fn attribute<'a>(r: &mut Reader<'a>) -> Option<(u8, u32, &'a [u8])> {
    let level = r.u8()?;
    let id = r.u32()?;
    let len = r.u32()?;
    let value = r.take(len as usize)?;
    let _checksum = r.u16();
    Some((level, id, value))
}

/// `PR_ATTACH_LONG_FILENAME` among an attachment's MAPI properties, when they can be read
/// up to it.
fn long_filename(props: &[u8], code_page: &'static encoding_rs::Encoding) -> Option<String> {
    let mut r = Reader(props);
    let count = r.u32()?;
    for _ in 0..count.min(4096) {
        let kind = r.u16()?;
        let id = r.u16()?;
        if id >= 0x8000 {
            // A named property: its GUID, then a number or a name.
            r.take(16)?;
            if r.u32()? == 0 {
                r.u32()?;
            } else {
                let len = r.u32()? as usize;
                r.take(padded(len))?;
            }
        }
        let base = kind & 0x0FFF;
        let variable = matches!(base, 0x001E | 0x001F | 0x0102);
        let values = if kind & 0x1000 != 0 || variable {
            r.u32()?
        } else {
            1
        };
        for _ in 0..values.min(4096) {
            match base {
                0x0001 => {}
                0x0002 | 0x0003 | 0x0004 | 0x000A | 0x000B => {
                    r.take(4)?;
                }
                0x0005..=0x0007 | 0x0014 | 0x0040 => {
                    r.take(8)?;
                }
                0x0048 => {
                    r.take(16)?;
                }
                0x001E | 0x001F | 0x0102 => {
                    let len = r.u32()? as usize;
                    let bytes = r.take(len)?;
                    r.take(padded(len) - len)?;
                    if id == PR_ATTACH_LONG_FILENAME && base != 0x0102 {
                        return Some(if base == 0x001F {
                            text_utf16(bytes)
                        } else {
                            text_8bit(bytes, code_page)
                        });
                    }
                }
                _ => return None,
            }
        }
    }
    None
}

fn padded(len: usize) -> usize {
    len.div_ceil(4) * 4
}

fn text_8bit(bytes: &[u8], code_page: &'static encoding_rs::Encoding) -> String {
    let bytes = bytes.split(|b| *b == 0).next().unwrap_or(bytes);
    code_page.decode_without_bom_handling(bytes).0.into_owned()
}

fn text_utf16(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|u| *u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

/// The Windows code pages TNEF names by number.
fn encoding_of(code_page: u32) -> &'static encoding_rs::Encoding {
    use encoding_rs::*;
    match code_page {
        1250 => WINDOWS_1250,
        1251 => WINDOWS_1251,
        1253 => WINDOWS_1253,
        1254 => WINDOWS_1254,
        1255 => WINDOWS_1255,
        1256 => WINDOWS_1256,
        1257 => WINDOWS_1257,
        1258 => WINDOWS_1258,
        874 => WINDOWS_874,
        932 => SHIFT_JIS,
        936 => GBK,
        949 => EUC_KR,
        950 => BIG5,
        28592 => ISO_8859_2,
        65001 => UTF_8,
        _ => WINDOWS_1252,
    }
}

/// Little-endian reads that fail, instead of panicking, past the end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TNEF stream as Outlook writes one: version, code page, then per file its
    /// rendering data, title, data and MAPI properties.
    fn stream(code_page: u32, files: &[(&[u8], &[u8], Option<&str>)]) -> Vec<u8> {
        fn attr(out: &mut Vec<u8>, level: u8, id: u32, value: &[u8]) {
            out.push(level);
            out.extend(id.to_le_bytes());
            out.extend((value.len() as u32).to_le_bytes());
            out.extend(value);
            let sum = value.iter().map(|b| u32::from(*b)).sum::<u32>() as u16;
            out.extend(sum.to_le_bytes());
        }
        let mut out = Vec::new();
        out.extend(SIGNATURE.to_le_bytes());
        out.extend(0x4E21u16.to_le_bytes());
        attr(&mut out, 1, 0x0008_9006, &0x0001_0000u32.to_le_bytes());
        let mut cp = code_page.to_le_bytes().to_vec();
        cp.extend(0u32.to_le_bytes());
        attr(&mut out, 1, ATT_OEM_CODEPAGE, &cp);
        for (title, data, long) in files {
            attr(
                &mut out,
                2,
                ATT_ATTACH_REND_DATA,
                &[1, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0],
            );
            let mut t = title.to_vec();
            t.push(0);
            attr(&mut out, 2, ATT_ATTACH_TITLE, &t);
            attr(&mut out, 2, ATT_ATTACH_DATA, data);
            if let Some(long) = long {
                let mut props = Vec::new();
                props.extend(2u32.to_le_bytes());
                // PR_ATTACH_SIZE (PT_LONG), then PR_ATTACH_LONG_FILENAME (PT_UNICODE).
                props.extend(0x0003u16.to_le_bytes());
                props.extend(0x0E20u16.to_le_bytes());
                props.extend((data.len() as u32).to_le_bytes());
                props.extend(0x001Fu16.to_le_bytes());
                props.extend(PR_ATTACH_LONG_FILENAME.to_le_bytes());
                props.extend(1u32.to_le_bytes());
                let mut name: Vec<u8> = long
                    .encode_utf16()
                    .chain([0])
                    .flat_map(u16::to_le_bytes)
                    .collect();
                props.extend((name.len() as u32).to_le_bytes());
                name.resize(padded(name.len()), 0);
                props.extend(name);
                attr(&mut out, 2, ATT_ATTACHMENT, &props);
            }
        }
        out
    }

    #[test]
    fn the_files_inside_come_out_with_their_long_names() {
        let data = stream(
            1250,
            &[
                (
                    b"RAPORT~1.PDF",
                    b"%PDF-1.4 raport",
                    Some("Raport lunar martie.pdf"),
                ),
                (b"Situa\xfeie.csv", b"a;b\r\n", None),
            ],
        );
        let files = unpack(&data);
        assert_eq!(files.len(), 2);
        assert_eq!(
            (files[0].filename.as_str(), files[0].content_type),
            ("Raport lunar martie.pdf", "application/pdf")
        );
        assert_eq!(files[0].content, b"%PDF-1.4 raport");
        assert_eq!(
            (files[1].filename.as_str(), files[1].content_type),
            ("Situaţie.csv", "text/csv")
        );
    }

    #[test]
    fn damaged_streams_give_what_was_readable_and_never_panic() {
        let data = stream(
            1252,
            &[(b"a.txt", b"first", None), (b"b.txt", b"second", None)],
        );
        for cut in 0..data.len() {
            let files = unpack(&data[..cut]);
            assert!(files.len() <= 2);
        }
        assert_eq!(
            unpack(&data[..data.len() - 2]).len(),
            2,
            "a missing last checksum loses nothing"
        );
        assert!(unpack(b"").is_empty());
        assert!(unpack(b"not a tnef stream at all").is_empty());
    }
}
