//! A retest document as staff open it: the file is not kept by the bot, only Telegram's
//! `file_id`; each view asks the Bot API's `getFile` for a download path and streams the
//! file from `/file/bot<token>/<path>`. Every view is audited. Errors never carry the
//! URL (it holds the bot token).

use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::json;

use crate::config::ExposeSecret;
use crate::db::audit;
use crate::db::retests;
use crate::domain::DocumentKind;
use crate::services::Ctx;

/// The document, its type and the download in progress.
pub struct Download {
    pub content_type: &'static str,
    pub file_name: String,
    pub response: reqwest::Response,
}

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .build()
            .expect("an HTTP client with default TLS")
    })
}

#[derive(Deserialize)]
struct Envelope {
    ok: bool,
    result: Option<TgFile>,
    description: Option<String>,
}

#[derive(Deserialize)]
struct TgFile {
    file_path: Option<String>,
}

/// Opens document `position` of request `id` for staff member `actor`. `None` when there
/// is no such document.
#[tracing::instrument(skip_all, fields(actor, request = id, position))]
pub async fn open(ctx: &Ctx, actor: i64, id: i64, position: i16) -> anyhow::Result<Option<Download>> {
    let docs = retests::documents(&ctx.db, id).await?;
    let Some(doc) = docs.into_iter().find(|d| d.position == position) else {
        return Ok(None);
    };
    audit::record(
        &ctx.db,
        actor,
        "retest.document",
        &format!("retest:{id}"),
        json!({ "position": position }),
    )
    .await?;
    let (api, token) = match ctx.bot_api.get() {
        Some((url, token)) => {
            (url.as_str().trim_end_matches('/').to_string(), token.expose_secret().to_string())
        }
        None => anyhow::bail!("the Bot API is not wired yet"),
    };
    let request =
        client().get(format!("{api}/bot{token}/getFile")).query(&[("file_id", doc.file_id.as_str())]);
    let found: Envelope = crate::runtime::bot_api::json(request).await?;
    let path = match found {
        Envelope { ok: true, result: Some(TgFile { file_path: Some(p) }), .. } => p,
        Envelope { description, .. } => {
            anyhow::bail!("getFile refused: {}", description.unwrap_or_default())
        }
    };
    let response = client()
        .get(format!("{api}/file/bot{token}/{path}"))
        .send()
        .await
        .map_err(reqwest::Error::without_url)?
        .error_for_status()
        .map_err(reqwest::Error::without_url)?;
    let kind = DocumentKind::parse(&doc.kind).unwrap_or(DocumentKind::Pdf);
    let extension = if kind == DocumentKind::Pdf { "pdf" } else { "jpg" };
    Ok(Some(Download {
        content_type: kind.content_type(),
        file_name: format!("retest-{id}-{position}.{extension}"),
        response,
    }))
}
