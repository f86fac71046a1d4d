//! Bot API calls made outside teloxide (long polling, file downloads). Their URL holds the
//! bot token and reqwest's errors quote the URL, so the errors go out without it.

use serde::de::DeserializeOwned;

/// Sends `request` and reads its JSON answer; an error names no URL.
pub async fn json<T: DeserializeOwned>(request: reqwest::RequestBuilder) -> anyhow::Result<T> {
    let response = request.send().await.map_err(reqwest::Error::without_url)?;
    Ok(response.json().await.map_err(reqwest::Error::without_url)?)
}
