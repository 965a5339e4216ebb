//! `FileName`: an attachment's name made safe to store, show and offer for download.

/// A name without paths, control characters or characters that some systems refuse,
/// at most `MAX_CHARS` characters, never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName(String);

impl FileName {
    pub const MAX_CHARS: usize = 120;

    /// Sanitises any name (a browser's, a mail client's); `fallback` stands in for an
    /// empty result.
    pub fn sanitize(raw: &str, fallback: &str) -> Self {
        // Only the last path segment: "C:\\Users\\x\\a.pdf" and "../../a.pdf" are "a.pdf".
        let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
        let mut name: String = base
            .chars()
            .map(|c| {
                if c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
                    '_'
                } else {
                    c
                }
            })
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        name = name
            .trim_matches(|c: char| c == '.' || c == ' ')
            .to_string();
        if name.is_empty() {
            name = fallback.to_string();
        }
        let stem = name.split('.').next().unwrap_or("").to_ascii_uppercase();
        const RESERVED: [&str; 22] = [
            "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7",
            "COM8", "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
        ];
        if RESERVED.contains(&stem.as_str()) {
            name.insert(0, '_');
        }
        Self(shorten(&name, Self::MAX_CHARS))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Cuts a long name in the middle of its stem, keeping a short extension.
fn shorten(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return name.to_string();
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e)
        .filter(|e| !e.is_empty() && e.chars().count() <= 10);
    match ext {
        Some(ext) => {
            let keep = max - ext.chars().count() - 1;
            format!("{}.{ext}", name.chars().take(keep).collect::<String>())
        }
        None => name.chars().take(max).collect(),
    }
}

impl std::fmt::Display for FileName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The content type a file's extension stands for, for files that come without one
/// (inside a `winmail.dat`, uuencoded); `application/octet-stream` when unknown.
pub fn content_type_of(filename: &str) -> &'static str {
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "htm" | "html" => "text/html",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "zip" => "application/zip",
        "eml" => "message/rfc822",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(raw: &str) -> String {
        FileName::sanitize(raw, "file").to_string()
    }

    #[test]
    fn paths_and_hostile_characters_go() {
        assert_eq!(s("../../etc/passwd"), "passwd");
        assert_eq!(s("C:\\Users\\ion\\factura.pdf"), "factura.pdf");
        assert_eq!(s("a<b>c:d\"e|f?g*.txt"), "a_b_c_d_e_f_g_.txt");
        assert_eq!(s("line\r\nbreak\0.txt"), "line__break_.txt");
        assert_eq!(s("  many   spaces .txt "), "many spaces .txt");
        assert_eq!(s("..."), "file");
        assert_eq!(s(""), "file");
        assert_eq!(s("CON.txt"), "_CON.txt");
    }

    #[test]
    fn unicode_names_stay_and_long_ones_keep_their_extension() {
        assert_eq!(s("factura-ăîș.txt"), "factura-ăîș.txt");
        let long = format!("{}.pdf", "ș".repeat(300));
        let out = s(&long);
        assert_eq!(out.chars().count(), FileName::MAX_CHARS);
        assert!(out.ends_with("ș.pdf"));
    }
}
