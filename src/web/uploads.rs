//! Reading a multipart form with files, within the configured attachment limits (the
//! portal's uploads and new requests, an agent's reply with files in the API).

use std::collections::HashMap;

use axum::extract::Multipart;

use crate::service::Ctx;
use crate::service::customer_actions::Upload;

/// A multipart form read with the configured limits: its text fields and its files.
pub struct UploadForm {
    pub fields: HashMap<String, String>,
    pub files: Vec<Upload>,
}

pub enum UploadProblem {
    TooMany,
    TooLarge(String),
    /// The body broke off or went over the total limit.
    Unreadable,
}

pub async fn read_upload(ctx: &Ctx, mut mp: Multipart) -> Result<UploadForm, UploadProblem> {
    let (max_files, max_bytes) = (
        ctx.config.portal.max_attachments,
        ctx.config.portal.max_attachment_bytes(),
    );
    let mut form = UploadForm {
        fields: HashMap::new(),
        files: Vec::new(),
    };
    while let Some(mut field) = mp
        .next_field()
        .await
        .map_err(|_| UploadProblem::Unreadable)?
    {
        let name = field.name().unwrap_or("").to_string();
        let Some(filename) = field.file_name().map(str::to_string) else {
            let text = field.text().await.map_err(|_| UploadProblem::Unreadable)?;
            form.fields.insert(name, text);
            continue;
        };
        let content_type = field
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_string();
        let mut content = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|_| UploadProblem::Unreadable)? {
            if content.len() + chunk.len() > max_bytes {
                return Err(UploadProblem::TooLarge(filename));
            }
            content.extend_from_slice(&chunk);
        }
        // A file input left empty still sends a part, with no name and no bytes.
        if filename.is_empty() && content.is_empty() {
            continue;
        }
        if form.files.len() == max_files {
            return Err(UploadProblem::TooMany);
        }
        form.files.push(Upload {
            filename,
            content_type,
            content,
        });
    }
    Ok(form)
}
